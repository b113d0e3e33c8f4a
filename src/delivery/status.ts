/**
 * The PPMID -> supplier status report, version 1 (SECMP0038 PP-2 "report each
 * outcome back to the supplier", SU-2). Published on `ppmid/v1/<EUI>/status`.
 * Pure codec; signed by the PPMID's reporting key (ECDSA P-256 / SHA-256,
 * r||s), a key of its own provisioned with the PPMID (not one of its GBCS
 * keys: GBCS KA/DS keys stay for GBCS).
 *
 * Why signed although MQTT over TLS already authenticates the client: the
 * broker may be a third party's (a clustered external broker), and a report
 * is evidence in the supplier's records (SU-2, DSP-4 logs); the signature
 * makes it end to end.
 *
 * Layout (integers big-endian; docs/ppmid.md has the same table):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0  | 3  | magic `50 53 52` ("PSR", PPMID Status Report) |
 * | 3  | 1  | version `01` |
 * | 4  | 1  | flags: bit0 envelope id is the envelope's own id (0: SHA-256 digest, first 16 bytes, of an unreadable inbox payload); bit1 supplier id present; bit2 RequestID present; bit3 credit read present (only with bit0 and outcome `forwarded`) |
 * | 5  | 16 | envelope id (or digest) |
 * | 21 | 8  | PPMID EUI-64 |
 * | 29 | 8  | supplier id (zero when absent) |
 * | 37 | 24 | DUIS RequestID: originator EUI, target EUI, counter u64 (zero when absent) |
 * | 61 | 8  | at: ms since the Unix epoch, on the PPMID's clock |
 * | 69 | 1  | outcome (DELIVERY_OUTCOMES index + 1) |
 * | 70 | 1  | reason (PPMID_REASONS index + 1; 0 none) |
 * | 71 | 2  | attempts: HAN transfers tried for this envelope |
 * | 73 | 4  | sequence: the PPMID's report counter, strictly increasing (survives restarts) |
 * | 77 | 8  | reporting key id (as the delivery key id: SHA-256 of the SPKI DER, first 8 bytes) |
 * | 85 | 1  | d = detail length (0..255) |
 * | 86 | d  | detail, UTF-8 (for people; never parsed) |
 * | 86+d | c  | credit read, c = 20 when bit3 else 0: meter EUI-64 (8), credit remaining i32 milli-pence (4), read at u64 ms on the PPMID's clock (8) |
 * | 86+d+c | 64 | signature r||s over bytes 0 .. 86+d+c-1 |
 *
 * The credit read (issue 15): after a relayed top-up was forwarded, the PPMID
 * reads the meter's Credit Remaining over the HAN (devices/ppmid/credit-reads.ts)
 * and reports it in a second `forwarded` report for the same envelope: the
 * supplier's evidence for a command whose response waits at a CH without WAN.
 */
import type { KeyObject } from 'node:crypto';
import type { RequestId } from '../duis/request-id.ts';
import { ecdsaSign, ecdsaVerify } from '../gbcs/crypto.ts';
import { type Eui, euiFromBytes, fromHex, normaliseEui, readU64be, toHex, u64be } from '../runtime/bytes.ts';
import { assertP256, deliveryKeyId, MAX_TIMESTAMP_MS } from './envelope.ts';
import { DeliveryError } from './errors.ts';
import {
  type DeliveryOutcome,
  outcomeCode,
  outcomeFromCode,
  type PpmidReason,
  reasonCode,
  reasonFromCode,
} from './reasons.ts';

export const STATUS_MAGIC = Uint8Array.of(0x50, 0x53, 0x52);
export const STATUS_VERSION = 1;
export const STATUS_HEADER_LENGTH = 86;
export const STATUS_SIGNATURE_LENGTH = 64;
export const STATUS_MAX_DETAIL = 255;

const FLAG_ENVELOPE_ID = 0x01;
const FLAG_SUPPLIER = 0x02;
const FLAG_REQUEST_ID = 0x04;
const FLAG_CREDIT_READ = 0x08;
const KNOWN_FLAGS = FLAG_ENVELOPE_ID | FLAG_SUPPLIER | FLAG_REQUEST_ID | FLAG_CREDIT_READ;
export const STATUS_CREDIT_READ_LENGTH = 20;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** The PPMID's own HAN read of the target meter's credit (ZSE Prepayment Credit Remaining). */
export interface StatusCreditRead {
  meter: Eui;
  /** milli-pence, as the meter gave it (signed: a meter in debt reads negative) */
  creditRemaining: number;
  /** ms since the Unix epoch, on the PPMID's clock */
  readAt: number;
}

export interface StatusReportFields {
  /** 32 hex digits: the envelope's id, or (`envelopeIdIsDigest`) the digest of an unreadable payload. */
  envelopeId: string;
  envelopeIdIsDigest: boolean;
  ppmid: Eui;
  supplierId: Eui | null;
  requestId: RequestId | null;
  at: number;
  outcome: DeliveryOutcome;
  reason: PpmidReason | null;
  attempts: number;
  sequence: number;
  /** For people (truncated to 255 UTF-8 bytes on a character boundary). */
  detail: string;
  /** Only on a `forwarded` report about a readable envelope (flag bit3). */
  creditRead?: StatusCreditRead | null;
}

export interface StatusReport extends StatusReportFields {
  creditRead: StatusCreditRead | null;
  version: number;
  keyId: string;
  signature: Uint8Array;
  signedBytes: Uint8Array;
  bytes: Uint8Array;
}

/** UTF-8 of `s`, cut to at most `max` bytes without splitting a character. */
export function truncateUtf8(s: string, max = STATUS_MAX_DETAIL): Uint8Array {
  const enc = new TextEncoder();
  let b = enc.encode(s);
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  b = b.subarray(0, end);
  return b;
}

function field(cond: boolean, msg: string): void {
  if (!cond) throw new DeliveryError('DELIVERY_INVALID_FIELD', msg);
}

/** Builds and signs a status report with the PPMID's reporting private key (`keyId`: its id, if already known). */
export function signStatusReport(
  f: StatusReportFields,
  reportingPrivateKey: KeyObject,
  keyId?: string,
): Uint8Array {
  field(reportingPrivateKey.type === 'private', 'signStatusReport needs the reporting PRIVATE key');
  assertP256(reportingPrivateKey, 'the reporting key');
  field(/^[0-9A-Fa-f]{32}$/.test(f.envelopeId), 'envelopeId must be 32 hex digits');
  field(Number.isSafeInteger(f.at) && f.at >= 0 && f.at <= MAX_TIMESTAMP_MS, 'at must be a ms timestamp');
  field(Number.isInteger(f.attempts) && f.attempts >= 0 && f.attempts <= 0xffff, 'attempts outside u16');
  field(Number.isInteger(f.sequence) && f.sequence >= 0 && f.sequence <= 0xffffffff, 'sequence outside u32');
  const credit = f.creditRead ?? null;
  if (credit !== null) {
    field(f.outcome === 'forwarded', 'a credit read goes only with outcome forwarded');
    field(!f.envelopeIdIsDigest, 'a credit read needs the envelope id (not a digest)');
    field(
      Number.isInteger(credit.creditRemaining) &&
        credit.creditRemaining >= INT32_MIN &&
        credit.creditRemaining <= INT32_MAX,
      'creditRemaining outside i32',
    );
    field(
      Number.isSafeInteger(credit.readAt) && credit.readAt >= 0 && credit.readAt <= MAX_TIMESTAMP_MS,
      'readAt must be a ms timestamp',
    );
  }
  const detail = truncateUtf8(f.detail);
  const creditLength = credit === null ? 0 : STATUS_CREDIT_READ_LENGTH;
  const out = new Uint8Array(STATUS_HEADER_LENGTH + detail.length + creditLength + STATUS_SIGNATURE_LENGTH);
  out.set(STATUS_MAGIC, 0);
  out[3] = STATUS_VERSION;
  out[4] =
    (f.envelopeIdIsDigest ? 0 : FLAG_ENVELOPE_ID) |
    (f.supplierId !== null ? FLAG_SUPPLIER : 0) |
    (f.requestId !== null ? FLAG_REQUEST_ID : 0) |
    (credit !== null ? FLAG_CREDIT_READ : 0);
  out.set(fromHex(f.envelopeId), 5);
  out.set(fromHex(normaliseEui(f.ppmid)), 21);
  if (f.supplierId !== null) out.set(fromHex(normaliseEui(f.supplierId)), 29);
  if (f.requestId !== null) {
    out.set(fromHex(normaliseEui(f.requestId.originator)), 37);
    out.set(fromHex(normaliseEui(f.requestId.target)), 45);
    out.set(u64be(f.requestId.counter), 53);
  }
  out.set(u64be(BigInt(f.at)), 61);
  out[69] = outcomeCode(f.outcome);
  out[70] = reasonCode(f.reason);
  out[71] = f.attempts >> 8;
  out[72] = f.attempts & 0xff;
  new DataView(out.buffer).setUint32(73, f.sequence);
  out.set(fromHex(keyId ?? deliveryKeyId(reportingPrivateKey)), 77);
  out[85] = detail.length;
  out.set(detail, STATUS_HEADER_LENGTH);
  if (credit !== null) {
    const o = STATUS_HEADER_LENGTH + detail.length;
    out.set(fromHex(normaliseEui(credit.meter)), o);
    new DataView(out.buffer).setInt32(o + 8, credit.creditRemaining);
    out.set(u64be(BigInt(credit.readAt)), o + 12);
  }
  const signedEnd = STATUS_HEADER_LENGTH + detail.length + creditLength;
  out.set(ecdsaSign(out.subarray(0, signedEnd), reportingPrivateKey), signedEnd);
  return out;
}

/** Decodes a status report (no signature check). Throws `DeliveryError`. */
export function decodeStatusReport(bytes: Uint8Array): StatusReport {
  if (bytes.length < 4)
    throw new DeliveryError('DELIVERY_TRUNCATED', `status report of ${bytes.length} byte(s)`, 0);
  if (bytes[0] !== STATUS_MAGIC[0] || bytes[1] !== STATUS_MAGIC[1] || bytes[2] !== STATUS_MAGIC[2])
    throw new DeliveryError(
      'DELIVERY_MALFORMED',
      `not a status report (magic ${toHex(bytes.subarray(0, 3))})`,
      0,
    );
  if (bytes[3] !== STATUS_VERSION)
    throw new DeliveryError(
      'DELIVERY_UNSUPPORTED_VERSION',
      `status report version ${bytes[3]} (this codec reads 1)`,
      3,
    );
  if (bytes.length < STATUS_HEADER_LENGTH)
    throw new DeliveryError(
      'DELIVERY_TRUNCATED',
      `status report header needs ${STATUS_HEADER_LENGTH} bytes`,
      bytes.length,
    );
  const flags = bytes[4];
  if (flags & ~KNOWN_FLAGS)
    throw new DeliveryError('DELIVERY_MALFORMED', `reserved flag bits set (0x${flags.toString(16)})`, 4);
  const hasCredit = (flags & FLAG_CREDIT_READ) !== 0;
  if (hasCredit && (flags & FLAG_ENVELOPE_ID) === 0)
    throw new DeliveryError('DELIVERY_MALFORMED', 'a credit read about a digest (no envelope id)', 4);
  const d = bytes[85];
  const signedEnd = STATUS_HEADER_LENGTH + d + (hasCredit ? STATUS_CREDIT_READ_LENGTH : 0);
  const total = signedEnd + STATUS_SIGNATURE_LENGTH;
  if (bytes.length < total)
    throw new DeliveryError(
      'DELIVERY_TRUNCATED',
      `status report announces ${total} bytes, got ${bytes.length}`,
      bytes.length,
    );
  if (bytes.length > total)
    throw new DeliveryError(
      'DELIVERY_MALFORMED',
      `${bytes.length - total} byte(s) after the signature`,
      total,
    );
  const outcome = outcomeFromCode(bytes[69]);
  if (outcome === undefined)
    throw new DeliveryError('DELIVERY_MALFORMED', `unknown outcome ${bytes[69]}`, 69);
  const reason = reasonFromCode(bytes[70]);
  if (reason === undefined) throw new DeliveryError('DELIVERY_MALFORMED', `unknown reason ${bytes[70]}`, 70);
  if (hasCredit && outcome !== 'forwarded')
    throw new DeliveryError('DELIVERY_MALFORMED', `a credit read with outcome ${outcome}`, 4);
  const at = readU64be(bytes, 61);
  if (at > BigInt(MAX_TIMESTAMP_MS)) throw new DeliveryError('DELIVERY_MALFORMED', 'at after year 9999', 61);
  let creditRead: StatusCreditRead | null = null;
  if (hasCredit) {
    const o = STATUS_HEADER_LENGTH + d;
    const readAt = readU64be(bytes, o + 12);
    if (readAt > BigInt(MAX_TIMESTAMP_MS))
      throw new DeliveryError('DELIVERY_MALFORMED', 'credit read at after year 9999', o + 12);
    creditRead = {
      meter: euiFromBytes(bytes, o),
      creditRemaining: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(o + 8),
      readAt: Number(readAt),
    };
  }
  let detail: string;
  try {
    detail = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(STATUS_HEADER_LENGTH, STATUS_HEADER_LENGTH + d),
    );
  } catch {
    throw new DeliveryError('DELIVERY_MALFORMED', 'detail is not UTF-8', STATUS_HEADER_LENGTH);
  }
  return {
    version: bytes[3],
    envelopeId: toHex(bytes.subarray(5, 21)),
    envelopeIdIsDigest: (flags & FLAG_ENVELOPE_ID) === 0,
    ppmid: euiFromBytes(bytes, 21),
    supplierId: flags & FLAG_SUPPLIER ? euiFromBytes(bytes, 29) : null,
    requestId:
      flags & FLAG_REQUEST_ID
        ? {
            originator: euiFromBytes(bytes, 37),
            target: euiFromBytes(bytes, 45),
            counter: readU64be(bytes, 53),
          }
        : null,
    at: Number(at),
    outcome,
    reason,
    attempts: (bytes[71] << 8) | bytes[72],
    sequence: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(73),
    keyId: toHex(bytes.subarray(77, 85)),
    detail,
    creditRead,
    signature: bytes.subarray(signedEnd, total),
    signedBytes: bytes.subarray(0, signedEnd),
    bytes,
  };
}

/** Checks a report's signature with the PPMID's reporting public key (key id and signature must both match). */
export function verifyStatusReport(r: StatusReport, reportingPublicKey: KeyObject): boolean {
  if (deliveryKeyId(reportingPublicKey) !== r.keyId) return false;
  return ecdsaVerify(r.signedBytes, r.signature, reportingPublicKey);
}

/** JSON-safe view (what a supplier dashboard or the test automation API shows). */
export function statusReportToJson(r: StatusReportFields & { keyId?: string }): Record<string, unknown> {
  return {
    envelopeId: r.envelopeId,
    envelopeIdIsDigest: r.envelopeIdIsDigest,
    ppmid: r.ppmid,
    supplierId: r.supplierId,
    requestId: r.requestId
      ? {
          originator: r.requestId.originator,
          target: r.requestId.target,
          counter: r.requestId.counter.toString(),
        }
      : null,
    at: new Date(r.at).toISOString(),
    outcome: r.outcome,
    reason: r.reason,
    attempts: r.attempts,
    sequence: r.sequence,
    detail: r.detail,
    creditRead: r.creditRead
      ? {
          meter: r.creditRead.meter,
          creditRemaining: r.creditRead.creditRemaining,
          readAt: new Date(r.creditRead.readAt).toISOString(),
        }
      : null,
    ...(r.keyId !== undefined ? { keyId: r.keyId } : {}),
  };
}
