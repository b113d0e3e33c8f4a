/**
 * Named-field encode and decode of DLMS payloads from their catalogue row,
 * on top of the structural codec (payload/dlms.ts). Decoding first decodes
 * the APDU structurally (typed errors with offsets for bad bytes), then
 * matches it against the row: every request descriptor must be one of the
 * row's accesses, in order, and every Data element must have its declared
 * shape. Anything else is a UseCaseShapeError with the field path and the
 * byte offset; nothing is ever returned half-named.
 */
import { bytesEqual, fromHex, toHex } from '../../runtime/bytes.ts';
import {
  type AccessRequestSpec,
  DLMS_RESULT_NAMES,
  type DlmsAccessRequest,
  type DlmsAccessResponse,
  type DlmsApdu,
  type DlmsData,
  decodeDlmsApdu,
  encodeDlmsApdu,
  encodeDlmsData,
  gbcsInvokeId,
  type LongInvokeIdAndPriority,
  parseObis,
} from '../payload/dlms.ts';
import { rangeDescriptor } from './cosem-objects.ts';
import type { DlmsAccess, DlmsAlertRow, DlmsCommandRow, DlmsResult } from './dlms-row.ts';
import { decodeData, encodeData, type Schema } from './dlms-schema.ts';
import { UseCaseShapeError } from './errors.ts';

/** The APDU header fields: long-invoke-id-and-priority and the (usually empty) date-time, as hex. */
export interface DlmsHeader {
  invoke: LongInvokeIdAndPriority;
  dateTime: string;
}

type Fields = Record<string, Record<string, unknown>>;

const REQUEST_KIND: Record<DlmsAccess['kind'], AccessRequestSpec['kind']> = {
  get: 'get',
  'get-range': 'get-with-selection',
  set: 'set',
  action: 'action',
};
const RESPONSE_KIND: Record<DlmsAccess['kind'], 'get' | 'set' | 'action'> = {
  get: 'get',
  'get-range': 'get',
  set: 'set',
  action: 'action',
};

const RESULT_BY_NAME = new Map(Object.entries(DLMS_RESULT_NAMES).map(([k, v]) => [v, Number(k)]));

/** Cached 6-byte logical names of the row accesses. */
const obisCache = new Map<string, Uint8Array>();
function obisBytes(obis: string): Uint8Array {
  let b = obisCache.get(obis);
  if (!b) {
    b = parseObis(obis);
    obisCache.set(obis, b);
  }
  return b;
}

function matches(a: DlmsAccess, r: AccessRequestSpec): boolean {
  return (
    r.kind === REQUEST_KIND[a.kind] &&
    r.classId === a.classId &&
    r.id === a.id &&
    bytesEqual(r.obis, obisBytes(a.obis))
  );
}

const label = (a: DlmsAccess) => `${a.object}.${a.member}`;

// ---------------------------------------------------------------- offsets (error path only)

function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Byte offset of the Data element at index path `at` inside `d`, which starts at `base`. */
export function offsetInside(d: DlmsData, at: readonly number[], base: number): number {
  let off = base;
  let cur: DlmsData = d;
  for (const i of at) {
    if (cur.type === 'structure' || cur.type === 'array') {
      off += 1 + lengthSize(cur.items.length);
      for (let k = 0; k < i; k++) off += encodeDlmsData(cur.items[k] as DlmsData).length;
      cur = cur.items[i] as DlmsData;
    } else {
      return off; // inside a compact-array: the array's own offset
    }
  }
  return off;
}

function dataOffset(apdu: DlmsApdu, index: number): number {
  if (apdu.apdu === 'access-request') {
    return encodeDlmsApdu({ ...apdu, data: apdu.data.slice(0, index) }).length;
  }
  if (apdu.apdu === 'access-response') {
    // the results count byte(s) follow the data: drop them
    return encodeDlmsApdu({ ...apdu, data: apdu.data.slice(0, index), results: [] }).length - 1;
  }
  return encodeDlmsApdu({ ...apdu, body: { type: 'null' } }).length - 1;
}

function specOffset(apdu: DlmsAccessRequest, index: number): number {
  // header, then the spec count, then the specs before `index`
  const head = encodeDlmsApdu({ ...apdu, requests: apdu.requests.slice(0, index), data: [] }).length - 1;
  return head;
}

function locate(e: unknown, apdu: DlmsApdu, index: number, prefix: string): never {
  if (e instanceof UseCaseShapeError) {
    const d = apdu.apdu === 'data-notification' ? apdu.body : (apdu.data[index] as DlmsData);
    throw e.located(offsetInside(d, e.at, dataOffset(apdu, index)), prefix);
  }
  throw e;
}

// ---------------------------------------------------------------- header

function header(apdu: DlmsApdu): DlmsHeader {
  return { invoke: apdu.invoke, dateTime: toHex(apdu.dateTime) };
}

/** The GBCS command header: invoke-id from the counter, break-on-error, no date-time (GBCS.md 2). */
export function dlmsHeaderFor(originatorCounter: bigint): DlmsHeader {
  return { invoke: gbcsInvokeId(originatorCounter), dateTime: '' };
}

function headerBytes(h: DlmsHeader): { invoke: LongInvokeIdAndPriority; dateTime: Uint8Array } {
  if (!/^([0-9a-fA-F]{2})*$/.test(h.dateTime)) throw new UseCaseShapeError('expected hex', 'header.dateTime');
  return { invoke: h.invoke, dateTime: fromHex(h.dateTime) };
}

// ---------------------------------------------------------------- commands

export function decodeDlmsCommand(
  row: DlmsCommandRow,
  bytes: Uint8Array,
): { header: DlmsHeader; fields: Fields } {
  const apdu = decodeDlmsApdu(bytes);
  if (apdu.apdu !== 'access-request')
    throw new UseCaseShapeError(
      `a ${row.useCase} command is an access-request, found ${apdu.apdu}`,
      'command',
      [],
      0,
    );
  if (apdu.data.length !== apdu.requests.length)
    throw new UseCaseShapeError(
      `${apdu.requests.length} request specifications but ${apdu.data.length} data`,
      'command',
      [],
      dataOffset(apdu, 0),
    );
  const fields: Fields = {};
  let i = 0;
  for (const a of row.accesses) {
    const r = apdu.requests[i];
    if (!r || !matches(a, r)) {
      if (a.optional) continue;
      throw new UseCaseShapeError(
        r ? `expected ${a.kind} ${a.classId}/${a.obis}/${a.id}` : 'missing',
        `command.${label(a)}`,
        [],
        specOffset(apdu, i),
      );
    }
    const path = `command.${label(a)}`;
    let v: unknown;
    try {
      if (a.kind === 'get' || a.kind === 'get-range') {
        decodeData({ t: 'null' }, apdu.data[i] as DlmsData, path, []);
        if (a.kind === 'get-range') {
          const sel = r.selectiveAccess;
          if (sel?.selector !== 1)
            throw new UseCaseShapeError(
              'expected range selection (access selector 1)',
              path,
              [],
              specOffset(apdu, i),
            );
          v = decodeData(rangeDescriptor, sel.parameters, `${path}.range`, []);
        } else v = null;
      } else {
        v = decodeData(a.schema, apdu.data[i] as DlmsData, path, []);
      }
    } catch (e) {
      if (
        e instanceof UseCaseShapeError &&
        e.offset === undefined &&
        a.kind === 'get-range' &&
        e.path.includes('.range')
      )
        throw e.located(specOffset(apdu, i));
      locate(e, apdu, i, '');
    }
    setField(fields, a.object, a.member, v);
    i++;
  }
  if (i < apdu.requests.length) {
    const r = apdu.requests[i] as AccessRequestSpec;
    throw new UseCaseShapeError(
      `request ${r.kind} ${r.classId}/${toHex(r.obis)}/${r.id} is not part of ${row.useCase}`,
      `command[${i}]`,
      [],
      specOffset(apdu, i),
    );
  }
  return { header: header(apdu), fields };
}

function present(row: DlmsCommandRow, fields: Fields, prefix: string): DlmsAccess[] {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields))
    throw new UseCaseShapeError('expected an object', prefix);
  const known = new Set(row.accesses.map(label));
  const objects = new Set(row.accesses.map((a) => a.object));
  for (const [o, ms] of Object.entries(fields)) {
    if (!objects.has(o))
      throw new UseCaseShapeError(
        `not a field of ${row.useCase} (its fields: ${[...objects].join(', ')})`,
        `${prefix}.${o}`,
      );
    if (!ms || typeof ms !== 'object' || Array.isArray(ms))
      throw new UseCaseShapeError('expected an object', `${prefix}.${o}`);
    for (const m of Object.keys(ms))
      if (!known.has(`${o}.${m}`))
        throw new UseCaseShapeError(`not a field of ${row.useCase}`, `${prefix}.${o}.${m}`);
  }
  const out: DlmsAccess[] = [];
  for (const a of row.accesses) {
    const has = fields[a.object] !== undefined && a.member in (fields[a.object] as object);
    if (has) out.push(a);
    else if (!a.optional) throw new UseCaseShapeError('missing', `${prefix}.${label(a)}`);
  }
  return out;
}

export function encodeDlmsCommand(row: DlmsCommandRow, fields: Fields, h: DlmsHeader): Uint8Array {
  const accesses = present(row, fields, 'command');
  const requests: AccessRequestSpec[] = [];
  const data: DlmsData[] = [];
  for (const a of accesses) {
    const v = (fields[a.object] as Record<string, unknown>)[a.member];
    const path = `command.${label(a)}`;
    const spec: AccessRequestSpec = {
      kind: REQUEST_KIND[a.kind],
      classId: a.classId,
      obis: obisBytes(a.obis),
      id: a.id,
    };
    if (a.kind === 'get') {
      if (v !== null) throw new UseCaseShapeError('a get carries null', path);
      data.push({ type: 'null' });
    } else if (a.kind === 'get-range') {
      spec.selectiveAccess = { selector: 1, parameters: encodeData(rangeDescriptor, v, `${path}.range`) };
      data.push({ type: 'null' });
    } else {
      data.push(encodeData(a.schema, v, path));
    }
    requests.push(spec);
  }
  return encodeDlmsApdu({ apdu: 'access-request', ...headerBytes(h), requests, data });
}

// ---------------------------------------------------------------- responses

/** What a successful result carries: the attribute value of a get, the return data of some methods. */
function returnSchema(a: DlmsAccess): Schema | undefined {
  return a.kind === 'get' || a.kind === 'get-range' ? a.schema : a.returns;
}

function resultName(n: number): DlmsResult {
  return (DLMS_RESULT_NAMES[n] as DlmsResult | undefined) ?? n;
}

function resultNumber(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  if (typeof v === 'string' && RESULT_BY_NAME.has(v)) return RESULT_BY_NAME.get(v) as number;
  throw new UseCaseShapeError(`not a result: ${JSON.stringify(v)}`, path);
}

/**
 * The accesses a response answers: those of the command when known, else
 * the row's mandatory ones plus as many optional ones, in order, as the
 * result count needs (GBCS responses carry no descriptors).
 */
function answered(row: DlmsCommandRow, count: number, command?: Fields): DlmsAccess[] {
  if (command) return present(row, command, 'command');
  const mandatory = row.accesses.filter((a) => !a.optional).length;
  let optional = count - mandatory;
  return row.accesses.filter((a) => !a.optional || optional-- > 0);
}

export function decodeDlmsResponse(
  row: DlmsCommandRow,
  bytes: Uint8Array,
  command?: Fields,
): { header: DlmsHeader; fields: Fields } {
  const apdu = decodeDlmsApdu(bytes);
  if (apdu.apdu !== 'access-response')
    throw new UseCaseShapeError(
      `a ${row.useCase} response is an access-response, found ${apdu.apdu}`,
      'response',
      [],
      0,
    );
  const accesses = answered(row, apdu.results.length, command);
  const end = encodeDlmsApdu(apdu).length;
  if (apdu.requestSpecs)
    throw new UseCaseShapeError(
      'GBCS responses carry no request specification echo',
      'response',
      [],
      5 + apdu.dateTime.length,
    );
  if (apdu.results.length !== accesses.length || apdu.data.length !== accesses.length)
    throw new UseCaseShapeError(
      `${apdu.results.length} results and ${apdu.data.length} data for ${accesses.length} accesses`,
      'response',
      [],
      end,
    );
  const fields: Fields = {};
  accesses.forEach((a, i) => {
    const res = apdu.results[i] as DlmsAccessResponse['results'][number];
    const path = `response.${label(a)}`;
    if (res.kind !== RESPONSE_KIND[a.kind])
      throw new UseCaseShapeError(
        `expected a ${RESPONSE_KIND[a.kind]} result, found ${res.kind}`,
        path,
        [],
        end,
      );
    const out: { result: DlmsResult; value?: unknown } = { result: resultName(res.result) };
    const valueSchema = returnSchema(a);
    try {
      if (valueSchema && res.result === 0) {
        out.value = decodeData(valueSchema, apdu.data[i] as DlmsData, `${path}.value`, []);
      } else decodeData({ t: 'null' }, apdu.data[i] as DlmsData, `${path}.value`, []);
    } catch (e) {
      locate(e, apdu, i, '');
    }
    setField(fields, a.object, a.member, out);
  });
  return { header: header(apdu), fields };
}

export function encodeDlmsResponse(row: DlmsCommandRow, fields: Fields, h: DlmsHeader): Uint8Array {
  const accesses = present(row, fields, 'response');
  const data: DlmsData[] = [];
  const results: DlmsAccessResponse['results'] = [];
  for (const a of accesses) {
    const path = `response.${label(a)}`;
    const v = (fields[a.object] as Record<string, unknown>)[a.member] as {
      result?: unknown;
      value?: unknown;
    };
    if (!v || typeof v !== 'object') throw new UseCaseShapeError('expected {result, value?}', path);
    for (const k of Object.keys(v))
      if (k !== 'result' && k !== 'value') throw new UseCaseShapeError(`unknown field ${k}`, path);
    const result = resultNumber(v.result, `${path}.result`);
    const valueSchema = returnSchema(a);
    const carries = valueSchema !== undefined && result === 0;
    if (v.value !== undefined && !carries)
      throw new UseCaseShapeError(
        'only a successful get (or a method returning data) carries a value',
        `${path}.value`,
      );
    if (carries && v.value === undefined)
      throw new UseCaseShapeError('a successful get carries its value', `${path}.value`);
    data.push(carries ? encodeData(valueSchema, v.value, `${path}.value`) : { type: 'null' });
    results.push({ kind: RESPONSE_KIND[a.kind], result });
  }
  return encodeDlmsApdu({ apdu: 'access-response', ...headerBytes(h), data, results });
}

// ---------------------------------------------------------------- alerts

export function decodeDlmsAlert(
  row: DlmsAlertRow,
  bytes: Uint8Array,
): { header: DlmsHeader; fields: unknown } {
  const apdu = decodeDlmsApdu(bytes);
  if (apdu.apdu !== 'data-notification')
    throw new UseCaseShapeError(
      `a ${row.useCase} alert is a data-notification, found ${apdu.apdu}`,
      'alert',
      [],
      0,
    );
  let fields: unknown;
  try {
    fields = decodeData(row.body, apdu.body, 'alert', []);
  } catch (e) {
    locate(e, apdu, 0, '');
  }
  return { header: header(apdu), fields };
}

export function encodeDlmsAlert(row: DlmsAlertRow, fields: unknown, h: DlmsHeader): Uint8Array {
  return encodeDlmsApdu({
    apdu: 'data-notification',
    ...headerBytes(h),
    body: encodeData(row.body as Schema, fields, 'alert'),
  });
}

/** Sets `out[object][member]` (the nested named-field form). */
export function setField(
  out: Record<string, Record<string, unknown>>,
  object: string,
  member: string,
  v: unknown,
): void {
  const o = out[object] ?? {};
  o[member] = v;
  out[object] = o;
}
