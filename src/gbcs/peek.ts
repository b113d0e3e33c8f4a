/**
 * `peekRouting`: the Communications Hub's hot path. GBCS 10.8.2 has the CH
 * read a Remote Party Message only as far as the target (the Entity
 * Identifier, i.e. the Recipient System Title of a Command) to route it; this
 * reads the routing facts at fixed offsets without a full parse and without
 * allocating.
 *
 * Design: the caller passes a reusable `RoutingInfo` and peekRouting writes
 * plain numbers into it (EUIs and the counter as two unsigned 32-bit halves).
 * Nothing is allocated on the success path. Values a caller wants in another
 * form are produced lazily by getters: `target` / `originator` /
 * `originatorCounter` as bigint (a Map<bigint, ...> keyed by EUI looks them
 * up by value), `targetEui` / `originatorEui` as 16 upper-case hex digits.
 * Errors (bad input) are typed GbcsErrors, thrown: they are the exception.
 */
import { euiFromBytes } from '../runtime/bytes.ts';
import { GbcsMalformedError, GbcsTruncatedError } from './errors.ts';
import type { Cra, CraFlag } from './types.ts';

/** Envelope codes used by RoutingInfo (numbers, to stay allocation-free). */
export const ENVELOPE_GENERAL_CIPHERING = 1;
export const ENVELOPE_GENERAL_SIGNING = 2;
export const ENVELOPE_GBT = 3;

const CRA_NAMES: readonly Cra[] = ['command', 'command', 'response', 'alert'];

/** Routing facts of one message, refilled in place by each `peekRouting` call. */
export class RoutingInfo {
  /** ENVELOPE_GENERAL_CIPHERING | ENVELOPE_GENERAL_SIGNING | ENVELOPE_GBT */
  envelope = 0;
  /** 1 Command, 2 Response, 3 Alert */
  craFlag: CraFlag = 1;
  messageCode = 0;
  /** high and low 32 bits of the Recipient System Title (the target of a Command) */
  targetHi = 0;
  targetLo = 0;
  originatorHi = 0;
  originatorLo = 0;
  counterHi = 0;
  counterLo = 0;
  /** offset of the `DF` tag (or of the `DD 09` routing header for GBT) in the input */
  headerOffset = 0;
  /** offset of the 8-byte Recipient System Title in the input */
  targetOffset = 0;
  /** offset of the 8-byte Originator System Title in the input */
  originatorOffset = 0;
  /** the bytes last peeked (kept so the lazy getters can format EUIs) */
  bytes: Uint8Array = EMPTY;

  get cra(): Cra {
    return CRA_NAMES[this.craFlag];
  }
  /** the target EUI as a bigint (allocates one bigint) */
  get target(): bigint {
    return (BigInt(this.targetHi) << 32n) | BigInt(this.targetLo);
  }
  get originator(): bigint {
    return (BigInt(this.originatorHi) << 32n) | BigInt(this.originatorLo);
  }
  get originatorCounter(): bigint {
    return (BigInt(this.counterHi) << 32n) | BigInt(this.counterLo);
  }
  /** 16 upper-case hex digits */
  get targetEui(): string {
    return euiFromBytes(this.bytes, this.targetOffset);
  }
  get originatorEui(): string {
    return euiFromBytes(this.bytes, this.originatorOffset);
  }
}

const EMPTY = new Uint8Array(0);

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Converts an EUI (hex string) to the bigint form `RoutingInfo.target` uses, for building routing maps. */
export function euiToBigInt(eui: string): bigint {
  return BigInt(`0x${eui}`);
}

/**
 * Reads CRA, target (Recipient System Title), originator, Originator Counter
 * and Message Code of a General Ciphering, General Signing or `DD 09` GBT
 * message into `out` (a new RoutingInfo if omitted). Throws a typed
 * GbcsError on malformed or truncated input.
 */
export function peekRouting(bytes: Uint8Array, out: RoutingInfo = new RoutingInfo()): RoutingInfo {
  const n = bytes.length;
  if (n === 0) throw new GbcsTruncatedError('empty input', 0);
  let h: number; // offset of the transaction-id length byte (09)
  const tag = bytes[0];
  if (tag === 0xdf) {
    out.envelope = ENVELOPE_GENERAL_SIGNING;
    h = 1;
  } else if (tag === 0xdd) {
    if (n < 2) throw new GbcsTruncatedError('General Ciphering header truncated', 1);
    if (bytes[1] === 0x09) {
      out.envelope = ENVELOPE_GBT;
      h = 1;
    } else {
      if (bytes[1] !== 0x00) throw new GbcsMalformedError('General Ciphering: bad header', 1);
      if (n < 8) throw new GbcsTruncatedError('General Ciphering header truncated', n);
      const f = bytes[7];
      const lf = f < 0x80 ? 1 : f === 0x81 ? 2 : f === 0x82 ? 3 : 0;
      if (lf === 0) throw new GbcsMalformedError('General Ciphering: bad length form', 7);
      // 7 + length + security header (5) = DF
      const df = 7 + lf + 5;
      if (n <= df) throw new GbcsTruncatedError('General Ciphering: no General Signing APDU', n);
      if (bytes[df] !== 0xdf) throw new GbcsMalformedError('General Ciphering: no General Signing tag', df);
      out.envelope = ENVELOPE_GENERAL_CIPHERING;
      h = df + 1;
    }
  } else {
    throw new GbcsMalformedError('not a routable GBCS message (tag is not DD or DF)', 0);
  }
  // h: 09 CRA counter(8) 08 orig(8) 08 recip(8) date-time
  if (n < h + 32) throw new GbcsTruncatedError('header truncated before the other-information', n);
  if (bytes[h] !== 0x09) throw new GbcsMalformedError('transaction-id length is not 9', h);
  const cra = bytes[h + 1];
  if (cra < 1 || cra > 3) throw new GbcsMalformedError('CRA flag is not 1, 2 or 3', h + 1);
  if (bytes[h + 10] !== 0x08) throw new GbcsMalformedError('originator system title length is not 8', h + 10);
  if (bytes[h + 19] !== 0x08) throw new GbcsMalformedError('recipient system title length is not 8', h + 19);
  let o = h + 28;
  const dt = bytes[o];
  if (dt === 0x0c) o += 13;
  else if (dt === 0x00) o += 1;
  else throw new GbcsMalformedError('date-time length is not 0 or 12', o);
  // other-information: a length (1..3 bytes) then the 2-byte Message Code
  if (n < o + 3) throw new GbcsTruncatedError('other-information truncated', n);
  const f = bytes[o];
  const lf = f < 0x80 ? 1 : f === 0x81 ? 2 : f === 0x82 ? 3 : 0;
  if (lf === 0) throw new GbcsMalformedError('other-information: bad length form', o);
  const oiLen = lf === 1 ? f : lf === 2 ? bytes[o + 1] : (bytes[o + 1] << 8) | bytes[o + 2];
  if (oiLen < 2) throw new GbcsMalformedError('other-information has no Message Code', o);
  o += lf;
  if (n < o + 2) throw new GbcsTruncatedError('Message Code truncated', n);
  out.craFlag = cra as CraFlag;
  out.counterHi = u32(bytes, h + 2);
  out.counterLo = u32(bytes, h + 6);
  out.originatorOffset = h + 11;
  out.originatorHi = u32(bytes, h + 11);
  out.originatorLo = u32(bytes, h + 15);
  out.targetOffset = h + 20;
  out.targetHi = u32(bytes, h + 20);
  out.targetLo = u32(bytes, h + 24);
  out.messageCode = (bytes[o] << 8) | bytes[o + 1];
  out.headerOffset = h - 1;
  out.bytes = bytes;
  return out;
}
