/**
 * Test-only key material for the `rtds` profile: re-MAC an RTDS command for
 * the home's own device keys.
 *
 * The RTDS set ships the KA private key of the ESME only. A command it holds
 * for the GSME, the GPF or the CHF carries an ACB MAC made with those
 * devices' fixture KA certificates, whose private keys exist nowhere; the
 * `rtds` home gives those devices fresh KA keys (home/profiles.ts). To run
 * such a command on them, the test ACB (whose private key the RTDS ships)
 * computes the MAC again for the home's certificate of the recipient:
 * everything the MAC covers is kept byte for byte (header, counter,
 * other-information, payload, and the business originator's signature, which
 * the recipient still verifies against the fixture certificate); only the
 * 12-byte MAC changes. Nothing else about the command is touched, so every
 * check the device makes (originator, role, signature, replay, payload)
 * applies to the RTDS bytes.
 *
 * A top-up's UTRN (CS01b, PCS01 to a GSME) carries its own GMAC, made with
 * the supplier's prepayment KA key and the fixture KA certificate of the
 * device: the supplier's key (which the RTDS ships) issues it again for the
 * home's certificate of the recipient, with the same value, value class and
 * counter (CS01b: the command's; PCS01: the one the device rebuilds from the
 * UTRN, meter-common/prepayment.ts), and the payload carries the new UTRN in
 * place of the old (the same length; a signed command is left as it is).
 * Only a UTRN of the right form and check digit is issued again (RTDS
 * CS01b ERROR, a wrong check digit, stays wrong); its GMAC is not checked
 * first (the fixture device's KA certificate is not in the home's world),
 * so a UTRN whose only fault were its GMAC would be made good: no RTDS
 * example has one.
 *
 * What it covers: General Ciphering commands from a remote party (ACB MAC).
 * What it does not: a command from a device (PCS01/PCS02 from the PPMID:
 * MAC'd with the fixture PPMID key, no private key either) gets the MAC of
 * the home's PPMID key instead; a General Signing command (no MAC) is
 * returned as it is. It never runs outside a test home: the ATPS applies it
 * only when a caller asks (`inject(..., { remac: true })`, CLI `--remac`).
 */

import { utrnCounterFromUtrn } from '../devices/meter-common/prepayment.ts';
import { decodeMessage } from '../gbcs/decode.ts';
import { apduHeaderOf, encodeApdu } from '../gbcs/encode.ts';
import type { KeyStore } from '../gbcs/keystore.ts';
import { SecurityContext } from '../gbcs/security.ts';
import type { GbcsMessage } from '../gbcs/types.ts';
import { decodeCommand, useCaseByCode } from '../gbcs/use-cases/index.ts';
import { generateUtrn, PPTD_OFFSET, utrnCheckDigit } from '../gbcs/utrn.ts';
import type { Eui } from '../runtime/bytes.ts';

/**
 * `bytes` (one RTDS command) with its MAC recomputed from `world`'s keys and
 * a top-up's UTRN issued again by `supplier` (the recipient's import
 * supplier, for a UTRN from the PPMID); unchanged when it has no MAC.
 */
export function remacCommand(world: KeyStore, acb: Eui, bytes: Uint8Array, supplier?: Eui): Uint8Array {
  const m = decodeMessage(bytes);
  if (m.envelope !== 'general-ciphering' || m.mac === null) return bytes;
  const ctx = new SecurityContext({ keyStore: world, acb });
  const content = m.signature === null ? reissuedUtrn(ctx, m, supplier) : null;
  const apdu = content ? encodeApdu({ ...apduHeaderOf(m), content, signature: null }) : m.apdu;
  return ctx.wrap(apdu, { cipheredLengthForm: m.layout.cipheredLengthForm });
}

/** The payload with its Consumer Top Up UTRN issued for `ctx`'s key of the recipient, or null (no UTRN). */
function reissuedUtrn(
  ctx: SecurityContext,
  m: GbcsMessage,
  importSupplier: Eui | undefined,
): Uint8Array | null {
  const row = useCaseByCode(m.messageCode);
  if (row?.family !== 'gbz' || row.kind !== 'command') return null;
  let utrn: unknown;
  try {
    utrn = (decodeCommand(row, m.content).fields as { consumerTopUp?: { topUpCode?: unknown } }).consumerTopUp
      ?.topUpCode;
  } catch {
    return null;
  }
  // only a UTRN of the right form: one the supplier could have issued (a wrong check digit stays wrong)
  if (typeof utrn !== 'string' || !/^\d{20}$/.test(utrn)) return null;
  if (utrnCheckDigit(utrn.slice(0, 19)) !== Number(utrn[19])) return null;
  const fromPpmid = row.useCase === 'PCS01';
  const supplier = fromPpmid ? importSupplier : (m.otherInfo.supplementaryRemotePartyId ?? m.originator);
  const counter = fromPpmid ? utrnCounterFromUtrn(utrn, undefined) : m.originatorCounter;
  if (!supplier || counter === null) return null;
  const high = Number((BigInt(utrn.slice(0, 19)) - PPTD_OFFSET) >> 32n);
  const valueClass = ((high >>> 13) & 3) === 1 ? 'pounds' : 'pennies';
  const again = generateUtrn(ctx, {
    supplier,
    device: m.recipient,
    counter,
    value: high & 0x1fff,
    valueClass,
  });
  const at = Buffer.from(m.content).indexOf(utrn, 0, 'latin1');
  if (at < 0) return null;
  const content = new Uint8Array(m.content);
  content.set(new TextEncoder().encode(again), at);
  return content;
}
