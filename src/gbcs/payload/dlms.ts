/**
 * DLMS/COSEM application layer as GBCS uses it (GBCS 7.2.x; DLMS UA 1000-2
 * "Green Book", ACCESS service and data-notification): decode and encode of
 *
 * - access-request  (tag 0xD9) : long-invoke-id-and-priority, date-time,
 *   list of request specifications (get/set/action, with or without
 *   selective access), list of request data;
 * - access-response (tag 0xDA) : long-invoke-id-and-priority, date-time,
 *   optional echo of the request specifications, list of response data,
 *   list of results;
 * - data-notification (tag 0x0F): long-invoke-id-and-priority, date-time,
 *   notification body (one Data), which GBCS uses for DLMS alerts.
 *
 * Data is typed A-XDR (tag byte, then value). The codec is strict: lengths
 * must be minimal and nothing may trail the APDU, so any payload that decodes
 * re-encodes to exactly the same bytes (tested over every RTDS fixture).
 */

import { toHex } from '../../runtime/bytes.ts';
import { GbcsMalformedError, GbcsUnsupportedError } from '../errors.ts';
import { PayloadReader, PayloadWriter } from './io.ts';

// ---------------------------------------------------------------- data types

/** A-XDR Data tags (Green Book, Data ::= CHOICE). */
export const DLMS_DATA_TAG = {
  null: 0,
  array: 1,
  structure: 2,
  boolean: 3,
  'bit-string': 4,
  'double-long': 5,
  'double-long-unsigned': 6,
  'octet-string': 9,
  'visible-string': 10,
  'utf8-string': 12,
  bcd: 13,
  integer: 15,
  long: 16,
  unsigned: 17,
  'long-unsigned': 18,
  'compact-array': 19,
  long64: 20,
  'long64-unsigned': 21,
  enum: 22,
  float32: 23,
  float64: 24,
  'date-time': 25,
  date: 26,
  time: 27,
  'dont-care': 255,
} as const;

export type DlmsDataType = keyof typeof DLMS_DATA_TAG;
const TAG_TO_TYPE = new Map<number, DlmsDataType>(
  Object.entries(DLMS_DATA_TAG).map(([k, v]) => [v, k as DlmsDataType]),
);

export type DlmsIntegerType =
  | 'integer'
  | 'long'
  | 'double-long'
  | 'unsigned'
  | 'long-unsigned'
  | 'double-long-unsigned'
  | 'enum'
  | 'bcd';

export type DlmsData =
  | { type: 'null' }
  | { type: 'dont-care' }
  | { type: 'array'; items: DlmsData[] }
  | { type: 'structure'; items: DlmsData[] }
  /** `raw` keeps a TRUE byte other than 0xFF so the value re-encodes exactly. */
  | { type: 'boolean'; value: boolean; raw?: number }
  | { type: 'bit-string'; bitLength: number; bytes: Uint8Array }
  | { type: DlmsIntegerType; value: number }
  | { type: 'long64' | 'long64-unsigned'; value: bigint }
  /** `raw` is kept for NaN payloads only (they do not survive a number). */
  | { type: 'float32' | 'float64'; value: number; raw?: Uint8Array }
  | { type: 'octet-string'; value: Uint8Array }
  /** ISO 646 characters, one per byte (latin1 mapping, so any byte survives). */
  | { type: 'visible-string'; value: string }
  | { type: 'utf8-string'; value: string }
  /** 12-byte COSEM date-time, 5-byte date, 4-byte time (see parseCosemDateTime). */
  | { type: 'date-time' | 'date' | 'time'; value: Uint8Array }
  | { type: 'compact-array'; description: DlmsTypeDescription; elements: DlmsData[] };

/** TypeDescription of a compact-array (Green Book 4.1.6.1). */
export type DlmsTypeDescription =
  | { type: 'array'; count: number; element: DlmsTypeDescription }
  | { type: 'structure'; items: DlmsTypeDescription[] }
  | { type: Exclude<DlmsDataType, 'array' | 'structure' | 'compact-array'> };

const FIXED_SIZE: Partial<Record<DlmsDataType, number>> = {
  null: 0,
  'dont-care': 0,
  boolean: 1,
  'double-long': 4,
  'double-long-unsigned': 4,
  bcd: 1,
  integer: 1,
  long: 2,
  unsigned: 1,
  'long-unsigned': 2,
  long64: 8,
  'long64-unsigned': 8,
  enum: 1,
  float32: 4,
  float64: 8,
  'date-time': 12,
  date: 5,
  time: 4,
};

/** Limits that keep hostile input from exhausting the stack or the CPU. */
const MAX_DEPTH = 48;
const MAX_NODES = 1_000_000;

interface DecodeBudget {
  nodes: number;
}

function spend(budget: DecodeBudget, at: number): void {
  if (++budget.nodes > MAX_NODES)
    throw new GbcsUnsupportedError(`more than ${MAX_NODES} DLMS data items`, at);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeValue(
  r: PayloadReader,
  type: DlmsDataType,
  depth: number,
  budget: DecodeBudget,
  at: number,
): DlmsData {
  if (depth > MAX_DEPTH) throw new GbcsUnsupportedError(`DLMS data nested deeper than ${MAX_DEPTH}`, at);
  spend(budget, at);
  switch (type) {
    case 'null':
    case 'dont-care':
      return { type };
    case 'array':
    case 'structure': {
      const n = r.axdrLength(`${type} length`);
      const items: DlmsData[] = [];
      for (let i = 0; i < n; i++) items.push(decodeTagged(r, depth + 1, budget));
      return { type, items };
    }
    case 'boolean': {
      const b = r.u8('boolean');
      if (b === 0) return { type, value: false };
      return b === 0xff ? { type, value: true } : { type, value: true, raw: b };
    }
    case 'bit-string': {
      const bitLength = r.axdrLength('bit-string length');
      return { type, bitLength, bytes: r.bytes(Math.ceil(bitLength / 8), 'bit-string') };
    }
    case 'double-long':
      return { type, value: r.view(4, type).getInt32(0) };
    case 'double-long-unsigned':
      return { type, value: r.u32(type) };
    case 'integer':
      return { type, value: r.view(1, type).getInt8(0) };
    case 'long':
      return { type, value: r.view(2, type).getInt16(0) };
    case 'unsigned':
    case 'enum':
    case 'bcd':
      return { type, value: r.u8(type) };
    case 'long-unsigned':
      return { type, value: r.u16(type) };
    case 'long64':
      return { type, value: r.view(8, type).getBigInt64(0) };
    case 'long64-unsigned':
      return { type, value: r.view(8, type).getBigUint64(0) };
    case 'float32':
    case 'float64': {
      const size = type === 'float32' ? 4 : 8;
      const raw = r.bytes(size, type);
      const dv = new DataView(raw.buffer, raw.byteOffset, size);
      const value = size === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
      return Number.isNaN(value) ? { type, value, raw } : { type, value };
    }
    case 'octet-string': {
      const n = r.axdrLength('octet-string length');
      return { type, value: r.bytes(n, 'octet-string') };
    }
    case 'visible-string': {
      const n = r.axdrLength('visible-string length');
      return { type, value: latin1(r.bytes(n, 'visible-string')) };
    }
    case 'utf8-string': {
      const n = r.axdrLength('utf8-string length');
      const start = r.pos;
      const b = r.bytes(n, 'utf8-string');
      try {
        return { type, value: utf8.decode(b) };
      } catch {
        throw new GbcsMalformedError('utf8-string is not valid UTF-8', start);
      }
    }
    case 'date-time':
    case 'date':
    case 'time':
      return { type, value: r.bytes(FIXED_SIZE[type]!, type) };
    case 'compact-array':
      return decodeCompactArray(r, depth, budget);
  }
}

function decodeTagged(r: PayloadReader, depth: number, budget: DecodeBudget): DlmsData {
  const at = r.pos;
  const tag = r.u8('data tag');
  const type = TAG_TO_TYPE.get(tag);
  if (type === undefined) throw new GbcsUnsupportedError(`unknown DLMS data tag 0x${hex2(tag)}`, at);
  return decodeValue(r, type, depth, budget, at);
}

function decodeTypeDescription(r: PayloadReader, depth: number): DlmsTypeDescription {
  const at = r.pos;
  if (depth > MAX_DEPTH) throw new GbcsUnsupportedError('compact-array type description too deep', at);
  const tag = r.u8('type description');
  const type = TAG_TO_TYPE.get(tag);
  if (type === undefined || type === 'compact-array') {
    throw new GbcsMalformedError(`bad type description tag 0x${hex2(tag)}`, at);
  }
  if (type === 'array') {
    const count = r.u16('type description array count');
    return { type, count, element: decodeTypeDescription(r, depth + 1) };
  }
  if (type === 'structure') {
    const n = r.axdrLength('type description structure count');
    const items: DlmsTypeDescription[] = [];
    for (let i = 0; i < n; i++) items.push(decodeTypeDescription(r, depth + 1));
    return { type, items };
  }
  return { type };
}

/** Decodes one untagged value that follows a type description (compact-array contents). */
function decodeDescribed(
  r: PayloadReader,
  d: DlmsTypeDescription,
  depth: number,
  budget: DecodeBudget,
): DlmsData {
  const at = r.pos;
  if (depth > MAX_DEPTH) throw new GbcsUnsupportedError('compact-array element too deep', at);
  if (d.type === 'array') {
    spend(budget, at);
    const items: DlmsData[] = [];
    for (let i = 0; i < d.count; i++) items.push(decodeDescribed(r, d.element, depth + 1, budget));
    return { type: 'array', items };
  }
  if (d.type === 'structure') {
    spend(budget, at);
    return { type: 'structure', items: d.items.map((x) => decodeDescribed(r, x, depth + 1, budget)) };
  }
  return decodeValue(r, d.type, depth, budget, at);
}

function decodeCompactArray(r: PayloadReader, depth: number, budget: DecodeBudget): DlmsData {
  const description = decodeTypeDescription(r, depth + 1);
  const n = r.axdrLength('compact-array contents length');
  const start = r.pos;
  r.need(n, 'compact-array contents');
  const inner = new PayloadReader(r.buf, start, start + n);
  const elements: DlmsData[] = [];
  while (!inner.atEnd()) {
    const before = inner.pos;
    elements.push(decodeDescribed(inner, description, depth + 1, budget));
    if (inner.pos === before) throw new GbcsMalformedError('compact-array element of zero size', before);
  }
  r.pos = start + n;
  return { type: 'compact-array', description, elements };
}

/** Decodes one tagged Data at `offset`; returns it and the offset after it. */
export function decodeDlmsData(buf: Uint8Array, offset = 0): { value: DlmsData; offset: number } {
  const r = new PayloadReader(buf, offset);
  const value = decodeTagged(r, 0, { nodes: 0 });
  return { value, offset: r.pos };
}

function writeValue(w: PayloadWriter, d: DlmsData): void {
  switch (d.type) {
    case 'null':
    case 'dont-care':
      return;
    case 'array':
    case 'structure':
      w.axdrLength(d.items.length);
      for (const x of d.items) writeTagged(w, x);
      return;
    case 'boolean':
      w.u8(d.value ? (d.raw ?? 0xff) : 0);
      return;
    case 'bit-string':
      if (d.bytes.length !== Math.ceil(d.bitLength / 8)) {
        throw new RangeError(`bit-string of ${d.bitLength} bits needs ${Math.ceil(d.bitLength / 8)} bytes`);
      }
      w.axdrLength(d.bitLength).bytes(d.bytes);
      return;
    case 'integer':
    case 'unsigned':
    case 'enum':
    case 'bcd':
      checkRange(d.type, d.value, d.type === 'integer' ? -128 : 0, d.type === 'integer' ? 127 : 255);
      w.u8(d.value);
      return;
    case 'long':
      checkRange(d.type, d.value, -32768, 32767);
      w.u16(d.value & 0xffff);
      return;
    case 'long-unsigned':
      checkRange(d.type, d.value, 0, 0xffff);
      w.u16(d.value);
      return;
    case 'double-long':
      checkRange(d.type, d.value, -(2 ** 31), 2 ** 31 - 1);
      w.u32(d.value >>> 0);
      return;
    case 'double-long-unsigned':
      checkRange(d.type, d.value, 0, 2 ** 32 - 1);
      w.u32(d.value);
      return;
    case 'long64':
      if (BigInt.asIntN(64, d.value) !== d.value) throw new RangeError(`long64 out of range: ${d.value}`);
      w.u64(d.value);
      return;
    case 'long64-unsigned':
      if (BigInt.asUintN(64, d.value) !== d.value)
        throw new RangeError(`long64-unsigned out of range: ${d.value}`);
      w.u64(d.value);
      return;
    case 'float32':
    case 'float64': {
      const size = d.type === 'float32' ? 4 : 8;
      if (d.raw && d.raw.length === size && Number.isNaN(d.value)) {
        w.bytes(d.raw);
        return;
      }
      const out = new Uint8Array(size);
      const dv = new DataView(out.buffer);
      if (size === 4) dv.setFloat32(0, d.value);
      else dv.setFloat64(0, d.value);
      w.bytes(out);
      return;
    }
    case 'octet-string':
      w.axdrLength(d.value.length).bytes(d.value);
      return;
    case 'visible-string': {
      const b = fromLatin1(d.value);
      w.axdrLength(b.length).bytes(b);
      return;
    }
    case 'utf8-string': {
      const b = new TextEncoder().encode(d.value);
      w.axdrLength(b.length).bytes(b);
      return;
    }
    case 'date-time':
    case 'date':
    case 'time': {
      const size = FIXED_SIZE[d.type]!;
      if (d.value.length !== size)
        throw new RangeError(`${d.type} must be ${size} bytes, got ${d.value.length}`);
      w.bytes(d.value);
      return;
    }
    case 'compact-array': {
      writeTypeDescription(w, d.description);
      const inner = new PayloadWriter();
      for (const e of d.elements) writeDescribed(inner, d.description, e);
      const contents = inner.finish();
      w.axdrLength(contents.length).bytes(contents);
      return;
    }
  }
}

function checkRange(type: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${type} out of range: ${v}`);
}

function writeTagged(w: PayloadWriter, d: DlmsData): void {
  w.u8(DLMS_DATA_TAG[d.type]);
  writeValue(w, d);
}

function writeTypeDescription(w: PayloadWriter, d: DlmsTypeDescription): void {
  w.u8(DLMS_DATA_TAG[d.type]);
  if (d.type === 'array') {
    w.u16(d.count);
    writeTypeDescription(w, d.element);
  } else if (d.type === 'structure') {
    w.axdrLength(d.items.length);
    for (const x of d.items) writeTypeDescription(w, x);
  }
}

function writeDescribed(w: PayloadWriter, d: DlmsTypeDescription, v: DlmsData): void {
  if (d.type !== v.type)
    throw new RangeError(`compact-array element is ${v.type}, description says ${d.type}`);
  if (d.type === 'array' && v.type === 'array') {
    if (v.items.length !== d.count) throw new RangeError(`compact-array element needs ${d.count} items`);
    for (const x of v.items) writeDescribed(w, d.element, x);
  } else if (d.type === 'structure' && v.type === 'structure') {
    if (v.items.length !== d.items.length) throw new RangeError('compact-array structure size mismatch');
    for (let i = 0; i < d.items.length; i++) writeDescribed(w, d.items[i], v.items[i]);
  } else {
    writeValue(w, v);
  }
}

/** Encodes one tagged Data. Throws RangeError when a value does not fit its type. */
export function encodeDlmsData(d: DlmsData): Uint8Array {
  const w = new PayloadWriter();
  writeTagged(w, d);
  return w.finish();
}

// ---------------------------------------------------------------- APDUs

export const DLMS_APDU_TAG = {
  'access-request': 0xd9,
  'access-response': 0xda,
  'data-notification': 0x0f,
} as const;

/**
 * Long-Invoke-Id-And-Priority (Green Book 9.3.x): bits 0-23 invoke-id,
 * 24-27 reserved, 28 self-descriptive, 29 processing-option (break on
 * error), 30 service-class (confirmed), 31 priority (high). GBCS commands
 * use 0x20 in the top byte (break on error, unconfirmed, normal priority).
 */
export interface LongInvokeIdAndPriority {
  invokeId: number;
  highPriority: boolean;
  confirmed: boolean;
  breakOnError: boolean;
  selfDescriptive: boolean;
  /** bits 24-27, reserved (kept so the field round-trips). */
  reserved: number;
}

export function decodeLongInvokeId(v: number): LongInvokeIdAndPriority {
  return {
    invokeId: v & 0xffffff,
    highPriority: (v & 0x80000000) !== 0,
    confirmed: (v & 0x40000000) !== 0,
    breakOnError: (v & 0x20000000) !== 0,
    selfDescriptive: (v & 0x10000000) !== 0,
    reserved: (v >>> 24) & 0x0f,
  };
}

export function encodeLongInvokeId(l: LongInvokeIdAndPriority): number {
  checkRange('invoke-id', l.invokeId, 0, 0xffffff);
  checkRange('reserved invoke bits', l.reserved, 0, 15);
  return (
    ((l.highPriority ? 0x80000000 : 0) |
      (l.confirmed ? 0x40000000 : 0) |
      (l.breakOnError ? 0x20000000 : 0) |
      (l.selfDescriptive ? 0x10000000 : 0) |
      (l.reserved << 24) |
      l.invokeId) >>>
    0
  );
}

/** The GBCS form: break-on-error, unconfirmed, normal priority, invoke-id = low 24 bits of the counter. */
export function gbcsInvokeId(originatorCounter: bigint): LongInvokeIdAndPriority {
  return {
    invokeId: Number(originatorCounter & 0xffffffn),
    highPriority: false,
    confirmed: false,
    breakOnError: true,
    selfDescriptive: false,
    reserved: 0,
  };
}

export type AccessRequestKind = 'get' | 'set' | 'action' | 'get-with-selection' | 'set-with-selection';
const REQUEST_KIND_TAG: Record<AccessRequestKind, number> = {
  get: 1,
  set: 2,
  action: 3,
  'get-with-selection': 4,
  'set-with-selection': 5,
};
const REQUEST_TAG_KIND = new Map(
  Object.entries(REQUEST_KIND_TAG).map(([k, v]) => [v, k as AccessRequestKind]),
);

/** Access-Request-Specification: a COSEM attribute (get/set) or method (action) descriptor. */
export interface AccessRequestSpec {
  kind: AccessRequestKind;
  classId: number;
  /** COSEM logical name (OBIS), 6 bytes. */
  obis: Uint8Array;
  /** attribute-id (get/set) or method-id (action). */
  id: number;
  /** Selective-Access-Descriptor, present exactly for the *-with-selection kinds. */
  selectiveAccess?: { selector: number; parameters: DlmsData };
}

export type AccessResponseKind = 'get' | 'set' | 'action';
const RESPONSE_KIND_TAG: Record<AccessResponseKind, number> = { get: 1, set: 2, action: 3 };
const RESPONSE_TAG_KIND = new Map(
  Object.entries(RESPONSE_KIND_TAG).map(([k, v]) => [v, k as AccessResponseKind]),
);

/** Access-Response-Specification: the result of one request (Data-Access-Result or Action-Result). */
export interface AccessResponseSpec {
  kind: AccessResponseKind;
  result: number;
}

export interface DlmsAccessRequest {
  apdu: 'access-request';
  invoke: LongInvokeIdAndPriority;
  /** date-time octet-string: empty (absent) or a 12-byte COSEM date-time. */
  dateTime: Uint8Array;
  requests: AccessRequestSpec[];
  data: DlmsData[];
}

export interface DlmsAccessResponse {
  apdu: 'access-response';
  invoke: LongInvokeIdAndPriority;
  dateTime: Uint8Array;
  /** Optional echo of the request specifications (absent in every GBCS response seen). */
  requestSpecs?: AccessRequestSpec[];
  data: DlmsData[];
  results: AccessResponseSpec[];
}

export interface DlmsDataNotification {
  apdu: 'data-notification';
  invoke: LongInvokeIdAndPriority;
  dateTime: Uint8Array;
  body: DlmsData;
}

export type DlmsApdu = DlmsAccessRequest | DlmsAccessResponse | DlmsDataNotification;

function readRequestSpec(r: PayloadReader, budget: DecodeBudget): AccessRequestSpec {
  const at = r.pos;
  const tag = r.u8('access-request-specification choice');
  const kind = REQUEST_TAG_KIND.get(tag);
  if (!kind) throw new GbcsMalformedError(`unknown access-request-specification choice ${tag}`, at);
  const classId = r.u16('class-id');
  const obis = r.bytes(6, 'instance-id');
  const id = r.u8(kind === 'action' ? 'method-id' : 'attribute-id');
  if (kind === 'get-with-selection' || kind === 'set-with-selection') {
    const selector = r.u8('access-selector');
    const parameters = decodeTagged(r, 1, budget);
    return { kind, classId, obis, id, selectiveAccess: { selector, parameters } };
  }
  return { kind, classId, obis, id };
}

function writeRequestSpec(w: PayloadWriter, s: AccessRequestSpec): void {
  const withSelection = s.kind === 'get-with-selection' || s.kind === 'set-with-selection';
  if (withSelection !== (s.selectiveAccess !== undefined)) {
    throw new RangeError(`${s.kind}: selectiveAccess must be present exactly for the *-with-selection kinds`);
  }
  if (s.obis.length !== 6) throw new RangeError('OBIS logical name must be 6 bytes');
  checkRange('class-id', s.classId, 0, 0xffff);
  checkRange('attribute/method id', s.id, 0, 255);
  w.u8(REQUEST_KIND_TAG[s.kind]).u16(s.classId).bytes(s.obis).u8(s.id);
  if (s.selectiveAccess) {
    checkRange('access-selector', s.selectiveAccess.selector, 0, 255);
    w.u8(s.selectiveAccess.selector);
    writeTagged(w, s.selectiveAccess.parameters);
  }
}

/** Decodes a complete DLMS APDU. Throws a typed GbcsError on any defect, including trailing bytes. */
export function decodeDlmsApdu(buf: Uint8Array): DlmsApdu {
  const r = new PayloadReader(buf);
  const budget: DecodeBudget = { nodes: 0 };
  const tag = r.u8('APDU tag');
  let apdu: DlmsApdu;
  if (tag !== 0xd9 && tag !== 0xda && tag !== 0x0f) {
    throw new GbcsUnsupportedError(`DLMS APDU tag 0x${hex2(tag)} is not one GBCS uses`, 0);
  }
  const invoke = decodeLongInvokeId(r.u32('long-invoke-id-and-priority'));
  const dtLen = r.axdrLength('date-time length');
  const dateTime = r.bytes(dtLen, 'date-time');
  if (tag === 0xd9) {
    const n = r.axdrLength('request specification count');
    const requests: AccessRequestSpec[] = [];
    for (let i = 0; i < n; i++) requests.push(readRequestSpec(r, budget));
    const m = r.axdrLength('request data count');
    const data: DlmsData[] = [];
    for (let i = 0; i < m; i++) data.push(decodeTagged(r, 1, budget));
    apdu = { apdu: 'access-request', invoke, dateTime, requests, data };
  } else if (tag === 0xda) {
    const at = r.pos;
    const present = r.u8('access-request-specification presence');
    let requestSpecs: AccessRequestSpec[] | undefined;
    if (present === 1) {
      const n = r.axdrLength('echoed request specification count');
      requestSpecs = [];
      for (let i = 0; i < n; i++) requestSpecs.push(readRequestSpec(r, budget));
    } else if (present !== 0) {
      throw new GbcsMalformedError(`OPTIONAL flag must be 0 or 1, got ${present}`, at);
    }
    const m = r.axdrLength('response data count');
    const data: DlmsData[] = [];
    for (let i = 0; i < m; i++) data.push(decodeTagged(r, 1, budget));
    const k = r.axdrLength('response specification count');
    const results: AccessResponseSpec[] = [];
    for (let i = 0; i < k; i++) {
      const rat = r.pos;
      const choice = r.u8('access-response-specification choice');
      const kind = RESPONSE_TAG_KIND.get(choice);
      if (!kind) throw new GbcsMalformedError(`unknown access-response-specification choice ${choice}`, rat);
      results.push({ kind, result: r.u8('result') });
    }
    apdu =
      requestSpecs === undefined
        ? { apdu: 'access-response', invoke, dateTime, data, results }
        : { apdu: 'access-response', invoke, dateTime, requestSpecs, data, results };
  } else {
    apdu = { apdu: 'data-notification', invoke, dateTime, body: decodeTagged(r, 1, budget) };
  }
  if (!r.atEnd()) throw new GbcsMalformedError(`${r.remaining} byte(s) after the ${apdu.apdu} APDU`, r.pos);
  return apdu;
}

/** Encodes a DLMS APDU. Throws RangeError when a field does not fit its encoding. */
export function encodeDlmsApdu(a: DlmsApdu): Uint8Array {
  const w = new PayloadWriter();
  w.u8(DLMS_APDU_TAG[a.apdu]).u32(encodeLongInvokeId(a.invoke));
  w.axdrLength(a.dateTime.length).bytes(a.dateTime);
  if (a.apdu === 'access-request') {
    w.axdrLength(a.requests.length);
    for (const s of a.requests) writeRequestSpec(w, s);
    w.axdrLength(a.data.length);
    for (const d of a.data) writeTagged(w, d);
  } else if (a.apdu === 'access-response') {
    if (a.requestSpecs) {
      w.u8(1).axdrLength(a.requestSpecs.length);
      for (const s of a.requestSpecs) writeRequestSpec(w, s);
    } else {
      w.u8(0);
    }
    w.axdrLength(a.data.length);
    for (const d of a.data) writeTagged(w, d);
    w.axdrLength(a.results.length);
    for (const x of a.results) {
      checkRange('result', x.result, 0, 255);
      w.u8(RESPONSE_KIND_TAG[x.kind]).u8(x.result);
    }
  } else {
    writeTagged(w, a.body);
  }
  return w.finish();
}

// ---------------------------------------------------------------- names and text

/** COSEM interface classes GBCS devices use (Blue Book class ids). */
export const COSEM_CLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'Data',
  3: 'Register',
  4: 'Extended register',
  5: 'Demand register',
  6: 'Register activation',
  7: 'Profile generic',
  8: 'Clock',
  9: 'Script table',
  10: 'Schedule',
  11: 'Special days table',
  15: 'Association LN',
  17: 'SAP assignment',
  18: 'Image transfer',
  20: 'Activity calendar',
  21: 'Register monitor',
  22: 'Single action schedule',
  26: 'Utility tables',
  30: 'Data protection',
  40: 'Push setup',
  61: 'Register table',
  62: 'Compact data',
  63: 'Status mapping',
  64: 'Security setup',
  70: 'Disconnect control',
  71: 'Limiter',
  111: 'Account',
  112: 'Credit',
  113: 'Charge',
  115: 'Token gateway',
};

/** Data-Access-Result / Action-Result names (Green Book). */
export const DLMS_RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-operation-aborted',
  16: 'no-long-operation-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};

/** OBIS code as printed in the Blue Book: `A-B:C.D.E.F`. */
export function formatObis(b: Uint8Array): string {
  if (b.length !== 6) return toHex(b);
  return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
}

/** Parses `A-B:C.D.E.F` (each 0..255) into 6 bytes. Throws RangeError on bad text. */
export function parseObis(s: string): Uint8Array {
  const m = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw new RangeError(`not an OBIS code: ${JSON.stringify(s)}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) throw new RangeError(`OBIS group out of range in ${s}`);
    out[i] = v;
  }
  return out;
}

export interface CosemDateTimeFields {
  /** undefined where the field is "not specified" (0xFFFF / 0xFF). */
  year?: number;
  month?: number;
  day?: number;
  dayOfWeek?: number;
  hour?: number;
  minute?: number;
  second?: number;
  hundredths?: number;
  /** deviation in minutes (Blue Book sign convention), undefined when 0x8000. */
  deviation?: number;
  /** clock status byte, undefined when 0xFF. */
  clockStatus?: number;
}

/** Splits a 12-byte COSEM date-time (Blue Book 4.1.6.1); undefined when not 12 bytes. */
export function parseCosemDateTime(b: Uint8Array): CosemDateTimeFields | undefined {
  if (b.length !== 12) return undefined;
  const spec = (v: number, none: number) => (v === none ? undefined : v);
  const year = (b[0] << 8) | b[1];
  const dev = (b[9] << 8) | b[10];
  return {
    year: spec(year, 0xffff),
    month: spec(b[2], 0xff),
    day: spec(b[3], 0xff),
    dayOfWeek: spec(b[4], 0xff),
    hour: spec(b[5], 0xff),
    minute: spec(b[6], 0xff),
    second: spec(b[7], 0xff),
    hundredths: spec(b[8], 0xff),
    deviation: dev === 0x8000 ? undefined : (dev << 16) >> 16,
    clockStatus: spec(b[11], 0xff),
  };
}

/** Builds a 12-byte COSEM date-time for a UTC instant (deviation 0, clock status 0x00), as GBCS devices send. */
export function cosemDateTimeFromDate(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const dow = ((d.getUTCDay() + 6) % 7) + 1; // Monday = 1
  return Uint8Array.from([
    y >> 8,
    y & 0xff,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    dow,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
    0,
    0,
    0,
  ]);
}

/**
 * A 12-byte COSEM date-time (Blue Book 4.1.6.1) of a UTC instant in the form
 * GBCS commands and ESME responses carry it: UTC fields, day of week not
 * specified (FF), deviation not specified (0x8000). `hundredths` writes the
 * instant's hundredths of a second (else 00); `clockStatus` 0xFF = not
 * specified. RTDS ECS70 validity interval: `07DE0C1FFF173B0A008000FF`; RTDS
 * ESME responses: `07DF0101FF000000008000FF`.
 */
export function cosemUtcDateTime(
  d: Date,
  opts: { hundredths?: boolean; clockStatus?: number } = {},
): Uint8Array {
  const y = d.getUTCFullYear();
  if (Number.isNaN(y) || y < 0 || y > 0xfffe)
    throw new GbcsMalformedError(`year ${y} does not fit a COSEM date-time`);
  return Uint8Array.of(
    y >> 8,
    y & 0xff,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    0xff,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    opts.hundredths ? Math.floor(d.getUTCMilliseconds() / 10) : 0x00,
    0x80,
    0x00,
    opts.clockStatus ?? 0xff,
  );
}

/** `2015-01-01 00:00:00` with `*` for unspecified fields, then deviation/status when present. */
export function formatCosemDateTime(b: Uint8Array): string {
  const t = parseCosemDateTime(b);
  if (!t) return toHex(b);
  const f = (v: number | undefined, w: number) =>
    v === undefined ? '*'.repeat(w) : String(v).padStart(w, '0');
  let s = `${f(t.year, 4)}-${f(t.month, 2)}-${f(t.day, 2)} ${f(t.hour, 2)}:${f(t.minute, 2)}:${f(t.second, 2)}`;
  if (t.hundredths !== undefined && t.hundredths !== 0) s += `.${f(t.hundredths, 2)}`;
  if (t.deviation !== undefined) s += ` dev ${t.deviation}`;
  if (t.clockStatus !== undefined) s += ` status 0x${hex2(t.clockStatus)}`;
  return s;
}

function formatDate(b: Uint8Array): string {
  const f = (v: number, none: number, w: number) => (v === none ? '*'.repeat(w) : String(v).padStart(w, '0'));
  return `${f((b[0] << 8) | b[1], 0xffff, 4)}-${f(b[2], 0xff, 2)}-${f(b[3], 0xff, 2)}`;
}

function formatTime(b: Uint8Array): string {
  const f = (v: number) => (v === 0xff ? '**' : String(v).padStart(2, '0'));
  return `${f(b[0])}:${f(b[1])}:${f(b[2])}${b[3] !== 0xff && b[3] !== 0 ? `.${f(b[3])}` : ''}`;
}

/** Looks like a COSEM date-time: plausible month/day/hour fields (used to annotate octet-strings). */
function looksLikeDateTime(b: Uint8Array): boolean {
  if (b.length !== 12) return false;
  const ok = (v: number, lo: number, hi: number) => v === 0xff || (v >= lo && v <= hi);
  return ok(b[2], 1, 12) && ok(b[3], 1, 31) && ok(b[4], 1, 7) && ok(b[5], 0, 23) && ok(b[6], 0, 59);
}

function printable(b: Uint8Array): boolean {
  return b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f);
}

/** One-line text of a simple Data value (structures and arrays get a header). */
export function describeDlmsData(d: DlmsData): string {
  switch (d.type) {
    case 'null':
    case 'dont-care':
      return d.type;
    case 'array':
    case 'structure':
      return `${d.type}(${d.items.length})`;
    case 'compact-array':
      return `compact-array(${d.elements.length}) of ${describeType(d.description)}`;
    case 'boolean':
      return `boolean ${d.value}`;
    case 'bit-string':
      return `bit-string(${d.bitLength})${d.bytes.length ? ` ${toHex(d.bytes)}` : ''}`;
    case 'long64':
    case 'long64-unsigned':
      return `${d.type} ${d.value}`;
    case 'float32':
    case 'float64':
      return `${d.type} ${d.value}`;
    case 'enum':
    case 'unsigned':
    case 'integer':
    case 'long':
    case 'long-unsigned':
    case 'double-long':
    case 'double-long-unsigned':
    case 'bcd':
      return `${d.type} ${d.value}`;
    case 'octet-string': {
      let s = `octet-string(${d.value.length})${d.value.length ? ` ${toHex(d.value)}` : ''}`;
      if (looksLikeDateTime(d.value)) s += ` [${formatCosemDateTime(d.value)}]`;
      else if (d.value.length === 6 && d.value[5] === 0xff) s += ` [OBIS ${formatObis(d.value)}]`;
      else if (printable(d.value)) s += ` "${latin1(d.value)}"`;
      return s;
    }
    case 'visible-string':
    case 'utf8-string':
      return `${d.type} ${JSON.stringify(d.value)}`;
    case 'date-time':
      return `date-time ${formatCosemDateTime(d.value)}`;
    case 'date':
      return `date ${formatDate(d.value)}`;
    case 'time':
      return `time ${formatTime(d.value)}`;
  }
}

function describeType(t: DlmsTypeDescription): string {
  if (t.type === 'array') return `array[${t.count}] of ${describeType(t.element)}`;
  if (t.type === 'structure') return `{${t.items.map(describeType).join(', ')}}`;
  return t.type;
}

/** Lines for one Data value, indented by `indent` levels of two spaces. */
export function renderDlmsData(d: DlmsData, indent = 0, label = ''): string[] {
  const pad = '  '.repeat(indent);
  const lines = [`${pad}${label}${describeDlmsData(d)}`];
  if (d.type === 'array' || d.type === 'structure') {
    d.items.forEach((x, i) => {
      lines.push(...renderDlmsData(x, indent + 1, `[${i}] `));
    });
  } else if (d.type === 'compact-array') {
    d.elements.forEach((x, i) => {
      lines.push(...renderDlmsData(x, indent + 1, `[${i}] `));
    });
  }
  return lines;
}

function describeSpec(s: AccessRequestSpec): string {
  const cls = COSEM_CLASS_NAMES[s.classId];
  const what = s.kind === 'action' ? 'method' : 'attr';
  return `${s.kind} class ${s.classId}${cls ? ` (${cls})` : ''} OBIS ${formatObis(s.obis)} ${what} ${s.id}`;
}

export function describeInvoke(l: LongInvokeIdAndPriority): string {
  const flags = [
    l.highPriority ? 'high-priority' : '',
    l.confirmed ? 'confirmed' : '',
    l.breakOnError ? 'break-on-error' : '',
    l.selfDescriptive ? 'self-descriptive' : '',
  ].filter(Boolean);
  return `invoke-id 0x${l.invokeId.toString(16).toUpperCase().padStart(6, '0')}${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

/** Human-readable tree of a DLMS APDU, two spaces per level. */
export function renderDlmsApdu(a: DlmsApdu, indent = 0): string[] {
  const pad = '  '.repeat(indent);
  const lines = [`${pad}${a.apdu} ${describeInvoke(a.invoke)}`];
  const pad1 = `${pad}  `;
  if (a.dateTime.length > 0) lines.push(`${pad1}date-time ${formatCosemDateTime(a.dateTime)}`);
  if (a.apdu === 'access-request') {
    a.requests.forEach((s, i) => {
      lines.push(`${pad1}request[${i}] ${describeSpec(s)}`);
      if (s.selectiveAccess) {
        lines.push(`${pad1}  selective access, selector ${s.selectiveAccess.selector}`);
        lines.push(...renderDlmsData(s.selectiveAccess.parameters, indent + 3));
      }
    });
    a.data.forEach((d, i) => {
      lines.push(...renderDlmsData(d, indent + 1, `data[${i}] `));
    });
  } else if (a.apdu === 'access-response') {
    a.requestSpecs?.forEach((s, i) => {
      lines.push(`${pad1}request[${i}] ${describeSpec(s)}`);
    });
    a.data.forEach((d, i) => {
      lines.push(...renderDlmsData(d, indent + 1, `data[${i}] `));
    });
    a.results.forEach((x, i) => {
      lines.push(`${pad1}result[${i}] ${x.kind} ${DLMS_RESULT_NAMES[x.result] ?? `result ${x.result}`}`);
    });
  } else {
    lines.push(...renderDlmsData(a.body, indent + 1, 'body '));
  }
  return lines;
}

// ---------------------------------------------------------------- small helpers

function hex2(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, '0');
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError('visible-string holds a character above U+00FF');
    out[i] = c;
  }
  return out;
}

/** Convenience constructors for building payloads (command builders, emulators). */
export const dlms = {
  null: (): DlmsData => ({ type: 'null' }),
  bool: (value: boolean): DlmsData => ({ type: 'boolean', value }),
  u8: (value: number): DlmsData => ({ type: 'unsigned', value }),
  u16: (value: number): DlmsData => ({ type: 'long-unsigned', value }),
  u32: (value: number): DlmsData => ({ type: 'double-long-unsigned', value }),
  i8: (value: number): DlmsData => ({ type: 'integer', value }),
  i16: (value: number): DlmsData => ({ type: 'long', value }),
  i32: (value: number): DlmsData => ({ type: 'double-long', value }),
  u64: (value: bigint): DlmsData => ({ type: 'long64-unsigned', value }),
  i64: (value: bigint): DlmsData => ({ type: 'long64', value }),
  enum: (value: number): DlmsData => ({ type: 'enum', value }),
  octets: (value: Uint8Array): DlmsData => ({ type: 'octet-string', value }),
  visible: (value: string): DlmsData => ({ type: 'visible-string', value }),
  struct: (...items: DlmsData[]): DlmsData => ({ type: 'structure', items }),
  array: (...items: DlmsData[]): DlmsData => ({ type: 'array', items }),
};
