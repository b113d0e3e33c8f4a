/**
 * Reads the CH's alerts as the CSP would: verifies the MAC (and the CHF's
 * signature on critical ones) with the profile's key store and decodes the
 * provisional SECMP0038 payload.
 */
import assert from 'node:assert/strict';
import { decodeProvisionalAlert, type ProvisionalAlertMessage } from '../../src/gbcs/codes/provisional.ts';
import type { KeyStore } from '../../src/gbcs/keystore.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { fromHex } from '../../src/runtime/bytes.ts';

export function verifyChAlert(
  world: KeyStore,
  acb: string,
  hex: string,
  critical: boolean,
): ProvisionalAlertMessage {
  const ctx = new SecurityContext({ keyStore: world, acb });
  const v = ctx.decodeVerify(fromHex(hex));
  assert.equal(v.message.cra, 'alert');
  assert.equal(v.mac, 'valid', 'CHF alert MAC must verify for the recipient');
  assert.equal(v.signature, critical ? 'valid' : 'absent');
  return decodeProvisionalAlert(v.message.content);
}
