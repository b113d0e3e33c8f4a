/**
 * GBZ rows (GSME, GPF): a command is a list of ZCL commands, each a GBZ
 * component (GBCS 7.2.10) whose fields the SE command table declares
 * (payload/zcl-se.ts); the response is a list of components of the commands
 * the row allows (its response commands, or a Default Response in place of
 * any); an alert is the GBZ alert header and its alert-specific body.
 *
 * Named fields:
 * - command: `{ [component name]: fields }` (an array for a component that
 *   repeats, e.g. GCS16a's 31 Get Snapshot), typed from the SE table
 *   (GbzCommandFields<row>); the frame control and ZCL sequence number of each
 *   component are the header (defaults: the row's frame control, sequence =
 *   index, as the DCC builds them: RTDS);
 * - response: `{ components: [{ cluster, command, fields | encrypted }] }`,
 *   the header holding each component's frame control and sequence;
 * - alert: `{ alertCode, alertTime, ... the alert's own fields }`.
 */

import { decodeGbz, encodeGbz, type GbzComponent, type GbzPayload, gbzPayload } from '../payload/gbz.ts';
import {
  commandNameOf,
  decodeComponentFields,
  decodeNamedGbz,
  encodeComponentFields,
  encodeNamedGbz,
  gbzPayloadOffsets,
  type NamedEncryptedPart,
  type NamedGbz,
  type NamedGbzAlertDetail,
  type NamedGbzComponent,
  type ZclAttributeRef,
  type ZclGeneralCommandName,
} from '../payload/gbz-named.ts';
import type { ZclField, ZclFieldsOf } from '../payload/zcl-fields.ts';
import { GbcsFieldError } from '../payload/zcl-fields.ts';
import {
  type ZclClusterName,
  type ZclCommandFields,
  type ZclCommandKey,
  zclCluster,
  zclSeCommandByKey,
} from '../payload/zcl-se.ts';
import { UseCaseShapeError, UseCaseUnknownError } from './errors.ts';
import type { UseCaseRowBase } from './row.ts';

/** Frame controls GBCS uses (ZCL 2.4.1.1). */
export const FC = {
  /** general, client to server (Read Attributes) */
  generalToServer: 0x00,
  /** cluster-specific, client to server (Prepayment, Metering commands) */
  toServer: 0x01,
  /** general, server to client (Read Attributes Response, Default Response) */
  generalToClient: 0x08,
  /** cluster-specific, server to client (Price, Messaging, Calendar, Device Management publish commands) */
  toClient: 0x09,
  /** ... with disable default response (responses that are payload-encrypted) */
  generalToClientNoDefault: 0x18,
  toClientNoDefault: 0x19,
} as const;

export interface GbzComponentSpec {
  /** key of the component's fields in the command fields */
  readonly name: string;
  readonly cluster: ZclClusterName;
  /** SE command name (zcl-se.ts) or general command name (`readAttributes`) */
  readonly command: string;
  /** frame control as GBCS sends it (the direction bit must match the command) */
  readonly frameControl: number;
  /** readAttributes: the attribute ids the use case reads (default of `attributes`) */
  readonly attributes?: readonly number[];
  /** the component repeats (one or more in a row) */
  readonly repeated?: true;
  /**
   * the component may be absent (GBCS "0-1 instances"; with `repeated`, "0-n"): the field is then
   * left out (a repeated one: an empty list)
   */
  readonly optional?: true;
  /** the component carries a From Date Time (GBZ control bit 4), named `fromDateTime` in its fields */
  readonly fromDateTime?: true;
}

/** A response command the device may send (a Default Response may replace any component). */
export interface GbzResponseSpec {
  readonly cluster: ZclClusterName;
  readonly command: string;
  /** payload-encrypted for the business originator (GBCS 7.2.13; RTDS) */
  readonly encrypted?: true;
  /** frame control the device sends when it is not the usual one for the command (RTDS GCS03: 0x19) */
  readonly frameControl?: number;
}

export interface GbzCommandRow extends UseCaseRowBase {
  readonly family: 'gbz';
  readonly kind: 'command';
  readonly command: readonly GbzComponentSpec[];
  readonly response: readonly GbzResponseSpec[];
}

/** The body a GBZ alert carries after its header. */
export type GbzAlertBody =
  | 'none'
  | 'future-dated'
  | 'firmware-hash'
  | 'user-interface-command'
  | 'integrity-issue-warning'
  | 'components';

export interface GbzAlertRow extends UseCaseRowBase {
  readonly family: 'gbz';
  readonly kind: 'alert';
  readonly body: readonly GbzAlertBody[];
  /**
   * For a `components` body: the components the alert carries, in order, all of them (GCS53: one
   * payload-encrypted Publish Snapshot). Absent: any components.
   */
  readonly components?: readonly GbzResponseSpec[];
}

type GbzAlertRowView = {
  useCase: string;
  body?: readonly GbzAlertBody[];
  components?: readonly GbzResponseSpec[];
};

/** The components of an alert checked against its row's component list (when the row has one). */
function checkAlertComponents(
  row: GbzAlertRowView,
  components: readonly { cluster: string; command: string; encrypted?: unknown }[],
): void {
  const want = row.components;
  if (!want) return;
  if (components.length !== want.length)
    throw new UseCaseShapeError(
      `${row.useCase} carries ${want.length} component(s), not ${components.length}`,
      'alert.components',
    );
  components.forEach((c, i) => {
    const w = want[i];
    if (c.cluster !== w.cluster || c.command !== w.command || !!c.encrypted !== !!w.encrypted)
      throw new UseCaseShapeError(
        `${row.useCase} component ${i} is ${w.cluster}.${w.command}${w.encrypted ? ' (encrypted)' : ''}, not ${c.cluster}.${c.command}${c.encrypted ? ' (encrypted)' : ''}`,
        `alert.components[${i}]`,
      );
  });
}

/**
 * A use case GBCS defines whose ZCL commands could not be established here:
 * listed with its facts (code, SRV, roles), `payloadUnknown`; the engine
 * refuses to encode or decode it (UseCaseUnknownError), never a guess.
 */
export interface GbzUnknownPayloadRow extends UseCaseRowBase {
  readonly family: 'gbz';
  readonly kind: 'command';
  readonly payloadUnknown: true;
}

export type GbzRow = GbzCommandRow | GbzAlertRow | GbzUnknownPayloadRow;

// ---------------------------------------------------------------- types derived from rows

type SeCommandFields<C extends string, N extends string> = `${C}.${N}` extends ZclCommandKey
  ? ZclCommandFields<`${C}.${N}`> extends infer F extends readonly ZclField[]
    ? ZclFieldsOf<F>
    : never
  : never;

type GeneralFields<N extends string> = N extends 'readAttributes'
  ? { attributes?: ZclAttributeRef[] }
  : N extends ZclGeneralCommandName
    ? Record<string, unknown>
    : never;

type ComponentFields<S extends GbzComponentSpec> = (S['command'] extends ZclGeneralCommandName
  ? GeneralFields<S['command']>
  : SeCommandFields<S['cluster'], S['command']>) &
  (S extends { fromDateTime: true } ? { fromDateTime: number } : unknown);

type SpecValue<S extends GbzComponentSpec> = S extends { repeated: true }
  ? ComponentFields<S>[]
  : ComponentFields<S>;

/** Named command fields of a GBZ row (an optional, not repeated component is an optional key). */
export type GbzCommandFields<R extends GbzCommandRow> = {
  [S in R['command'][number] as S extends { optional: true; repeated?: undefined }
    ? never
    : S['name']]: SpecValue<S>;
} & {
  [S in R['command'][number] as S extends { optional: true; repeated?: undefined }
    ? S['name']
    : never]?: SpecValue<S>;
};

export interface GbzResponseComponent {
  cluster: string;
  command: string;
  fields?: Record<string, unknown>;
  encrypted?: NamedEncryptedPart;
}

export interface GbzResponseFields {
  components: GbzResponseComponent[];
}

export interface GbzAlertFields {
  alertCode: number;
  /** UTCTime (seconds since 2000) */
  alertTime: number;
  detail?: NamedGbzAlertDetail;
  components?: GbzResponseComponent[];
}

/**
 * Per component: frame control, ZCL sequence number, reserved control bits if
 * any. Decoding gives all of them; to encode, an absent frame control is the
 * row's and an absent sequence the component's index.
 */
export interface GbzComponentHeader {
  frameControl?: number;
  sequence?: number;
  reservedControlBits?: number;
}

export interface GbzHeader {
  components?: GbzComponentHeader[];
  /** alerts: the header's component count */
  componentCount?: number;
}

// ---------------------------------------------------------------- row builders

export function gbzCommand<const R extends Omit<GbzCommandRow, 'family' | 'kind'>>(r: R) {
  for (const c of r.command) checkSpec(r.useCase, c.cluster, c.command, c.frameControl);
  for (const c of r.response) checkSpec(r.useCase, c.cluster, c.command);
  return { ...r, family: 'gbz', kind: 'command' } as const;
}

export function gbzPayloadUnknown<
  const R extends Omit<GbzUnknownPayloadRow, 'family' | 'kind' | 'payloadUnknown'>,
>(r: R) {
  return { ...r, family: 'gbz', kind: 'command', payloadUnknown: true } as const;
}

export function gbzAlert<const R extends Omit<GbzAlertRow, 'family' | 'kind'>>(r: R) {
  return { ...r, family: 'gbz', kind: 'alert' } as const;
}

function checkSpec(useCase: string, cluster: string, command: string, frameControl?: number): void {
  const cl = zclCluster(cluster);
  if (!cl) throw new Error(`catalogue: ${useCase}: no cluster ${cluster}`);
  if (GENERAL.has(command)) {
    if (frameControl !== undefined && (frameControl & 0x03) !== 0)
      throw new Error(
        `catalogue: ${useCase}: ${command} is a general command, frame control 0x${frameControl.toString(16)}`,
      );
    return;
  }
  const f = zclSeCommandByKey(`${cluster}.${command}`);
  if (!f) throw new Error(`catalogue: ${useCase}: no command ${cluster}.${command} in the SE table`);
  if (
    frameControl !== undefined &&
    (((frameControl & 0x08) !== 0) !== f.serverToClient || (frameControl & 0x03) !== 1)
  )
    throw new Error(
      `catalogue: ${useCase}: frame control 0x${frameControl.toString(16)} does not fit ${cluster}.${command}`,
    );
}

const GENERAL = new Set<string>([
  'readAttributes',
  'readAttributesResponse',
  'writeAttributes',
  'writeAttributesUndivided',
  'writeAttributesResponse',
  'writeAttributesNoResponse',
  'defaultResponse',
]);

// ---------------------------------------------------------------- codec

function shape(e: unknown, prefix: string): UseCaseShapeError {
  if (e instanceof UseCaseShapeError) return e;
  if (e instanceof GbcsFieldError)
    return new UseCaseShapeError(e.detail, e.path, [], e.offset).located(e.offset, prefix);
  const m = e instanceof Error ? e.message : String(e);
  const off = (e as { offset?: number }).offset;
  return new UseCaseShapeError(m, prefix.replace(/\.$/, '') || 'payload', [], off);
}

function componentHeader(n: NamedGbzComponent): GbzComponentHeader {
  const h: GbzComponentHeader = { frameControl: n.frameControl, sequence: n.sequence };
  if (n.reservedControlBits) h.reservedControlBits = n.reservedControlBits;
  return h;
}

/** A component as the structural codec gives it, named (cluster, command). */
function named(c: GbzComponent): { cluster: string; command: string } {
  return {
    cluster: zclCluster(c.clusterId)?.name ?? `0x${c.clusterId.toString(16)}`,
    command: commandNameOf(c),
  };
}

function fitsSpec(c: GbzComponent, s: GbzComponentSpec): boolean {
  const n = named(c);
  return (
    n.cluster === s.cluster &&
    n.command === s.command &&
    ((c.header.frameControl ^ s.frameControl) & 0x0b) === 0
  );
}

/**
 * Decodes a GBZ command to named fields by its row: components in row order
 * (a repeated one as a list), each decoded by its SE command's fields; a
 * mismatch names the component (`command.priceMatrix.entries[2].price`) and
 * its byte offset.
 */
export function decodeGbzCommand(
  row: GbzCommandRow,
  bytes: Uint8Array,
): { header: GbzHeader; fields: Record<string, unknown> } {
  let p: GbzPayload;
  try {
    p = decodeGbz(bytes, false);
  } catch (e) {
    throw shape(e, '');
  }
  const offsets = gbzPayloadOffsets(bytes, p);
  const fields: Record<string, unknown> = {};
  let i = 0;
  for (const s of row.command) {
    const got: Record<string, unknown>[] = [];
    while (i < p.components.length && fitsSpec(p.components[i], s) && (s.repeated || got.length === 0)) {
      const c = p.components[i];
      const path = `command.${s.name}${s.repeated ? `[${got.length}]` : ''}`;
      if (c.encrypted)
        throw new UseCaseShapeError('a command component is never encrypted', path, [], offsets[i]);
      if (!!s.fromDateTime !== (c.fromDateTime !== undefined))
        throw new UseCaseShapeError(
          s.fromDateTime ? 'From Date Time missing' : 'unexpected From Date Time',
          path,
          [],
          offsets[i],
        );
      let f: Record<string, unknown>;
      try {
        f = { ...decodeComponentFields(c.clusterId, c.header, c.payload!, path, offsets[i]).fields };
      } catch (e) {
        throw shape(e, '');
      }
      if (c.fromDateTime !== undefined) f.fromDateTime = c.fromDateTime;
      got.push(f);
      i++;
    }
    if (got.length === 0 && s.optional) {
      if (s.repeated) fields[s.name] = [];
      continue;
    }
    if (got.length === 0) {
      const c = p.components[i];
      const n = c && named(c);
      throw new UseCaseShapeError(
        n
          ? `expected ${s.cluster}.${s.command}, found ${n.cluster}.${n.command} (frame control 0x${c.header.frameControl.toString(16)})`
          : `${s.cluster}.${s.command} missing`,
        `command.${s.name}`,
        [],
        c ? offsets[i] : bytes.length,
      );
    }
    fields[s.name] = s.repeated ? got : got[0];
  }
  if (i < p.components.length)
    throw new UseCaseShapeError(
      `${p.components.length - i} component(s) after the last one of ${row.useCase}`,
      `command.components[${i}]`,
      [],
      offsets[i],
    );
  return { header: { components: p.components.map(structuralHeader) }, fields };
}

function structuralHeader(c: GbzComponent): GbzComponentHeader {
  const h: GbzComponentHeader = { frameControl: c.header.frameControl, sequence: c.header.sequence };
  if (c.reservedControlBits) h.reservedControlBits = c.reservedControlBits;
  return h;
}

/** Encodes a GBZ command from named fields (header defaults: the row's frame controls, sequence = index). */
export function encodeGbzCommand(
  row: GbzCommandRow,
  fields: Record<string, unknown>,
  header?: GbzHeader,
): Uint8Array {
  if (!fields || typeof fields !== 'object')
    throw new UseCaseShapeError('needs an object of component fields', 'command');
  const known = new Set(row.command.map((s) => s.name));
  for (const k of Object.keys(fields))
    if (!known.has(k)) throw new UseCaseShapeError(`no component ${k} in ${row.useCase}`, `command.${k}`);
  const comps: GbzComponent[] = [];
  for (const s of row.command) {
    const v = fields[s.name];
    if (v === undefined && s.optional) continue;
    if (v === undefined) throw new UseCaseShapeError('missing', `command.${s.name}`);
    const list = s.repeated ? v : [v];
    if (!Array.isArray(list) || (list.length === 0 && !s.optional))
      throw new UseCaseShapeError(
        s.repeated ? 'needs a non-empty list' : 'needs fields',
        `command.${s.name}`,
      );
    (list as Record<string, unknown>[]).forEach((item, k) => {
      const path = `command.${s.name}${s.repeated ? `[${k}]` : ''}`;
      if (!item || typeof item !== 'object') throw new UseCaseShapeError('needs fields', path);
      const { fromDateTime, ...rest } = item;
      const idx = comps.length;
      const h = header?.components?.[idx];
      const frameControl = h?.frameControl ?? s.frameControl;
      const clusterId = zclCluster(s.cluster)!.id;
      const own =
        s.command === 'readAttributes' && rest.attributes === undefined
          ? { attributes: (s.attributes ?? []).map((id) => ({ id })) }
          : rest;
      let e: { commandId: number; payload: Uint8Array };
      try {
        e = encodeComponentFields(clusterId, frameControl, s.command, own, path);
      } catch (err) {
        throw shape(err, '');
      }
      const c: GbzComponent = {
        last: false,
        reservedControlBits: h?.reservedControlBits ?? 0,
        clusterId,
        header: { frameControl, sequence: h?.sequence ?? idx, commandId: e.commandId },
        payload: e.payload,
      };
      if (s.fromDateTime) {
        if (
          typeof fromDateTime !== 'number' ||
          !Number.isInteger(fromDateTime) ||
          fromDateTime < 0 ||
          fromDateTime > 0xffffffff
        )
          throw new UseCaseShapeError('needs fromDateTime (UTCTime)', `${path}.fromDateTime`);
        c.fromDateTime = fromDateTime;
      } else if (fromDateTime !== undefined) {
        throw new UseCaseShapeError('this component has no From Date Time', `${path}.fromDateTime`);
      }
      comps.push(c);
    });
  }
  try {
    return encodeGbz(gbzPayload(comps));
  } catch (e) {
    throw shape(e, 'command');
  }
}

function allowedResponse(row: GbzCommandRow, n: NamedGbzComponent): boolean {
  if (n.command === 'defaultResponse')
    return (
      row.command.some((s) => s.cluster === n.cluster) || row.response.some((s) => s.cluster === n.cluster)
    );
  return row.response.some(
    (s) => s.cluster === n.cluster && s.command === n.command && !!s.encrypted === !!n.encrypted,
  );
}

/** Decodes a GBZ response; each component must be one the row allows (or a Default Response). */
export function decodeGbzResponse(
  row: GbzCommandRow,
  bytes: Uint8Array,
): { header: GbzHeader; fields: GbzResponseFields } {
  let g: NamedGbz;
  try {
    g = decodeNamedGbz(bytes, false, 'response');
  } catch (e) {
    throw shape(e, '');
  }
  const components = g.components.map((n, i): GbzResponseComponent => {
    if (!allowedResponse(row, n))
      throw new UseCaseShapeError(
        `${n.cluster}.${n.command}${n.encrypted ? ' (encrypted)' : ''} is not a response of ${row.useCase}`,
        `response.components[${i}]`,
      );
    if (n.fromDateTime !== undefined || n.manufacturerCode !== undefined)
      throw new UseCaseShapeError(
        'unexpected From Date Time / manufacturer code',
        `response.components[${i}]`,
      );
    const c: GbzResponseComponent = { cluster: n.cluster, command: n.command };
    if (n.encrypted) c.encrypted = n.encrypted;
    else c.fields = n.fields ?? {};
    return c;
  });
  return { header: { components: g.components.map(componentHeader) }, fields: { components } };
}

const RESPONSE_FC = (c: GbzResponseComponent, row: GbzCommandRow): number => {
  const spec = row.response.find(
    (s) => s.cluster === c.cluster && s.command === c.command && !!s.encrypted === !!c.encrypted,
  );
  if (spec?.frameControl !== undefined) return spec.frameControl;
  if (c.command === 'defaultResponse') {
    // the Default Response answers in the direction opposite to the command it answers (RTDS GCS01b: 0x00; GCS40a: 0x08)
    const s = row.command.find((x) => x.cluster === c.cluster);
    return s && s.frameControl & 0x08 ? FC.generalToServer : FC.generalToClient;
  }
  if (GENERAL.has(c.command)) return c.encrypted ? FC.generalToClientNoDefault : FC.generalToClient;
  const f = zclSeCommandByKey(`${c.cluster}.${c.command}`);
  const toClient = f?.serverToClient ?? true;
  return (toClient ? 0x09 : 0x01) | (c.encrypted ? 0x10 : 0);
};

/** Encodes a GBZ response (header defaults: the usual frame control per command, sequence = index). */
export function encodeGbzResponse(
  row: GbzCommandRow,
  fields: GbzResponseFields,
  header?: GbzHeader,
): Uint8Array {
  if (!fields || !Array.isArray(fields.components))
    throw new UseCaseShapeError('needs components', 'response.components');
  const comps = fields.components.map((c, i): NamedGbzComponent => {
    const h = header?.components?.[i];
    const n: NamedGbzComponent = {
      cluster: c.cluster,
      command: c.command,
      frameControl: h?.frameControl ?? RESPONSE_FC(c, row),
      sequence: h?.sequence ?? i,
    };
    if (!allowedResponse(row, n) && !(c.encrypted && allowedResponse(row, { ...n, encrypted: c.encrypted })))
      throw new UseCaseShapeError(
        `${c.cluster}.${c.command} is not a response of ${row.useCase}`,
        `response.components[${i}]`,
      );
    if (h?.reservedControlBits) n.reservedControlBits = h.reservedControlBits;
    if (c.encrypted) n.encrypted = c.encrypted;
    else n.fields = c.fields ?? {};
    return n;
  });
  try {
    return encodeNamedGbz({ components: comps }, 'response');
  } catch (e) {
    throw shape(e, '');
  }
}

const BODY_OF_DETAIL: Record<NamedGbzAlertDetail['kind'], GbzAlertBody> = {
  'future-dated-response': 'future-dated',
  'firmware-hash': 'firmware-hash',
  'user-interface-command': 'user-interface-command',
  'integrity-issue-warning': 'integrity-issue-warning',
};

/** Decodes a GBZ alert (header and alert-specific body) by its row. */
export function decodeGbzAlert(
  row: GbzAlertRowView,
  bytes: Uint8Array,
): { header: GbzHeader; fields: GbzAlertFields } {
  let g: NamedGbz;
  try {
    g = decodeNamedGbz(bytes, true, 'alert');
  } catch (e) {
    throw shape(e, '');
  }
  const a = g.alert!;
  const body: GbzAlertBody = a.detail
    ? BODY_OF_DETAIL[a.detail.kind]
    : g.components.length
      ? 'components'
      : 'none';
  const allowed = row.body ?? ['none', 'user-interface-command', 'integrity-issue-warning'];
  if (!allowed.includes(body))
    throw new UseCaseShapeError(
      `a ${body} alert body is not one ${row.useCase} carries`,
      'alert.body',
      [],
      9,
    );
  checkAlertComponents(row, g.components);
  const fields: GbzAlertFields = { alertCode: a.code, alertTime: a.time };
  if (a.detail) fields.detail = a.detail;
  if (g.components.length) {
    fields.components = g.components.map((n) => {
      const c: GbzResponseComponent = { cluster: n.cluster, command: n.command };
      if (n.encrypted) c.encrypted = n.encrypted;
      else c.fields = n.fields ?? {};
      return c;
    });
  }
  const header: GbzHeader = { componentCount: a.componentCount };
  if (g.components.length) header.components = g.components.map(componentHeader);
  return { header, fields };
}

/**
 * Encodes a GBZ alert. Header: the component count (default: 1 with a body or components, else 0: RTDS).
 * With its row, the components are checked against the row's list and take its frame controls.
 */
export function encodeGbzAlert(
  fields: GbzAlertFields,
  header?: GbzHeader,
  row?: GbzAlertRowView,
): Uint8Array {
  if (!fields || typeof fields.alertCode !== 'number' || typeof fields.alertTime !== 'number')
    throw new UseCaseShapeError('needs alertCode and alertTime', 'alert');
  if (row) checkAlertComponents(row, fields.components ?? []);
  const components = (fields.components ?? []).map((c, i): NamedGbzComponent => {
    const h = header?.components?.[i];
    const n: NamedGbzComponent = {
      cluster: c.cluster,
      command: c.command,
      frameControl: h?.frameControl ?? row?.components?.[i]?.frameControl ?? FC.toClient,
      sequence: h?.sequence ?? i,
    };
    if (c.encrypted) n.encrypted = c.encrypted;
    else n.fields = c.fields ?? {};
    return n;
  });
  const count =
    header?.componentCount ?? (fields.detail || components.length ? Math.max(1, components.length) : 0);
  const alert: NamedGbz['alert'] = { code: fields.alertCode, time: fields.alertTime, componentCount: count };
  if (fields.detail) alert.detail = fields.detail;
  try {
    return encodeNamedGbz({ alert, components }, 'alert');
  } catch (e) {
    throw shape(e, '');
  }
}

/** Leaf fields of a GBZ row, for listings. */
export function gbzLeaves(
  row: GbzRow,
  kind: 'command' | 'response' | 'alert',
): { path: string; type: string; unit?: string }[] {
  if (row.kind === 'alert')
    return kind === 'alert'
      ? [
          { path: 'alertCode', type: 'uint16' },
          { path: 'alertTime', type: 'utc', unit: 'UTCTime' },
        ]
      : [];
  if (kind === 'alert' || 'payloadUnknown' in row) return [];
  if (kind === 'command')
    return row.command.flatMap((s) =>
      specLeaves(s.cluster, s.command, `${s.name}${s.repeated ? '[]' : ''}`, s.fromDateTime),
    );
  // response fields are `components[i]` of any allowed command: paths as the decoded fields have them, the command in the type
  return row.response.flatMap((s) =>
    s.encrypted
      ? [{ path: 'components[].encrypted', type: `${s.cluster}.${s.command}: ciphertext, MAC` }]
      : specLeaves(s.cluster, s.command, 'components[].fields').map((l) => ({
          ...l,
          type: `${s.cluster}.${s.command}: ${l.type}`,
        })),
  );
}

function specLeaves(
  cluster: string,
  command: string,
  base: string,
  fromDateTime?: true,
): { path: string; type: string; unit?: string }[] {
  const out: { path: string; type: string; unit?: string }[] = [];
  if (fromDateTime) out.push({ path: `${base}.fromDateTime`, type: 'utc', unit: 'UTCTime' });
  if (command === 'readAttributes') return [...out, { path: `${base}.attributes`, type: 'attribute ids' }];
  if (command === 'readAttributesResponse')
    return [...out, { path: `${base}.records`, type: 'attribute records' }];
  const f = zclSeCommandByKey(`${cluster}.${command}`);
  const walk = (fields: readonly ZclField[], p: string) => {
    for (const x of fields) {
      if (x.type === 'records') walk(x.fields, `${p}.${x.name}[]`);
      else
        out.push({
          path: `${p}.${x.name}`,
          type: x.type === 'list' ? `${x.of}[]` : x.type,
          ...('unit' in x && x.unit ? { unit: x.unit } : {}),
        });
    }
  };
  if (f) walk(f.command.fields, base);
  return out;
}

// ---------------------------------------------------------------- the family codec the engine registers

type PayloadKind = 'command' | 'response' | 'alert';

function commandRowOf(row: { useCase: string; kind: string }, kind: PayloadKind): GbzCommandRow {
  if ('payloadUnknown' in row)
    throw new UseCaseUnknownError(`${row.useCase}: its GBZ commands are not catalogued`);
  if (row.kind !== 'command') throw new UseCaseUnknownError(`${row.useCase} is an alert: it has no ${kind}`);
  return row as GbzCommandRow;
}

/**
 * The GBZ family for the catalogue engine (index.ts FamilyCodec). Alert rows
 * of other families with `altFamily: 'gbz'` (the generic alerts) decode here
 * when their bytes are GBZ: header-only or the GBZ alert bodies.
 */
export const gbzFamily = {
  decode(row: UseCaseRowBase, kind: PayloadKind, bytes: Uint8Array): { header: unknown; fields: unknown } {
    if (kind === 'alert') {
      if (row.kind !== 'alert')
        throw new UseCaseUnknownError(`${row.useCase} is a command: it has no alert payload`);
      // a generic alert row of another family (altFamily 'gbz') carries no GBZ body list: header-only or the common bodies
      return decodeGbzAlert(row.family === 'gbz' ? (row as GbzAlertRow) : { useCase: row.useCase }, bytes);
    }
    const r = commandRowOf(row, kind);
    return kind === 'command' ? decodeGbzCommand(r, bytes) : decodeGbzResponse(r, bytes);
  },
  encode(row: UseCaseRowBase, kind: PayloadKind, fields: unknown, header: unknown): Uint8Array {
    const h = (header ?? {}) as GbzHeader;
    if (kind === 'alert') {
      if (row.kind !== 'alert')
        throw new UseCaseUnknownError(`${row.useCase} is a command: it has no alert payload`);
      return encodeGbzAlert(
        fields as GbzAlertFields,
        h,
        row.family === 'gbz' ? (row as GbzAlertRow) : { useCase: row.useCase },
      );
    }
    const r = commandRowOf(row, kind);
    return kind === 'command'
      ? encodeGbzCommand(r, fields as Record<string, unknown>, h)
      : encodeGbzResponse(r, fields as GbzResponseFields, h);
  },
  /** GBZ has no header derived from the counter: components default to the row's frame controls, sequence = index. */
  headerFor(_originatorCounter: bigint): GbzHeader {
    return {};
  },
  leaves(row: UseCaseRowBase, kind: PayloadKind) {
    return row.family === 'gbz'
      ? gbzLeaves(row as GbzRow, kind)
      : kind === 'alert'
        ? gbzLeaves({ ...row, family: 'gbz', kind: 'alert', body: [] } as GbzAlertRow, kind)
        : [];
  },
};
