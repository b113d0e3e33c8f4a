/**
 * Encoding of GBCS messages: the General Signing APDU (Grouping Header),
 * the General Ciphering envelope, and the exact re-encoding of a decoded
 * message (`encode(decode(x))` gives back `x` byte for byte: the length forms
 * seen on the wire are kept in `layout`).
 */
import { fromHex, normaliseEui, u64be } from '../runtime/bytes.ts';
import { type LengthForm, minimalForm, writeLength } from './der.ts';
import { GbcsMalformedError } from './errors.ts';
import { encodeGbtFragment } from './gbt.ts';
import {
  CRA_FLAG,
  type Cra,
  type Eui,
  type GbcsFrame,
  type GbcsMessage,
  MAC_LENGTH,
  type OtherInformation,
  SECURITY_CONTROL_AUTHENTICATED,
  SIGNATURE_LENGTH,
  TAG_GENERAL_CIPHERING,
  TAG_GENERAL_SIGNING,
} from './types.ts';

/** What it takes to build a General Signing APDU. */
export interface ApduFields {
  cra: Cra;
  originatorCounter: bigint;
  originator: Eui;
  recipient: Eui;
  /** 12-byte COSEM date-time, or null/undefined for none */
  dateTime?: Uint8Array | null;
  /** at least the Message Code */
  otherInfo: Partial<OtherInformation> & { messageCode: number };
  content: Uint8Array;
  /**
   * undefined: no signature field (a Pre-Command); null: the null field `00`;
   * 64 bytes: `40` + r||s.
   */
  signature?: Uint8Array | null;
}

/** A decoded message's APDU header fields (all but content and signature), to encode it again. */
export function apduHeaderOf(m: GbcsMessage): Omit<ApduFields, 'content' | 'signature'> {
  return {
    cra: m.cra,
    originatorCounter: m.originatorCounter,
    originator: m.originator,
    recipient: m.recipient,
    dateTime: m.dateTime?.raw ?? null,
    otherInfo: m.otherInfo,
  };
}

export interface ApduLayout {
  otherInfoLengthForm?: LengthForm;
  contentLengthForm?: LengthForm;
}

/** Encodes other-information (Message Code, supplementary fields, certificate) in GBCS order. */
export function encodeOtherInformation(oi: Partial<OtherInformation> & { messageCode: number }): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(oi.messageCode >> 8, oi.messageCode & 0xff)];
  const hasId = oi.supplementaryRemotePartyId != null;
  const hasRpc = oi.supplementaryRemotePartyCounter != null;
  const hasSoc = oi.supplementaryOriginatorCounter != null;
  const hasCert = oi.certificate != null;
  if ((hasRpc || hasSoc || hasCert) && !hasId)
    throw new GbcsMalformedError(
      'other-information: supplementary fields need the Supplementary Remote Party ID',
    );
  if ((hasSoc || hasCert) && !hasRpc)
    throw new GbcsMalformedError('other-information: needs the Supplementary Remote Party Counter');
  if (hasId) parts.push(fromHex(normaliseEui(oi.supplementaryRemotePartyId!)));
  if (hasRpc) parts.push(u64(oi.supplementaryRemotePartyCounter!));
  if (hasSoc) parts.push(u64(oi.supplementaryOriginatorCounter!));
  if (hasCert) parts.push(oi.certificate!);
  return concat(parts);
}

/** Builds a General Signing APDU (`DF` ...). */
export function encodeApdu(f: ApduFields, layout: ApduLayout = {}): Uint8Array {
  const oi = encodeOtherInformation(f.otherInfo);
  const dt = f.dateTime ?? null;
  if (dt !== null && dt.length !== 12) throw new RangeError('date-time must be 12 bytes');
  const sig = f.signature;
  if (sig != null && sig.length !== SIGNATURE_LENGTH) throw new RangeError('signature must be 64 bytes');
  const oiForm = Math.max(layout.otherInfoLengthForm ?? 1, minimalForm(oi.length)) as LengthForm;
  const cForm = Math.max(layout.contentLengthForm ?? 1, minimalForm(f.content.length)) as LengthForm;
  const size =
    30 +
    (dt ? 12 : 0) +
    oiForm +
    oi.length +
    cForm +
    f.content.length +
    (sig === undefined ? 0 : sig === null ? 1 : 1 + SIGNATURE_LENGTH);
  const out = new Uint8Array(size);
  out[0] = TAG_GENERAL_SIGNING;
  out[1] = 0x09;
  out[2] = CRA_FLAG[f.cra];
  out.set(u64(f.originatorCounter), 3);
  out[11] = 0x08;
  out.set(fromHex(normaliseEui(f.originator)), 12);
  out[20] = 0x08;
  out.set(fromHex(normaliseEui(f.recipient)), 21);
  let o = 29;
  if (dt) {
    out[o++] = 0x0c;
    out.set(dt, o);
    o += 12;
  } else out[o++] = 0x00;
  o = writeLength(out, o, oi.length, oiForm);
  out.set(oi, o);
  o += oi.length;
  o = writeLength(out, o, f.content.length, cForm);
  out.set(f.content, o);
  o += f.content.length;
  if (sig === null) out[o++] = 0x00;
  else if (sig !== undefined) {
    out[o++] = SIGNATURE_LENGTH;
    out.set(sig, o);
    o += SIGNATURE_LENGTH;
  }
  return out;
}

/**
 * Re-encodes a decoded frame from its fields and wire layout: the same bytes
 * for any input `decode` accepted (the MAC and signature are carried over,
 * not recomputed: use SecurityContext to sign and MAC new messages).
 */
export function encode(frame: GbcsFrame): Uint8Array {
  if (frame.envelope === 'gbt') return encodeGbtFragment(frame);
  return encodeMessage(frame);
}

export function encodeMessage(m: GbcsMessage): Uint8Array {
  const apdu = encodeApdu(
    {
      ...apduHeaderOf(m),
      content: m.content,
      signature: m.signatureField === 'absent' ? undefined : m.signatureField === 'null' ? null : m.signature,
    },
    { otherInfoLengthForm: m.layout.otherInfoLengthForm, contentLengthForm: m.layout.contentLengthForm },
  );
  if (m.envelope === 'general-signing') return apdu;
  if (!m.mac) throw new GbcsMalformedError('general-ciphering message without a MAC');
  return encodeGeneralCiphering(
    apdu,
    m.mac,
    m.layout.cipheredLengthForm,
    m.layout.securityControl,
    m.layout.invocationCounter,
  );
}

function u64(v: bigint): Uint8Array {
  return u64be(v);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `DD 00 00 00 00 00 00 <len> 11 00000000 <APDU> <MAC>`. */
export function encodeGeneralCiphering(
  apdu: Uint8Array,
  mac: Uint8Array,
  lengthForm?: LengthForm,
  securityControl = SECURITY_CONTROL_AUTHENTICATED,
  invocationCounter = 0,
): Uint8Array {
  if (mac.length !== MAC_LENGTH) throw new RangeError(`MAC must be ${MAC_LENGTH} bytes`);
  const len = 5 + apdu.length + MAC_LENGTH;
  const form = lengthForm ?? minimalForm(len);
  const out = new Uint8Array(7 + Math.max(form, minimalForm(len)) + len);
  out[0] = TAG_GENERAL_CIPHERING;
  let o = writeLength(out, 7, len, form);
  out[o] = securityControl;
  out[o + 1] = invocationCounter >>> 24;
  out[o + 2] = (invocationCounter >>> 16) & 0xff;
  out[o + 3] = (invocationCounter >>> 8) & 0xff;
  out[o + 4] = invocationCounter & 0xff;
  o += 5;
  out.set(apdu, o);
  out.set(mac, o + apdu.length);
  return out;
}
