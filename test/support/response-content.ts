/**
 * Compares a response's content (the General Signing payload) with an RTDS
 * reference, the way the fidelity suites need: byte for byte, except that a
 * payload-encrypted part (GBCS 7.2.13: a protected read for the business
 * originator) is compared after decryption, each side with its own keys.
 * The ciphertext depends on the device's KA key: the reference's was made
 * with the fixture key (whose private half the RTDS ships for the ESME only),
 * the emulator's with the home's; equal plaintexts and equal framing are what
 * "the same content" can mean there.
 */
import { decryptPayload } from '../../src/gbcs/crypto.ts';
import type { KeyStore } from '../../src/gbcs/keystore.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import type { GbcsMessage } from '../../src/gbcs/types.ts';
import { decodeNamedPayload } from '../../src/gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../src/runtime/bytes.ts';

const u64be = (n: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n);
  return b;
};

/**
 * The content of a response as comparable text: the hex of the payload, with
 * every encrypted GBZ component replaced by `[plain:<hex>]` (decrypted with
 * `keys`: the device's KA public key and the business party's KA private key).
 */
export function comparableContent(resp: GbcsMessage, keys: KeyStore): string {
  let named: ReturnType<typeof decodeNamedPayload>;
  try {
    named = decodeNamedPayload(resp.messageCode, 'response', resp.content);
  } catch {
    return toHex(resp.content);
  }
  const comps = (named.fields as { components?: Array<{ encrypted?: Record<string, unknown> }> })?.components;
  if (named.family !== 'gbz' || !comps?.some((c) => c.encrypted)) return toHex(resp.content);
  const party = resp.otherInfo.supplementaryRemotePartyId ?? resp.recipient;
  const z = new SecurityContext({ keyStore: keys }).sharedSecret(resp.originator, party);
  let text = toHex(resp.content);
  for (const c of comps) {
    const e = c.encrypted;
    if (!e) continue;
    const sealedTail = `${e.ciphertext as string}${e.mac as string}`.toUpperCase();
    let plain = '?';
    if (z) {
      const header = new Uint8Array(5);
      header[0] = e.securityControl as number;
      new DataView(header.buffer).setUint32(1, e.invocationCounter as number);
      const sealed = new Uint8Array([...header, ...fromHex(sealedTail)]);
      try {
        plain = toHex(
          decryptPayload(sealed, {
            originator: fromHex(resp.originator),
            recipient: fromHex(party),
            counter: u64be(resp.otherInfo.supplementaryOriginatorCounter ?? resp.originatorCounter),
            z,
          }),
        );
      } catch {
        plain = 'undecryptable';
      }
    }
    text = text.replace(sealedTail, `[plain:${plain}]`);
  }
  return text;
}
