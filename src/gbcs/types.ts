/**
 * Typed values of a decoded GBCS Remote Party Message (GBCS 7.2). Every byte
 * array is a view (subarray) into the decoded input: nothing is copied.
 */
import type { Eui } from '../runtime/bytes.ts';
import type { LengthForm } from './der.ts';

export type { Eui } from '../runtime/bytes.ts';

/** Tag of the General Ciphering APDU (adds the MAC). */
export const TAG_GENERAL_CIPHERING = 0xdd;
/** Tag of the General Signing APDU (the Grouping Header). */
export const TAG_GENERAL_SIGNING = 0xdf;
/** Tag of the General Block Transfer APDU. */
export const TAG_GENERAL_BLOCK_TRANSFER = 0xe0;
/** Security control byte of the MAC'd (authenticated only) General Ciphering header. */
export const SECURITY_CONTROL_AUTHENTICATED = 0x11;
/** Security control byte of an encrypted payload (GBCS payload encryption). */
export const SECURITY_CONTROL_ENCRYPTED = 0x31;
/** Length of the truncated GMAC tag on the wire. */
export const MAC_LENGTH = 12;
/** ECDSA P-256 r||s (IEEE P1363). */
export const SIGNATURE_LENGTH = 64;
/** The ACB of the RTDS test PKI. */
export const DEFAULT_ACB_EUI: Eui = '90B3D51F30000002';

export type Envelope = 'general-ciphering' | 'general-signing' | 'gbt';
export type Cra = 'command' | 'response' | 'alert';
/** CRA flag as on the wire: 1 Command, 2 Response, 3 Alert. */
export type CraFlag = 1 | 2 | 3;

export const CRA_BY_FLAG: readonly (Cra | undefined)[] = [undefined, 'command', 'response', 'alert'];
export const CRA_FLAG: Readonly<Record<Cra, CraFlag>> = { command: 1, response: 2, alert: 3 };

/** A COSEM date-time (12 bytes, DLMS Blue Book 4.1.6.1), as carried in the Grouping Header. */
export interface CosemDateTime {
  /** 0xFFFF = not specified */
  year: number;
  /** 1..12, 0xFD/0xFE daylight saving end/begin, 0xFF not specified */
  month: number;
  dayOfMonth: number;
  /** 1 Monday .. 7 Sunday, 0xFF not specified */
  dayOfWeek: number;
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
  /** minutes from local time to UTC, -720..720, or 0x8000 (-32768) not specified */
  deviation: number;
  clockStatus: number;
  /** the 12 bytes as received */
  raw: Uint8Array;
}

/** Other-information of the Grouping Header (GBCS 7.2.8). */
export interface OtherInformation {
  /** Identifies the use case, e.g. 0x0027 ECS17b. */
  messageCode: number;
  /** The real business originator when the ACB originates on a user's behalf. */
  supplementaryRemotePartyId: Eui | null;
  supplementaryRemotePartyCounter: bigint | null;
  supplementaryOriginatorCounter: bigint | null;
  /** DER X.509 certificate carried in other-information (e.g. CS02 certificate updates). */
  certificate: Uint8Array | null;
}

/** How the message was laid out on the wire: what `encode` needs to give back the same bytes. */
export interface WireLayout {
  /** form of the General Ciphering length field (general-ciphering only) */
  cipheredLengthForm: LengthForm;
  /** security control byte of the General Ciphering header (0x11 seen) */
  securityControl: number;
  /** invocation counter of the General Ciphering header (always 0 seen) */
  invocationCounter: number;
  otherInfoLengthForm: LengthForm;
  contentLengthForm: LengthForm;
}

/**
 * The signature field: `absent` (a Pre-Command: no field at all), `null`
 * (the field is `00`), or `present` (`40` + 64 bytes).
 */
export type SignatureField = 'absent' | 'null' | 'present';

/** A decoded Remote Party Message (General Ciphering or General Signing). */
export interface GbcsMessage {
  envelope: 'general-ciphering' | 'general-signing';
  cra: Cra;
  craFlag: CraFlag;
  /** 8-byte Originator Counter */
  originatorCounter: bigint;
  /** header Originator System Title, 16 upper-case hex digits */
  originator: Eui;
  /** header Recipient System Title (the target of a Command: GBCS 10.8.2) */
  recipient: Eui;
  dateTime: CosemDateTime | null;
  otherInfo: OtherInformation;
  /** = otherInfo.messageCode */
  messageCode: number;
  /** the payload (DLMS, GBZ or ASN.1), still protected if payload-encrypted */
  content: Uint8Array;
  signatureField: SignatureField;
  /** r||s, 64 bytes, when signatureField is `present` */
  signature: Uint8Array | null;
  /** 12-byte MAC (general-ciphering only) */
  mac: Uint8Array | null;
  /** the whole input this message was decoded from */
  bytes: Uint8Array;
  /** the General Signing APDU: from `DF` to the end of the signature field */
  apdu: Uint8Array;
  /** what the signature covers: the APDU from byte 1 (after `DF`) to the end of the content */
  signedData: Uint8Array;
  layout: WireLayout;
}

/** A General Block Transfer fragment (GBCS 7.2.11). */
export interface GbtFragment {
  envelope: 'gbt';
  /** Routing header, present when the fragment travels inside a `DD 09` header. */
  routing: GbtRoutingHeader | null;
  /** bit 7 of block-control */
  lastBlock: boolean;
  /** bit 6 of block-control */
  streaming: boolean;
  /** bits 0..5 of block-control */
  window: number;
  blockNumber: number;
  blockNumberAck: number;
  blockData: Uint8Array;
  bytes: Uint8Array;
  blockDataLengthForm: LengthForm;
}

/** The General Ciphering header with filled fields that precedes a GBT APDU. */
export interface GbtRoutingHeader {
  cra: Cra;
  craFlag: CraFlag;
  originatorCounter: bigint;
  originator: Eui;
  recipient: Eui;
  messageCode: number;
  securityControl: number;
  invocationCounter: number;
  lengthForm: LengthForm;
}

export type GbcsFrame = GbcsMessage | GbtFragment;
