/**
 * Decoding of GBCS Remote Party Messages (GBCS 7.2): the General Ciphering
 * envelope (`DD`), the General Signing APDU (`DF`, the Grouping Header) and
 * General Block Transfer fragments (`E0`, alone or behind a `DD 09` routing
 * header). Pure: bytes in, typed values out; every failure is a typed
 * GbcsError carrying the offset where decoding stopped. Byte fields are
 * subarrays of the input (no copies).
 */
import { toHex } from '../runtime/bytes.ts';
import { formOf, type LengthForm, readLength } from './der.ts';
import { GbcsError, GbcsMalformedError, GbcsTruncatedError, GbcsUnsupportedError } from './errors.ts';
import {
  type CosemDateTime,
  CRA_BY_FLAG,
  type CraFlag,
  type GbcsFrame,
  type GbcsMessage,
  type GbtFragment,
  type GbtRoutingHeader,
  MAC_LENGTH,
  type OtherInformation,
  SIGNATURE_LENGTH,
  TAG_GENERAL_BLOCK_TRANSFER,
  TAG_GENERAL_CIPHERING,
  TAG_GENERAL_SIGNING,
  type WireLayout,
} from './types.ts';

/** Reads 8 bytes big-endian as an unsigned bigint without a DataView. */
export function readU64(b: Uint8Array, o: number): bigint {
  const hi = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const lo = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function need(b: Uint8Array, offset: number, n: number, what: string): void {
  if (offset + n > b.length) throw new GbcsTruncatedError(`${what}: needs ${n} byte(s)`, offset);
}

function expectByte(b: Uint8Array, offset: number, value: number, what: string): void {
  need(b, offset, 1, what);
  if (b[offset] !== value)
    throw new GbcsMalformedError(
      `${what}: expected 0x${value.toString(16).padStart(2, '0')}, got 0x${b[offset].toString(16).padStart(2, '0')}`,
      offset,
    );
}

function craFlagAt(b: Uint8Array, offset: number): CraFlag {
  const f = b[offset];
  if (f < 1 || f > 3) throw new GbcsMalformedError(`CRA flag 0x${f.toString(16)} is not 1, 2 or 3`, offset);
  return f as CraFlag;
}

/** Decodes a 12-byte COSEM date-time (DLMS Blue Book 4.1.6.1). */
export function decodeCosemDateTime(raw: Uint8Array): CosemDateTime {
  if (raw.length !== 12) throw new GbcsMalformedError(`COSEM date-time must be 12 bytes, got ${raw.length}`);
  const dev = (raw[9] << 8) | raw[10];
  return {
    year: (raw[0] << 8) | raw[1],
    month: raw[2],
    dayOfMonth: raw[3],
    dayOfWeek: raw[4],
    hour: raw[5],
    minute: raw[6],
    second: raw[7],
    hundredths: raw[8],
    deviation: dev >= 0x8000 ? dev - 0x10000 : dev,
    clockStatus: raw[11],
    raw,
  };
}

/** Length of a DER TLV starting at `o` of `b` (single-byte tag), or -1 if it is not one that fits. */
function derTlvLength(b: Uint8Array, o: number): number {
  if (o + 2 > b.length) return -1;
  const f = b[o + 1];
  if (f < 0x80) return 2 + f;
  const n = f & 0x7f;
  if (n === 0 || n > 2 || o + 2 + n > b.length) return -1;
  const len = n === 1 ? b[o + 2] : (b[o + 2] << 8) | b[o + 3];
  return 2 + n + len;
}

/**
 * Decodes other-information (GBCS 7.2.8): Message Code, then optionally the
 * Supplementary Remote Party ID (8) and Supplementary Remote Party Counter
 * (8), then either the Supplementary Originator Counter (8) or a DER
 * certificate (a remote party's KA certificate in a CS02 update: seen in RTDS
 * right after the Supplementary Remote Party Counter), or both in that order.
 * `base` is the offset of `oi` in the whole input (for error offsets).
 */
export function decodeOtherInformation(oi: Uint8Array, base = 0): OtherInformation {
  const n = oi.length;
  if (n < 2) throw new GbcsMalformedError(`other-information of ${n} byte(s) has no Message Code`, base);
  if (n !== 2 && n !== 10 && n < 18)
    throw new GbcsMalformedError(`other-information length ${n} is not 2, 10, 18, 26 or longer`, base);
  let supplementaryOriginatorCounter: bigint | null = null;
  let certificate: Uint8Array | null = null;
  if (n > 18) {
    let c = 18;
    // a certificate directly after the Supplementary Remote Party Counter, or after the originator counter
    if (!(oi[18] === 0x30 && derTlvLength(oi, 18) === n - 18)) {
      if (n < 26)
        throw new GbcsMalformedError(
          `other-information length ${n}: a partial supplementary counter`,
          base + 18,
        );
      supplementaryOriginatorCounter = readU64(oi, 18);
      c = 26;
    }
    if (c < n) {
      if (oi[c] !== 0x30 || derTlvLength(oi, c) !== n - c)
        throw new GbcsMalformedError(
          'other-information: trailing bytes are not one DER certificate',
          base + c,
        );
      certificate = oi.subarray(c);
    }
  }
  return {
    messageCode: (oi[0] << 8) | oi[1],
    supplementaryRemotePartyId: n >= 10 ? toHex(oi.subarray(2, 10)) : null,
    supplementaryRemotePartyCounter: n >= 18 ? readU64(oi, 10) : null,
    supplementaryOriginatorCounter,
    certificate,
  };
}

interface ApduParse {
  message: GbcsMessage;
  end: number;
}

/**
 * Decodes the General Signing APDU starting at `start` in `b`. Returns the
 * message fields and the offset after the signature field. When
 * `allowAbsentSignature`, an APDU that ends right after its content is a
 * Pre-Command (no signature field).
 */
function decodeGeneralSigningAt(
  b: Uint8Array,
  start: number,
  limit: number,
  allowAbsentSignature: boolean,
): ApduParse {
  let o = start;
  // DF 09 <CRA> <counter 8> 08 <originator 8> 08 <recipient 8>
  need(b, o, 30, 'General Signing header');
  if (30 + o > limit) throw new GbcsTruncatedError('General Signing header: needs 30 bytes', o);
  expectByte(b, o, TAG_GENERAL_SIGNING, 'General Signing tag');
  expectByte(b, o + 1, 0x09, 'transaction-id length');
  const craFlag = craFlagAt(b, o + 2);
  const originatorCounter = readU64(b, o + 3);
  expectByte(b, o + 11, 0x08, 'originator system title length');
  const originator = toHex(b.subarray(o + 12, o + 20));
  expectByte(b, o + 20, 0x08, 'recipient system title length');
  const recipient = toHex(b.subarray(o + 21, o + 29));
  o += 29;
  // date-time: 00, or 0C + COSEM date-time
  let dateTime: CosemDateTime | null = null;
  const dt = b[o];
  if (dt === 0x0c) {
    if (o + 13 > limit) throw new GbcsTruncatedError('date-time: needs 12 bytes', o + 1);
    dateTime = decodeCosemDateTime(b.subarray(o + 1, o + 13));
    o += 13;
  } else if (dt === 0x00) {
    o += 1;
  } else {
    throw new GbcsMalformedError(`date-time length 0x${dt.toString(16)} is not 0x00 or 0x0C`, o);
  }
  // other-information
  const oiLen = readLength(b, o, 'other-information');
  const otherInfoLengthForm = formOf(b[o]);
  o += otherInfoLengthForm;
  if (o + oiLen > limit) throw new GbcsTruncatedError(`other-information: needs ${oiLen} byte(s)`, o);
  const otherInfo = decodeOtherInformation(b.subarray(o, o + oiLen), o);
  o += oiLen;
  // content
  const cLen = readLength(b, o, 'content');
  const contentLengthForm = formOf(b[o]);
  o += contentLengthForm;
  if (o + cLen > limit) throw new GbcsTruncatedError(`content: needs ${cLen} byte(s)`, o);
  const content = b.subarray(o, o + cLen);
  o += cLen;
  const signedData = b.subarray(start + 1, o);
  // signature field
  let signatureField: GbcsMessage['signatureField'];
  let signature: Uint8Array | null = null;
  if (o >= limit) {
    if (!allowAbsentSignature) throw new GbcsTruncatedError('signature field missing', o);
    signatureField = 'absent';
  } else if (b[o] === 0x00) {
    signatureField = 'null';
    o += 1;
  } else if (b[o] === SIGNATURE_LENGTH) {
    if (o + 1 + SIGNATURE_LENGTH > limit) throw new GbcsTruncatedError('signature: needs 64 bytes', o + 1);
    signature = b.subarray(o + 1, o + 1 + SIGNATURE_LENGTH);
    signatureField = 'present';
    o += 1 + SIGNATURE_LENGTH;
  } else {
    throw new GbcsMalformedError(`signature length 0x${b[o].toString(16)} is not 0x00 or 0x40`, o);
  }
  const layout: WireLayout = {
    cipheredLengthForm: 1,
    securityControl: 0,
    invocationCounter: 0,
    otherInfoLengthForm,
    contentLengthForm,
  };
  const message: GbcsMessage = {
    envelope: 'general-signing',
    cra: CRA_BY_FLAG[craFlag]!,
    craFlag,
    originatorCounter,
    originator,
    recipient,
    dateTime,
    otherInfo,
    messageCode: otherInfo.messageCode,
    content,
    signatureField,
    signature,
    mac: null,
    bytes: b,
    apdu: b.subarray(start, o),
    signedData,
    layout,
  };
  return { message, end: o };
}

/** Decodes a General Ciphering (`DD 00`) message: header, General Signing APDU, MAC. */
function decodeGeneralCiphering(b: Uint8Array): GbcsMessage {
  // DD 00 00 00 00 00 00 <len> <security control> <invocation counter 4> <APDU> <MAC 12>
  need(b, 0, 8, 'General Ciphering header');
  for (let i = 1; i <= 6; i++) {
    if (b[i] !== 0x00)
      throw new GbcsUnsupportedError(
        `General Ciphering header field ${i} is not empty (only the GBCS MAC header form is supported)`,
        i,
      );
  }
  const len = readLength(b, 7, 'ciphered content');
  const cipheredLengthForm: LengthForm = formOf(b[7]);
  const start = 7 + cipheredLengthForm;
  const end = start + len;
  if (end > b.length) throw new GbcsTruncatedError(`ciphered content: needs ${len} byte(s)`, start);
  if (end < b.length) throw new GbcsMalformedError(`${b.length - end} byte(s) after the message`, end);
  if (len < 5 + MAC_LENGTH) throw new GbcsMalformedError(`ciphered content of ${len} bytes is too short`, 7);
  const securityControl = b[start];
  if (securityControl !== 0x11)
    throw new GbcsUnsupportedError(
      `security control byte 0x${securityControl.toString(16)} (only 0x11, authenticated, is used by GBCS)`,
      start,
    );
  const invocationCounter =
    ((b[start + 1] << 24) | (b[start + 2] << 16) | (b[start + 3] << 8) | b[start + 4]) >>> 0;
  const apduStart = start + 5;
  const macStart = end - MAC_LENGTH;
  const { message, end: apduEnd } = decodeGeneralSigningAt(b, apduStart, macStart, false);
  if (apduEnd !== macStart)
    throw new GbcsMalformedError(`${macStart - apduEnd} unexpected byte(s) before the MAC`, apduEnd);
  message.envelope = 'general-ciphering';
  message.mac = b.subarray(macStart, end);
  message.layout.cipheredLengthForm = cipheredLengthForm;
  message.layout.securityControl = securityControl;
  message.layout.invocationCounter = invocationCounter;
  return message;
}

/** Decodes the `DD 09 ...` routing header in front of a GBT APDU. Returns it and the APDU offset. */
function decodeGbtRoutingHeader(b: Uint8Array): { routing: GbtRoutingHeader; apduStart: number } {
  // DD 09 <CRA> <counter 8> 08 <originator 8> 08 <recipient 8> <date-time 00> <other-info len + code>
  // <key-info 00> <len> <security control> <invocation counter 4>
  need(b, 0, 30, 'GBT routing header');
  expectByte(b, 1, 0x09, 'GBT routing header transaction-id length');
  const craFlag = craFlagAt(b, 2);
  const originatorCounter = readU64(b, 3);
  expectByte(b, 11, 0x08, 'originator system title length');
  expectByte(b, 20, 0x08, 'recipient system title length');
  let o = 29;
  if (b[o] !== 0x00) throw new GbcsUnsupportedError('GBT routing header with a date-time', o);
  o += 1;
  expectByte(b, o, 0x02, 'GBT routing header other-information length');
  need(b, o + 1, 3, 'GBT routing header other-information');
  const messageCode = (b[o + 1] << 8) | b[o + 2];
  o += 3;
  expectByte(b, o, 0x00, 'GBT routing header key-info');
  o += 1;
  const len = readLength(b, o, 'GBT ciphered content');
  const lengthForm = formOf(b[o]);
  o += lengthForm;
  if (o + len !== b.length)
    throw new GbcsMalformedError(
      `GBT ciphered content length ${len} does not match the ${b.length - o} byte(s) present`,
      o,
    );
  need(b, o, 5, 'GBT security header');
  const securityControl = b[o];
  const invocationCounter = ((b[o + 1] << 24) | (b[o + 2] << 16) | (b[o + 3] << 8) | b[o + 4]) >>> 0;
  o += 5;
  return {
    routing: {
      cra: CRA_BY_FLAG[craFlag]!,
      craFlag,
      originatorCounter,
      originator: toHex(b.subarray(12, 20)),
      recipient: toHex(b.subarray(21, 29)),
      messageCode,
      securityControl,
      invocationCounter,
      lengthForm,
    },
    apduStart: o,
  };
}

/** Decodes a GBT APDU (`E0`) at `start`, optionally behind a routing header. */
function decodeGbtAt(b: Uint8Array, start: number, routing: GbtRoutingHeader | null): GbtFragment {
  let o = start;
  need(b, o, 6, 'GBT header');
  expectByte(b, o, TAG_GENERAL_BLOCK_TRANSFER, 'General Block Transfer tag');
  const control = b[o + 1];
  const blockNumber = (b[o + 2] << 8) | b[o + 3];
  const blockNumberAck = (b[o + 4] << 8) | b[o + 5];
  o += 6;
  const len = readLength(b, o, 'GBT block-data');
  const blockDataLengthForm = formOf(b[o]);
  o += blockDataLengthForm;
  if (o + len > b.length) throw new GbcsTruncatedError(`GBT block-data: needs ${len} byte(s)`, o);
  if (o + len < b.length)
    throw new GbcsMalformedError(`${b.length - o - len} byte(s) after the block`, o + len);
  return {
    envelope: 'gbt',
    routing,
    lastBlock: (control & 0x80) !== 0,
    streaming: (control & 0x40) !== 0,
    window: control & 0x3f,
    blockNumber,
    blockNumberAck,
    blockData: b.subarray(o, o + len),
    bytes: b,
    blockDataLengthForm,
  };
}

/**
 * Decodes any GBCS frame: a General Ciphering message (`DD 00`), a General
 * Signing APDU (`DF`, including an unsigned Pre-Command), or a GBT fragment
 * (`E0`, or `DD` whose second byte is not `00`). Throws a GbcsError.
 */
export function decode(bytes: Uint8Array): GbcsFrame {
  try {
    if (bytes.length === 0) throw new GbcsTruncatedError('empty input', 0);
    const tag = bytes[0];
    if (tag === TAG_GENERAL_SIGNING) {
      const { message, end } = decodeGeneralSigningAt(bytes, 0, bytes.length, true);
      if (end !== bytes.length)
        throw new GbcsMalformedError(`${bytes.length - end} byte(s) after the signature field`, end);
      return message;
    }
    if (tag === TAG_GENERAL_CIPHERING) {
      need(bytes, 0, 2, 'General Ciphering header');
      if (bytes[1] === 0x00) return decodeGeneralCiphering(bytes);
      const { routing, apduStart } = decodeGbtRoutingHeader(bytes);
      return decodeGbtAt(bytes, apduStart, routing);
    }
    if (tag === TAG_GENERAL_BLOCK_TRANSFER) return decodeGbtAt(bytes, 0, null);
    throw new GbcsMalformedError(`unknown tag 0x${tag.toString(16).padStart(2, '0')}`, 0);
  } catch (err) {
    if (err instanceof GbcsError) throw err;
    // Defensive: a bug must still surface as a typed error, never a crash.
    throw new GbcsMalformedError(`decoding failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Decodes a complete Remote Party Message; a GBT fragment is `GBCS_UNSUPPORTED` (reassemble it first). */
export function decodeMessage(bytes: Uint8Array): GbcsMessage {
  const f = decode(bytes);
  if (f.envelope === 'gbt')
    throw new GbcsUnsupportedError(
      'a GBT fragment is not a complete message: reassemble the blocks first',
      0,
    );
  return f;
}

/** Decodes the General Signing APDU contained at `start..end` of `b` (e.g. the APDU of a message). */
export function decodeGeneralSigning(apdu: Uint8Array): GbcsMessage {
  const f = decode(apdu);
  if (f.envelope !== 'general-signing')
    throw new GbcsMalformedError('expected a General Signing APDU (tag DF)', 0);
  return f;
}
