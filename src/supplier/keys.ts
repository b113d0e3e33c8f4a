/**
 * The supplier's delivery key (SECMP0038 SU-2, SU-3): an ECDSA P-256 key,
 * separate from every GBCS and XML-signing key, that signs the delivery
 * envelopes; its public key is provisioned into each enhanced PPMID. It is
 * generated once and persisted (PKCS#8 PEM, mode 0600), so a restart signs
 * with the key the PPMIDs trust.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertP256, deliveryKeyId, generateSigningKeyPair, type SigningKeyPair } from '../delivery/index.ts';
import { Logger } from '../runtime/logger.ts';
import { SupplierError } from './errors.ts';

const log = Logger.get('supplier:keys');

/** Reads the delivery key at `file`, or generates one there (creating the directory). */
export function loadOrCreateDeliveryKey(file: string): SigningKeyPair {
  if (existsSync(file)) {
    try {
      const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
      assertP256(privateKey, 'the delivery key');
      const publicKey = createPublicKey(privateKey);
      return { privateKey, publicKey, keyId: deliveryKeyId(publicKey) };
    } catch (err) {
      throw new SupplierError(
        'SUPPLIER_CONFIG',
        `delivery key ${file} is unreadable: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  const kp = generateSigningKeyPair();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, kp.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  log.info('generated the supplier delivery key', { file, keyId: kp.keyId });
  return kp;
}
