/**
 * GBZ as named fields: every component of a GBZ payload (GBCS 7.2.10) as its
 * cluster and command names and the command's fields from the SE command
 * table (zcl-se.ts), or the general (profile-wide) commands' records; GBZ
 * alerts as their alert code, time and alert-specific fields. Decoding
 * leaves no unnamed remainder (anything not in the tables is a
 * GbcsFieldError with its path and offset); `encodeNamedGbz(decodeNamedGbz(x))`
 * gives x back byte for byte.
 *
 * Encrypted components (GBCS payload encryption) stay ciphertext here: their
 * `encrypted` part names the security header fields, the ciphertext and the
 * MAC; the plaintext is a ZCL payload of the same command once decrypted
 * (payload/index.ts decodeDecryptedBlock).
 */
import { toHex } from '../../runtime/bytes.ts';
import { GbcsError } from '../errors.ts';
import {
  decodeGbz,
  encodeGbz,
  GBZ_PROFILE_ID,
  type GbzAlertDetail,
  type GbzComponent,
  type GbzPayload,
} from './gbz.ts';
import { PayloadReader, PayloadWriter } from './io.ts';
import { readZclValue, writeZclValue, ZCL_FRAME, type ZclTypedValue, zcl, zclAttributeName } from './zcl.ts';
import { decodeZclFields, encodeZclFields, GbcsFieldError, hexBytes } from './zcl-fields.ts';
import { zclCluster, zclSeCommand, zclSeCommandByKey } from './zcl-se.ts';

/** The ZCL general commands GBZ carries (ZCL 2.5), by name. */
export const ZCL_GENERAL_COMMANDS = {
  readAttributes: 0x00,
  readAttributesResponse: 0x01,
  writeAttributes: 0x02,
  writeAttributesUndivided: 0x03,
  writeAttributesResponse: 0x04,
  writeAttributesNoResponse: 0x05,
  defaultResponse: 0x0b,
} as const;
export type ZclGeneralCommandName = keyof typeof ZCL_GENERAL_COMMANDS;
const GENERAL_BY_ID = new Map<number, ZclGeneralCommandName>(
  Object.entries(ZCL_GENERAL_COMMANDS).map(([k, v]) => [v, k as ZclGeneralCommandName]),
);

export interface ZclAttributeRef {
  id: number;
  /** the attribute's name, when known (ignored by the encoder) */
  name?: string;
}

/**
 * A typed ZCL attribute value as named fields carry it (JSON-friendly):
 * octet strings and fixed-size byte types (EUI64, data8..64, date, ToD) in
 * upper-case hex, 56/64-bit integers as bigint (a decimal string in JSON,
 * accepted so), character strings as text, arrays and structures as lists
 * of typed values.
 */
export interface ZclNamedValue {
  dataType: number;
  typeName: string;
  value: unknown;
}

export interface ZclAttributeRecordFields extends ZclAttributeRef {
  status?: number;
  value?: ZclNamedValue;
}

/** The fields of the general commands. */
export type ZclGeneralFields =
  | { attributes: ZclAttributeRef[] }
  | { records: ZclAttributeRecordFields[] }
  | { commandId: number; status: number };

export interface NamedGbzComponent {
  /** cluster name from the SE table (`prepayment`), or `0xNNNN` when not in it */
  cluster: string;
  /** general command name (`readAttributes`) or the SE command name (`consumerTopUp`) */
  command: string;
  frameControl: number;
  sequence: number;
  manufacturerCode?: number;
  /** From Date Time (UTCTime), when control bit 4 is set */
  fromDateTime?: number;
  /** Control bits other than 0, 1, 4 (kept so the byte round-trips; normally absent) */
  reservedControlBits?: number;
  /** The command's fields (plaintext components) */
  fields?: Record<string, unknown>;
  /** An encrypted component's protected part (ciphertext and MAC) */
  encrypted?: NamedEncryptedPart;
}

/** An encrypted component's protected part, ciphertext and MAC in upper-case hex. */
export interface NamedEncryptedPart {
  additionalHeaderControl: number;
  additionalFrameCounter: number;
  securityControl: number;
  invocationCounter: number;
  ciphertext: string;
  mac: string;
}

export type NamedGbzAlertDetail =
  | {
      kind: 'future-dated-response';
      messageCode: number;
      /** bigint when decoded; a decimal string (JSON) is accepted */
      originatorCounter: bigint | string;
      cluster: string;
      frameControl: number;
      commandId: number;
    }
  | { kind: 'firmware-hash'; hash: string }
  | { kind: 'user-interface-command'; command: number }
  | { kind: 'integrity-issue-warning'; warning: number };

export interface NamedGbz {
  /** GBZ alerts: the alert header */
  alert?: {
    code: number;
    /** UTCTime of the alert */
    time: number;
    /** the header's component count (an alert body that is not components still counts, e.g. 8F66: 1) */
    componentCount: number;
    detail?: NamedGbzAlertDetail;
  };
  components: NamedGbzComponent[];
}

function clusterName(id: number): string {
  return zclCluster(id)?.name ?? `0x${id.toString(16).toUpperCase().padStart(4, '0')}`;
}

function clusterIdOf(name: string, path: string): number {
  const c = zclCluster(name);
  if (c) return c.id;
  if (/^0x[0-9a-fA-F]{1,4}$/.test(name)) return Number.parseInt(name.slice(2), 16);
  throw new GbcsFieldError(`unknown cluster ${JSON.stringify(name)}`, path);
}

function attributeRef(clusterId: number, id: number): ZclAttributeRef {
  const name = zclAttributeName(clusterId, id);
  return name ? { id, name } : { id };
}

function decodeGeneral(
  clusterId: number,
  commandId: number,
  payload: Uint8Array,
  path: string,
  base: number,
) {
  const r = new PayloadReader(payload);
  const at = () => base + r.pos;
  try {
    let fields: ZclGeneralFields;
    switch (commandId) {
      case 0x00: {
        const attributes: ZclAttributeRef[] = [];
        while (!r.atEnd()) attributes.push(attributeRef(clusterId, r.u16le('attribute id')));
        fields = { attributes };
        break;
      }
      case 0x01: {
        const records: ZclAttributeRecordFields[] = [];
        while (!r.atEnd()) {
          const rec: ZclAttributeRecordFields = attributeRef(clusterId, r.u16le('attribute id'));
          rec.status = r.u8('status');
          if (rec.status === 0) rec.value = namedValue(readZclValue(r, r.u8('data type')));
          records.push(rec);
        }
        fields = { records };
        break;
      }
      case 0x02:
      case 0x03:
      case 0x05: {
        const records: ZclAttributeRecordFields[] = [];
        while (!r.atEnd()) {
          const rec: ZclAttributeRecordFields = attributeRef(clusterId, r.u16le('attribute id'));
          rec.value = namedValue(readZclValue(r, r.u8('data type')));
          records.push(rec);
        }
        fields = { records };
        break;
      }
      case 0x04: {
        const records: ZclAttributeRecordFields[] = [];
        while (!r.atEnd()) {
          const status = r.u8('status');
          // a lone SUCCESS means every attribute was written (ZCL 2.5.5)
          records.push(
            status === 0 && r.atEnd()
              ? ({ status } as ZclAttributeRecordFields)
              : { ...attributeRef(clusterId, r.u16le('attribute id')), status },
          );
        }
        fields = { records };
        break;
      }
      case 0x0b:
        fields = { commandId: r.u8('command id'), status: r.u8('status') };
        break;
      default:
        throw new GbcsFieldError(
          `general command 0x${commandId.toString(16)} is not one GBZ carries`,
          path,
          base,
        );
    }
    if (!r.atEnd()) throw new GbcsFieldError(`${r.remaining} byte(s) after the last field`, path, at());
    return fields;
  } catch (e) {
    if (e instanceof GbcsFieldError) throw e;
    if (e instanceof GbcsError) throw new GbcsFieldError(GbcsFieldError.detailOf(e), path, at());
    throw e;
  }
}

function encodeGeneral(commandId: number, fields: Record<string, unknown>, path: string): Uint8Array {
  const w = new PayloadWriter();
  const list = <T>(k: string): T[] => {
    const v = fields[k];
    if (!Array.isArray(v)) throw new GbcsFieldError('needs a list', `${path}.${k}`);
    return v as T[];
  };
  const id = (x: ZclAttributeRef, p: string) => {
    if (!Number.isInteger(x?.id) || x.id < 0 || x.id > 0xffff)
      throw new GbcsFieldError('attribute id 0..0xFFFF', `${p}.id`);
    return x.id;
  };
  const value = (v: ZclNamedValue | undefined, p: string) => {
    if (!v || typeof v.dataType !== 'number')
      throw new GbcsFieldError('needs a typed value {dataType, value}', p);
    try {
      w.u8(v.dataType);
      writeZclValue(w, typedValue(v, p));
    } catch (e) {
      if (e instanceof GbcsFieldError) throw e;
      throw new GbcsFieldError(e instanceof Error ? e.message : String(e), p);
    }
  };
  switch (commandId) {
    case 0x00:
      list<ZclAttributeRef>('attributes').forEach((a, i) => {
        w.u16le(id(a, `${path}.attributes[${i}]`));
      });
      break;
    case 0x01:
      list<ZclAttributeRecordFields>('records').forEach((a, i) => {
        const p = `${path}.records[${i}]`;
        const status = a.status ?? 0;
        w.u16le(id(a, p)).u8(status);
        if (status === 0) value(a.value, `${p}.value`);
      });
      break;
    case 0x02:
    case 0x03:
    case 0x05:
      list<ZclAttributeRecordFields>('records').forEach((a, i) => {
        const p = `${path}.records[${i}]`;
        w.u16le(id(a, p));
        value(a.value, `${p}.value`);
      });
      break;
    case 0x04:
      list<ZclAttributeRecordFields>('records').forEach((a, i) => {
        w.u8(a.status ?? 0);
        if (a.id !== undefined) w.u16le(id(a, `${path}.records[${i}]`));
      });
      break;
    case 0x0b: {
      const c = fields.commandId;
      const s = fields.status;
      if (typeof c !== 'number' || typeof s !== 'number')
        throw new GbcsFieldError('needs commandId and status', path);
      w.u8(c).u8(s);
      break;
    }
    default:
      throw new GbcsFieldError(`general command 0x${commandId.toString(16)} is not one GBZ carries`, path);
  }
  return w.finish();
}

const BYTE_TYPES = new Set([
  0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x38, 0x41, 0x43, 0xe0, 0xe1, 0xf0, 0xf1,
]);

/** ZclTypedValue (zcl.ts) -> JSON-friendly named value. */
export function namedValue(v: ZclTypedValue): ZclNamedValue {
  const x = v.value;
  const value = x instanceof Uint8Array ? toHex(x) : Array.isArray(x) ? x.map(namedValue) : x;
  return { dataType: v.dataType, typeName: v.typeName, value };
}

/** Named value -> ZclTypedValue for writeZclValue. */
export function typedValue(v: ZclNamedValue, path: string): ZclTypedValue {
  let x = v.value;
  if (Array.isArray(x)) x = x.map((e, i) => typedValue(e as ZclNamedValue, `${path}[${i}]`));
  else if (BYTE_TYPES.has(v.dataType) && typeof x === 'string') x = hexBytes(x, path);
  else if (typeof x === 'string' && /^-?\d+$/.test(x) && v.dataType >= 0x18 && v.dataType <= 0x2f)
    x = BigInt(x);
  const t = zcl.value(v.dataType, x as ZclTypedValue['value']);
  return t;
}

/** The command name and fields of one plaintext component. */
export function decodeComponentFields(
  clusterId: number,
  header: { frameControl: number; commandId: number; manufacturerCode?: number },
  payload: Uint8Array,
  path = 'component',
  base = 0,
): { command: string; fields: Record<string, unknown> } {
  if (header.manufacturerCode !== undefined)
    throw new GbcsFieldError('manufacturer-specific ZCL commands are not GBZ', path, base);
  if ((header.frameControl & 0x03) === 0) {
    const command = GENERAL_BY_ID.get(header.commandId);
    if (!command)
      throw new GbcsFieldError(
        `general command 0x${header.commandId.toString(16)} is not one GBZ carries`,
        path,
        base,
      );
    return {
      command,
      fields: decodeGeneral(clusterId, header.commandId, payload, path, base) as Record<string, unknown>,
    };
  }
  const toClient = (header.frameControl & ZCL_FRAME.SERVER_TO_CLIENT) !== 0;
  const found = zclSeCommand(clusterId, toClient, header.commandId);
  if (!found) {
    throw new GbcsFieldError(
      `no ${toClient ? 'server-to-client' : 'client-to-server'} command 0x${header.commandId.toString(16).padStart(2, '0')} of cluster 0x${clusterId.toString(16).padStart(4, '0')} in the SE command table`,
      path,
      base,
    );
  }
  return {
    command: found.command.name,
    fields: decodeZclFields(found.command.fields, payload, path, base) as Record<string, unknown>,
  };
}

/** The ZCL payload of one plaintext component from its command name and fields. */
export function encodeComponentFields(
  clusterId: number,
  frameControl: number,
  command: string,
  fields: Record<string, unknown>,
  path = 'component',
): { commandId: number; payload: Uint8Array } {
  if ((frameControl & 0x03) === 0) {
    const commandId = ZCL_GENERAL_COMMANDS[command as ZclGeneralCommandName];
    if (commandId === undefined) throw new GbcsFieldError(`${command} is no general command`, path);
    return { commandId, payload: encodeGeneral(commandId, fields, path) };
  }
  const cluster = zclCluster(clusterId);
  const found = cluster && zclSeCommandByKey(`${cluster.name}.${command}`);
  const toClient = (frameControl & ZCL_FRAME.SERVER_TO_CLIENT) !== 0;
  if (!found || found.serverToClient !== toClient)
    throw new GbcsFieldError(
      `no ${toClient ? 'server-to-client' : 'client-to-server'} command ${command} in cluster 0x${clusterId.toString(16)}`,
      path,
    );
  return {
    commandId: found.command.id,
    payload: encodeZclFields(found.command.fields, fields as never, path),
  };
}

/** Offsets of each component's ZCL payload in the GBZ payload (for error offsets). */
export function gbzPayloadOffsets(buf: Uint8Array, p: GbzPayload): number[] {
  const out: number[] = [];
  let o = p.alert ? 9 : 3;
  for (const c of p.components) {
    const len = (buf[o + 3] << 8) | buf[o + 4];
    let q = o + 5;
    if (c.fromDateTime !== undefined) q += 4;
    if (c.encrypted) q += 2;
    q += c.header.manufacturerCode === undefined ? 3 : 5;
    out.push(q);
    o += 5 + len;
  }
  return out;
}

function detailOf(d: GbzAlertDetail): NamedGbzAlertDetail {
  if (d.kind === 'firmware-hash') return { kind: d.kind, hash: toHex(d.hash) };
  if (d.kind !== 'future-dated-response') return d;
  return {
    kind: d.kind,
    messageCode: d.messageCode,
    originatorCounter: d.originatorCounter,
    cluster: clusterName(d.clusterId),
    frameControl: d.frameControl,
    commandId: d.commandId,
  };
}

/**
 * Decodes a GBZ payload to named components. `alert` as for decodeGbz. Throws
 * a GbcsFieldError (path, offset) when a component or an alert body is not in
 * the tables.
 */
export function decodeNamedGbz(buf: Uint8Array, alert?: boolean, path = 'gbz'): NamedGbz {
  const p = decodeGbz(buf, alert);
  const out: NamedGbz = { components: [] };
  if (p.alert) {
    out.alert = { code: p.alert.code, time: p.alert.time, componentCount: p.componentCount };
    if (p.alertDetail) out.alert.detail = detailOf(p.alertDetail);
    else if (p.alertBody?.length)
      throw new GbcsFieldError(
        `alert 0x${p.alert.code.toString(16)} body is in no known alert format`,
        `${path}.alert`,
        9,
      );
  }
  const offsets = gbzPayloadOffsets(buf, p);
  p.components.forEach((c, i) => {
    const cp = `${path}.components[${i}]`;
    const n: NamedGbzComponent = {
      cluster: clusterName(c.clusterId),
      command: '',
      frameControl: c.header.frameControl,
      sequence: c.header.sequence,
    };
    if (c.header.manufacturerCode !== undefined) n.manufacturerCode = c.header.manufacturerCode;
    if (c.fromDateTime !== undefined) n.fromDateTime = c.fromDateTime;
    if (c.reservedControlBits) n.reservedControlBits = c.reservedControlBits;
    if (c.encrypted) {
      const e = c.encrypted;
      n.encrypted = {
        additionalHeaderControl: e.additionalHeaderControl,
        additionalFrameCounter: e.additionalFrameCounter,
        securityControl: e.securityControl,
        invocationCounter: e.invocationCounter,
        ciphertext: toHex(e.ciphertext),
        mac: toHex(e.mac),
      };
      n.command = commandNameOf(c);
    } else {
      const f = decodeComponentFields(c.clusterId, c.header, c.payload!, `${cp}.fields`, offsets[i]);
      n.command = f.command;
      n.fields = f.fields;
    }
    out.components.push(n);
  });
  return out;
}

/** A component's command name: general (`readAttributes`) or SE (`consumerTopUp`), else `0xNN`. */
export function commandNameOf(c: Pick<GbzComponent, 'clusterId' | 'header'>): string {
  if ((c.header.frameControl & 0x03) === 0)
    return GENERAL_BY_ID.get(c.header.commandId) ?? `0x${c.header.commandId.toString(16)}`;
  const f = zclSeCommand(
    c.clusterId,
    (c.header.frameControl & ZCL_FRAME.SERVER_TO_CLIENT) !== 0,
    c.header.commandId,
  );
  return f?.command.name ?? `0x${c.header.commandId.toString(16)}`;
}

function commandIdOf(clusterId: number, n: NamedGbzComponent, path: string): number {
  if ((n.frameControl & 0x03) === 0) {
    const id = ZCL_GENERAL_COMMANDS[n.command as ZclGeneralCommandName];
    if (id !== undefined) return id;
  } else {
    const cluster = zclCluster(clusterId);
    const f = cluster && zclSeCommandByKey(`${cluster.name}.${n.command}`);
    if (f) return f.command.id;
  }
  if (/^0x[0-9a-f]{1,2}$/i.test(n.command)) return Number.parseInt(n.command.slice(2), 16);
  throw new GbcsFieldError(`unknown command ${JSON.stringify(n.command)}`, `${path}.command`);
}

/** Encodes named components (and alert header) back to a GBZ payload. */
export function encodeNamedGbz(g: NamedGbz, path = 'gbz'): Uint8Array {
  const components: GbzComponent[] = g.components.map((n, i) => {
    const cp = `${path}.components[${i}]`;
    const clusterId = clusterIdOf(n.cluster, `${cp}.cluster`);
    const header = {
      frameControl: n.frameControl,
      sequence: n.sequence,
      commandId: 0,
    } as GbzComponent['header'];
    if (n.manufacturerCode !== undefined) header.manufacturerCode = n.manufacturerCode;
    const c: GbzComponent = {
      last: i === g.components.length - 1,
      reservedControlBits: n.reservedControlBits ?? 0,
      clusterId,
      header,
    };
    if (n.fromDateTime !== undefined) c.fromDateTime = n.fromDateTime;
    if (n.encrypted) {
      header.commandId = commandIdOf(clusterId, n, cp);
      const e = n.encrypted;
      c.encrypted = {
        additionalHeaderControl: e.additionalHeaderControl,
        additionalFrameCounter: e.additionalFrameCounter,
        securityControl: e.securityControl,
        invocationCounter: e.invocationCounter,
        ciphertext: hexBytes(e.ciphertext, `${cp}.encrypted.ciphertext`),
        mac: hexBytes(e.mac, `${cp}.encrypted.mac`),
      };
    } else {
      const e = encodeComponentFields(clusterId, n.frameControl, n.command, n.fields ?? {}, `${cp}.fields`);
      header.commandId = e.commandId;
      c.payload = e.payload;
    }
    return c;
  });
  const p: GbzPayload = { profileId: GBZ_PROFILE_ID, componentCount: components.length, components };
  if (g.alert) {
    p.componentCount = g.alert.componentCount;
    p.alert = { code: g.alert.code, time: g.alert.time };
    const d = g.alert.detail;
    if (d) p.alertBody = alertBodyOf(d, `${path}.alert.detail`);
  }
  try {
    return encodeGbz(p);
  } catch (e) {
    throw new GbcsFieldError(e instanceof Error ? e.message : String(e), path);
  }
}

function counterOf(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if ((typeof v === 'string' && /^\d+$/.test(v)) || Number.isSafeInteger(v))
    return BigInt(v as string | number);
  throw new GbcsFieldError('needs an originator counter (integer)', path);
}

function alertBodyOf(d: NamedGbzAlertDetail, path: string): Uint8Array {
  const w = new PayloadWriter();
  switch (d.kind) {
    case 'future-dated-response':
      return w
        .u8(0x0e)
        .u16(d.messageCode)
        .u64(counterOf(d.originatorCounter, `${path}.originatorCounter`))
        .u16(clusterIdOf(d.cluster, `${path}.cluster`))
        .u8(d.frameControl)
        .u8(d.commandId)
        .finish();
    case 'firmware-hash': {
      const hash = hexBytes(d.hash, `${path}.hash`);
      if (hash.length !== 32) throw new GbcsFieldError('a firmware hash is 32 bytes', `${path}.hash`);
      return w.u8(0x09).u8(0x20).bytes(hash).finish();
    }
    case 'user-interface-command':
      return w.u16(d.command).finish();
    case 'integrity-issue-warning':
      return w.u16(d.warning).finish();
  }
}
