export { csrClientCredentials } from './csr-credentials.ts';
export {
  CertificateRevocations,
  certificateSerial,
  type RevocationCheck,
  type RevokedCertificate,
} from './revocations.ts';
export {
  createCsr,
  generateDeviceKeyPem,
  type IssueOptions,
  type PemCredentials,
  PkiError,
  TestPki,
  type TestPkiOptions,
} from './test-pki.ts';
