/**
 * The ASN.1 structures of the GBCS DER use cases (GBCS ASN.1 module: the
 * security-credential, join/unjoin, firmware, clock and GPF device-log use
 * cases), as schemas for payload/der-schema.ts. Every structure marked
 * `rtds` was checked element by element against the RTDS messages of its use
 * case (test: asn1.test.ts); names follow GBCS where known. Field names
 * marked "name unconfirmed" follow the structure seen in RTDS, as GBCS's
 * text could not be checked here.
 */
import type { Asn1Field, Asn1Schema } from '../../payload/der-schema.ts';

const int = (doc?: string) => ({ type: 'integer', ...(doc ? { doc } : {}) }) as const;
const f = <
  const N extends string,
  const S extends Asn1Schema,
  const E extends Omit<Partial<Asn1Field>, 'name' | 'schema'> = Record<never, never>,
>(
  name: N,
  schema: S,
  extra?: E,
) => ({ name, schema, ...(extra as E) }) as { readonly name: N; readonly schema: S } & E;
const seq = <const F extends readonly Asn1Field[]>(...fields: F) => ({ type: 'sequence', fields }) as const;
const seqOf = <const S extends Asn1Schema>(of: S) => ({ type: 'sequenceOf', of }) as const;
const octets = (size?: number) =>
  size === undefined ? ({ type: 'octets' } as const) : ({ type: 'octets', size } as const);
const gt = { type: 'generalizedTime' } as const;

/** RemotePartyRole (GBCS: 0 root, 1 recovery, 2 supplier, 3 network operator, 4 ACB, 5 transitional CoS, 6 WAN provider, 7 issuing authority, 8 load controller (unconfirmed), 127 other user). */
export const RemotePartyRole = int('GBCS RemotePartyRole');
/** KeyUsage (X.509 BIT STRING: 0x0780 digitalSignature, 0x0308 keyAgreement). */
export const KeyUsage = {
  type: 'bits',
  doc: 'X.509 KeyUsage: digitalSignature (07 80) or keyAgreement (03 08)',
} as const;
/** DeviceType (GBCS.md 5: 0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2). */
export const DeviceType = int('GBCS DeviceType: 0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2');
export const EntityId = octets(8);
/** An X.509 certificate (RFC 5280), kept as its DER bytes. */
export const Certificate = { type: 'der', doc: 'X.509 certificate (RFC 5280)' } as const;

export const TrustAnchorCellIdentifier = seq(
  f('remotePartyRole', RemotePartyRole),
  f('keyUsage', KeyUsage),
  f('cellUsage', int('0 management, 1 prepayment top-up, 2 WAN provider ...'), { optional: true }),
);

// ---------------------------------------------------------------- CS02a / CS02f Provide Security Credentials Details

export const ProvideSecurityCredentialDetailsCommand = seq(
  f('authorisingRemotePartyTACellIdentifier', TrustAnchorCellIdentifier),
  f('remotePartyRoles', seqOf(RemotePartyRole)),
);

const TrustAnchorCellContents = seq(
  f('keyUsage', KeyUsage),
  f('cellUsage', int(), { optional: true }),
  f('subjectUniqueID', EntityId),
  f('subjectKeyIdentifier', octets(8)),
);

export const ProvideSecurityCredentialDetailsResponse = seqOf(
  seq(
    f('targetRemotePartyRole', RemotePartyRole),
    f('status', { type: 'enumerated', doc: '0 success, other values an error (RTDS 25, 127)' }),
    f('remotePartySeqNumber', int('name unconfirmed'), { optional: true }),
    f('trustAnchorCells', seqOf(TrustAnchorCellContents), { optional: true }),
  ),
);

// ---------------------------------------------------------------- CS02b / CS02g Update Security Credentials

/**
 * A sequence number floor: an Originator Counter value, 0 .. 2^63 - 1 (DUIS
 * floorSequenceNumber), beyond the safe integers, so a bigint.
 */
const SEQ_NUMBER = { type: 'bigInteger', doc: 'a counter floor, 0 .. 2^63 - 1' } as const;

/** A counter floor pair (name unconfirmed: RTDS carries {0, 0}). */
const SeqNumberFloor = seq(f('counterId', int('name unconfirmed')), f('floor', SEQ_NUMBER));

const RemotePartySeqNumberChange = seq(
  f('remotePartyRole', RemotePartyRole),
  f('newSeqNumber', SEQ_NUMBER),
  f('otherFloors', seqOf(SeqNumberFloor), { optional: true, doc: 'name unconfirmed' }),
);

export const AuthorisingRemotePartyControl = seq(
  f(
    'credentialsReplacementMode',
    int('= the low byte of the Message Code (2 supplierBySupplier ... 11 loadControllerBySupplier)'),
  ),
  f('unjoinControl', int('name unconfirmed (RTDS: 1)'), { optional: true, tag: 1 }),
  f('authorisingRemotePartyTACellIdentifier', TrustAnchorCellIdentifier, { optional: true, tag: 2 }),
  f(
    'authorisingRemotePartySeqNumber',
    { type: 'bigInteger', doc: 'the originator counter of the command' },
    { tag: 3 },
  ),
  f('newRemotePartyFloorSeqNumber', SEQ_NUMBER, { optional: true, tag: 4 }),
  f('newSupplierFloors', seqOf(SeqNumberFloor), { optional: true, tag: 5, doc: 'name unconfirmed' }),
  f('remotePartySeqNumberChanges', seqOf(RemotePartySeqNumberChange), { optional: true, tag: 6 }),
);

const TrustAnchorReplacement = seq(
  f('replacementCertificate', Certificate),
  f('targetTrustAnchorCell', TrustAnchorCellIdentifier),
);

export const UpdateSecurityCredentialsCommand = seq(
  f('authorisingRemotePartyControl', AuthorisingRemotePartyControl),
  f('replacements', seqOf(TrustAnchorReplacement)),
  f('certificationPathCertificates', seqOf(Certificate)),
  f('executionDateTime', gt, { optional: true, doc: 'future dated; 99991231235959Z cancels' }),
);

const ReplacementOutcome = seq(
  f('affectedTrustAnchorCell', TrustAnchorCellIdentifier),
  f('status', { type: 'enumerated', doc: '0 success, 10 not replaced (RTDS)' }),
  f('existingSubjectUniqueID', EntityId),
  f('existingSubjectKeyIdentifier', octets(8)),
  f('replacingSubjectUniqueID', EntityId),
  f('replacingSubjectKeyIdentifier', octets(8)),
);

export const UpdateSecurityCredentialsExecutionOutcome = seq(
  f('authorisingRemotePartySeqNumber', { type: 'bigInteger' }),
  f('credentialsReplacementMode', int()),
  f('remotePartySeqNumberChanges', seqOf(RemotePartySeqNumberChange)),
  f('replacementOutcomes', seqOf(ReplacementOutcome)),
);

export const UpdateSecurityCredentialsResponse = seq(
  f('commandAccepted', { type: 'null' }),
  f('executionOutcome', UpdateSecurityCredentialsExecutionOutcome, {
    optional: true,
    doc: 'absent when future dated',
  }),
);

/** Alerts 0x00CB / 0x0124: the outcome of a future-dated credentials update (8F66 / 8F67). */
export const FutureDatedSecurityCredentialsAlert = seq(
  f('alertCode', int('0x8F66 actioned, 0x8F67 not actioned')),
  f('executionDateTime', gt),
  f('executionOutcome', UpdateSecurityCredentialsExecutionOutcome),
);

// ---------------------------------------------------------------- CS02c / CS02d / CS02e device credentials

export const KeyUsageCommand = seq(f('keyUsage', KeyUsage));

export const IssueSecurityCredentialsResponse = {
  type: 'choice',
  alternatives: [
    f('responseCode', int('non-zero: refused')),
    f('certificationRequest', { type: 'der', doc: 'PKCS#10 CertificationRequest (RFC 2986)' }),
  ],
} as const;

export const ProvideDeviceCertificateResponse = {
  type: 'choice',
  alternatives: [f('responseCode', int('non-zero: refused')), f('deviceCertificate', Certificate)],
} as const;

export const ResponseCode = int('0 success; other values per use case');

// ---------------------------------------------------------------- CS03 / CS04 join, unjoin

export const JoinDeviceCommand = seq(
  f('joinMethodAndRole', int('0 method A initiator, 1 method A responder, 2 method B, 3 method C')),
  f('otherDeviceEntityIdentifier', EntityId),
  f('otherDeviceType', DeviceType),
  f('otherDeviceKACertificate', Certificate, { optional: true }),
);

export const UnjoinDeviceCommand = EntityId;

// ---------------------------------------------------------------- CS06 / CS08 / CS09 firmware

export const ActivateFirmwareCommand = seq(
  f('manufacturerImageHash', octets(32)),
  f('originatorCounter', { type: 'bigInteger', doc: "= the command's originator counter" }),
  f('executionDateTime', gt, { optional: true, doc: 'future dated; 99991231235959Z cancels' }),
);

const FirmwareActivationOutcome = seq(
  f('activateImageResponseCode', int('0 success')),
  f('firmwareVersion', octets(4)),
);

export const ActivateFirmwareResponse = {
  type: 'choice',
  alternatives: [f('futureDatedAccepted', { type: 'null' }), f('outcome', FirmwareActivationOutcome)],
} as const;

/** Alert 0x00CA: a future-dated firmware activation ran (8F66) or failed (8F67). */
export const FutureDatedFirmwareActivationAlert = seq(
  f('alertCode', int('0x8F66 actioned, 0x8F67 not actioned')),
  f('executionDateTime', gt),
  f('originatorCounter', { type: 'bigInteger' }),
  f('outcome', FirmwareActivationOutcome),
);

export const ReadFirmwareVersionCommand = { type: 'null' } as const;
export const ReadFirmwareVersionResponse = seq(
  f('firmwareVersion', octets(4)),
  f('responseCode', int('0 success')),
);

/** CS09 alert (0x012B): a PPMID / HCALCS firmware version (alert 0x8F8B). */
export const FirmwareVersionAlert = seq(
  f('alertCode', int()),
  f('alertTime', gt),
  f('firmwareVersion', octets(4)),
  f('responseCode', int()),
);

/**
 * CCS08 alert (0x0128, no RTDS message, UNCONFIRMED): the CHF's report of a
 * firmware image transfer to a device it serves. Element order and the
 * response codes: the public GBCS parser's reading of the alert
 * (SmartDCCInnovation/gbcs-parser); the element types as in the sibling
 * alerts above (alert code INTEGER, time GeneralizedTime, firmware version
 * 4 octets). Field names unconfirmed.
 */
export const FirmwareTransferAlert = seq(
  f('alertCode', int()),
  f('executionDateTime', gt),
  f('entityId', EntityId),
  f('firmwareVersion', octets(4)),
  f(
    'responseCode',
    int('0 success, 1 image discarded, 2 hardware version mismatch, 3 file transfer failure'),
  ),
);

// ---------------------------------------------------------------- CS07 Read Device Join Details (no RTDS message)

export const ReadDeviceJoinDetailsCommand = { type: 'null' } as const;
const DeviceLogEntry = seq(f('deviceId', EntityId), f('deviceType', DeviceType));
export const ReadDeviceJoinDetailsResponse = seq(
  f('responseCode', int()),
  f('joinedDevices', seqOf(DeviceLogEntry), { optional: true }),
);

// ---------------------------------------------------------------- GCS28 Set Clock on GSME

export const SetClockCommand = seq(f('validityIntervalStart', gt), f('validityIntervalEnd', gt));
export const SetClockResponse = seq(
  f('deviceTime', gt),
  f('responseCode', int('0 success, 1 malformed, 2 CH time outside the validity interval')),
);

// ---------------------------------------------------------------- GCS59 / GCS62 GPF Device Log

export const RestoreGpfDeviceLogCommand = seq(f('deviceLog', seqOf(DeviceLogEntry)));
export const RestoreGpfDeviceLogResponse = seq(
  f('restoreOutcomes', seqOf(seq(f('device', DeviceLogEntry), f('result', int('0 restored'))))),
);
/** Alert 0x00B2 (alert code 0x8071 GPF Device Log Changed): the GPF's whole log. */
export const GpfDeviceLogBackupAlert = seq(
  f('alertCode', int('0x8071')),
  f('alertTime', gt),
  f('deviceLog', seqOf(DeviceLogEntry)),
);
