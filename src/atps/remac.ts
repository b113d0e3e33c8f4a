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
 * What it covers: General Ciphering commands from a remote party (ACB MAC).
 * What it does not: a command from a device (PCS01/PCS02 from the PPMID:
 * MAC'd with the fixture PPMID key, no private key either) gets the MAC of
 * the home's PPMID key instead; a General Signing command (no MAC) is
 * returned as it is. It never runs outside a test home: the ATPS applies it
 * only when a caller asks (`inject(..., { remac: true })`, CLI `--remac`).
 */
import { decodeMessage } from '../gbcs/decode.ts';
import type { KeyStore } from '../gbcs/keystore.ts';
import { SecurityContext } from '../gbcs/security.ts';
import type { Eui } from '../runtime/bytes.ts';

/** `bytes` (one RTDS command) with its MAC recomputed from `world`'s keys; unchanged when it has no MAC. */
export function remacCommand(world: KeyStore, acb: Eui, bytes: Uint8Array): Uint8Array {
  const m = decodeMessage(bytes);
  if (m.envelope !== 'general-ciphering' || m.mac === null) return bytes;
  const ctx = new SecurityContext({ keyStore: world, acb });
  return ctx.wrap(m.apdu, { cipheredLengthForm: m.layout.cipheredLengthForm });
}
