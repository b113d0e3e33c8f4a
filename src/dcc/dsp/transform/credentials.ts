/**
 * Update Security Credentials (GBCS CS02b / CS02g) from a DUIS body: the
 * parts every credentials SRV shares (6.15.1 in security-srs.ts; 6.21, 6.23
 * and 8.5 in credentials-srs.ts): DUIS roles and key usages as GBCS numbers,
 * the certificate groups, and the command fields.
 *
 * Facts used (RTDS CS02b/CS02g commands next to the DUIS templates):
 * - DUIS RemotePartyRole -> GBCS RemotePartyRole: Root 0, Recovery 1,
 *   Supplier 2, NetworkOperator 3, ACB 4, TransCoS 5, LoadController 8;
 *   CredentialType Digital Signature -> KeyUsage digitalSignature,
 *   Key Agreement -> keyAgreement.
 * - The replacement mode is the Message Code's low byte; the authorising
 *   party's trust anchor cell is its role with DS usage (none for ACB by ACB,
 *   mode 4: the ACB's MAC authorises, RTDS 8.5), its sequence number the
 *   Originator Counter. Replacing its own role, the new floor goes in
 *   newRemotePartyFloorSeqNumber and the prepayment top-up floor in
 *   newSupplierFloors {0, floor}; replacing another role, in
 *   remotePartySeqNumberChanges. One replacement per certificate given:
 *   DS, KA, KA top-up (cell usage 1).
 * - Field [1] (`unjoinControl`) is present (value 1) exactly when
 *   ApplyTimeBasedCPVChecks is false (one RTDS example each way).
 */
import { ROLE_OF_OU } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import { base64, bigInteger, group, many, oneOf, opt, type ValueReader } from './body-reader.ts';
import { GENERALIZED_TIME_CANCEL, generalizedTime } from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';
import type { BuildInput } from './rule.ts';

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

/** GBCS RemotePartyRole numbers of the DUIS RemotePartyRole enumeration. */
export const ROLE_NUMBER = {
  Root: 0,
  Recovery: 1,
  Supplier: 2,
  NetworkOperator: 3,
  ACB: 4,
  TransCoS: 5,
  LoadController: 8,
} as const;
export type DuisRole = keyof typeof ROLE_NUMBER;
export const remotePartyRole = oneOf(...(Object.keys(ROLE_NUMBER) as DuisRole[]));

/** The sender's GBCS role number (its certificate OU): the inverse of the catalogue's ROLE_OF_OU. */
const SENDER_ROLE: ReadonlyMap<string, number> = new Map(
  Object.entries(ROLE_OF_OU).map(([ou, role]) => [role, Number(ou)]),
);

/** X.509 KeyUsage bits as the catalogue's BIT STRING text: digitalSignature (bit 0), keyAgreement (bit 4). */
export const DS = '1';
export const KA = '00001';
export const credentialType = oneOf('Digital Signature', 'Key Agreement');
export const keyUsageOf = (t: 'Digital Signature' | 'Key Agreement') => (t === 'Digital Signature' ? DS : KA);

/**
 * Floors (DUIS floorSequenceNumber: xs:nonNegativeInteger up to 2^63 - 1, the
 * range of a GBCS Originator Counter), as bigints: the catalogue carries them
 * as DER INTEGERs. (Issue 17: read as a JS number, every floor above 2^53 - 1
 * that the XSD allows was refused.)
 */
export const floor: ValueReader<bigint> = bigInteger(0n, 2n ** 63n - 1n);

/** DS, KA and KA top-up certificates (each optional here; the XSD type of each SRV says which it needs). */
export const certificates = group({
  ds: opt('DigitalSigningCertificate', base64),
  ka: opt('KeyAgreementCertificate', base64),
  kaTopUp: opt('KeyAgreementTopUpCertificate', base64),
});
export const CERTIFICATION_PATH = group({ certs: many('Certificate', base64, 1, 3) });

interface Certs {
  ds?: Uint8Array;
  ka?: Uint8Array;
  kaTopUp?: Uint8Array;
}

function replacements(role: number, c: Certs) {
  const out: { replacementCertificate: string; targetTrustAnchorCell: Record<string, unknown> }[] = [];
  if (c.ds)
    out.push({
      replacementCertificate: toHex(c.ds),
      targetTrustAnchorCell: { remotePartyRole: role, keyUsage: DS },
    });
  if (c.ka)
    out.push({
      replacementCertificate: toHex(c.ka),
      targetTrustAnchorCell: { remotePartyRole: role, keyUsage: KA },
    });
  if (c.kaTopUp)
    out.push({
      replacementCertificate: toHex(c.kaTopUp),
      targetTrustAnchorCell: { remotePartyRole: role, keyUsage: KA, cellUsage: 1 },
    });
  if (out.length === 0)
    throw new DspBodyInvalidError('no replacement certificate given', 'ReplacementCertificates');
  return out;
}

/** The optional execution time of a device future-dated ASN.1 command (GeneralizedTime; cancel 9999...). */
export function executionTime(i: BuildInput<B>): { executionDateTime?: string } {
  if (i.execution.kind === 'cancel') return { executionDateTime: GENERALIZED_TIME_CANCEL };
  if (i.execution.kind === 'at')
    return { executionDateTime: generalizedTime(i.execution.at, 'ExecutionDateTime') };
  return {};
}

/**
 * Who authorises the replacement: a GBCS role number (its DS trust anchor
 * cell), or null for none (ACB by ACB).
 */
export type Authoriser = (i: BuildInput<B>) => number | null;

/** The sender's role (its certificate OU in the key store): the user replacing credentials. */
export const bySender: Authoriser = (i) => {
  const sender = i.originatorRole ? SENDER_ROLE.get(i.originatorRole) : undefined;
  if (sender === undefined)
    throw new DspBodyInvalidError('the sender has no remote-party role in the key store', 'RemotePartyRole');
  return sender;
};

/** A fixed authorising role (a DCC party replacing credentials it holds), or null for none. */
export const byRole =
  (role: number | null): Authoriser =>
  () =>
    role;

/**
 * The body values the fields need: the role whose credentials are
 * replaced, its floors, the certificates, the certification path and
 * ApplyTimeBasedCPVChecks.
 */
export interface CredentialsBody {
  role: DuisRole;
  floor?: bigint;
  topUpFloor?: bigint;
  certs: Certs;
  path: Uint8Array[];
  applyTimeBasedCpvChecks: boolean;
}

/**
 * CS02b / CS02g Update Security Credentials: the replacement mode (Message
 * Code low byte), the authorising party, the floors, the replacement
 * certificates of the role and the certification path.
 */
export function updateCredentials(
  mode: number,
  authoriser: Authoriser,
  bodyOf: (b: B) => CredentialsBody,
): (i: BuildInput<B>) => unknown {
  return (i) => {
    const b = bodyOf(i.body);
    const role = ROLE_NUMBER[b.role];
    const sender = authoriser(i);
    const control: Record<string, unknown> = { credentialsReplacementMode: mode };
    if (b.applyTimeBasedCpvChecks === false) control.unjoinControl = 1;
    if (sender !== null)
      control.authorisingRemotePartyTACellIdentifier = { remotePartyRole: sender, keyUsage: DS };
    control.authorisingRemotePartySeqNumber = i.originatorCounter;
    if (role === sender || sender === null) {
      if (b.floor !== undefined) control.newRemotePartyFloorSeqNumber = b.floor;
      if (b.topUpFloor !== undefined) control.newSupplierFloors = [{ counterId: 0, floor: b.topUpFloor }];
    } else if (b.floor !== undefined || b.topUpFloor !== undefined) {
      const change: Record<string, unknown> = { remotePartyRole: role, newSeqNumber: b.floor ?? 0n };
      if (b.topUpFloor !== undefined) change.otherFloors = [{ counterId: 0, floor: b.topUpFloor }];
      control.remotePartySeqNumberChanges = [change];
    }
    return {
      authorisingRemotePartyControl: control,
      replacements: replacements(role, b.certs),
      certificationPathCertificates: b.path.map(toHex),
      ...executionTime(i),
    };
  };
}
