/**
 * The ZigBee SE Tunneling cluster (0x0704) commands, both directions
 * (HAN.md "Tunneling cluster commands"). Command ids overlap between
 * directions; the ZCL direction bit tells them apart. The codec is a table:
 * one row per command, fields in order, so encoders, decoders and the
 * command-id lookup all come from the same data.
 */
import { ZigbeeMalformedError, ZigbeeUnsupportedError } from './errors.ts';
import { ByteWriter, readBool, readU8, readU16le } from './wire.ts';
import { decodeZclHeader, writeZclHeader, type ZclDirection, type ZclHeader } from './zcl.ts';

export const TUNNELING_CLUSTER_ID = 0x0704;

/** Tunneling cluster server attribute 0x0000: CloseTunnelTimeout, u16 seconds. */
export const TUNNEL_ATTR_CLOSE_TUNNEL_TIMEOUT = 0x0000;

/** GB-HRGP protocol id, manufacturer code 0xFFFF and 1500-byte transfers as GBCS uses the tunnel (HAN.md). */
export const GBCS_TUNNEL_PROTOCOL_ID = 6;
export const GBCS_TUNNEL_MANUFACTURER_CODE = 0xffff;
export const GBCS_MAX_INCOMING_TRANSFER_SIZE = 1500;

/** RequestTunnelResponse status. */
export const TunnelStatus = {
  Success: 0,
  Busy: 1,
  NoMoreTunnelIds: 2,
  ProtocolNotSupported: 3,
  FlowControlNotSupported: 4,
} as const;
export type TunnelStatus = (typeof TunnelStatus)[keyof typeof TunnelStatus];

/** TransferDataError status. */
export const TransferDataStatus = {
  NoSuchTunnel: 0,
  WrongDevice: 1,
  DataOverflow: 2,
} as const;
export type TransferDataStatus = (typeof TransferDataStatus)[keyof typeof TransferDataStatus];

export interface TunnelProtocol {
  manufacturerCode: number;
  protocolId: number;
}

export type TunnelCommand =
  | {
      dir: 'c2s';
      cmd: 'RequestTunnel';
      protocolId: number;
      manufacturerCode: number;
      flowControlSupport: boolean;
      maxIncomingTransferSize: number;
    }
  | { dir: 'c2s'; cmd: 'CloseTunnel'; tunnelId: number }
  | { dir: 'c2s'; cmd: 'TransferData'; tunnelId: number; data: Uint8Array }
  | { dir: 'c2s'; cmd: 'TransferDataError'; tunnelId: number; status: TransferDataStatus }
  | { dir: 'c2s'; cmd: 'AckTransferData'; tunnelId: number; bytesLeft: number }
  | { dir: 'c2s'; cmd: 'ReadyData'; tunnelId: number; octetsLeft: number }
  | { dir: 'c2s'; cmd: 'GetSupportedTunnelProtocols'; protocolOffset: number }
  | {
      dir: 's2c';
      cmd: 'RequestTunnelResponse';
      tunnelId: number;
      status: TunnelStatus;
      maxIncomingTransferSize: number;
    }
  | { dir: 's2c'; cmd: 'TransferData'; tunnelId: number; data: Uint8Array }
  | { dir: 's2c'; cmd: 'TransferDataError'; tunnelId: number; status: TransferDataStatus }
  | { dir: 's2c'; cmd: 'AckTransferData'; tunnelId: number; bytesLeft: number }
  | { dir: 's2c'; cmd: 'ReadyData'; tunnelId: number; octetsLeft: number }
  | {
      dir: 's2c';
      cmd: 'SupportedTunnelProtocolsResponse';
      listComplete: boolean;
      protocols: TunnelProtocol[];
    }
  | { dir: 's2c'; cmd: 'TunnelClosureNotification'; tunnelId: number };

export type TunnelCommandName = TunnelCommand['cmd'];

type FieldType = 'u8' | 'u16' | 'bool' | 'data' | 'tunnelStatus' | 'transferDataStatus' | 'protocolList';
type FieldSpec = readonly [name: string, type: FieldType];
interface CommandSpec {
  dir: ZclDirection;
  id: number;
  cmd: TunnelCommandName;
  fields: readonly FieldSpec[];
}

/** HAN.md table, row for row. */
export const TUNNEL_COMMANDS: readonly CommandSpec[] = [
  {
    dir: 'c2s',
    id: 0x00,
    cmd: 'RequestTunnel',
    fields: [
      ['protocolId', 'u8'],
      ['manufacturerCode', 'u16'],
      ['flowControlSupport', 'bool'],
      ['maxIncomingTransferSize', 'u16'],
    ],
  },
  { dir: 'c2s', id: 0x01, cmd: 'CloseTunnel', fields: [['tunnelId', 'u16']] },
  {
    dir: 'c2s',
    id: 0x02,
    cmd: 'TransferData',
    fields: [
      ['tunnelId', 'u16'],
      ['data', 'data'],
    ],
  },
  {
    dir: 'c2s',
    id: 0x03,
    cmd: 'TransferDataError',
    fields: [
      ['tunnelId', 'u16'],
      ['status', 'transferDataStatus'],
    ],
  },
  {
    dir: 'c2s',
    id: 0x04,
    cmd: 'AckTransferData',
    fields: [
      ['tunnelId', 'u16'],
      ['bytesLeft', 'u16'],
    ],
  },
  {
    dir: 'c2s',
    id: 0x05,
    cmd: 'ReadyData',
    fields: [
      ['tunnelId', 'u16'],
      ['octetsLeft', 'u16'],
    ],
  },
  { dir: 'c2s', id: 0x06, cmd: 'GetSupportedTunnelProtocols', fields: [['protocolOffset', 'u8']] },
  {
    dir: 's2c',
    id: 0x00,
    cmd: 'RequestTunnelResponse',
    fields: [
      ['tunnelId', 'u16'],
      ['status', 'tunnelStatus'],
      ['maxIncomingTransferSize', 'u16'],
    ],
  },
  {
    dir: 's2c',
    id: 0x01,
    cmd: 'TransferData',
    fields: [
      ['tunnelId', 'u16'],
      ['data', 'data'],
    ],
  },
  {
    dir: 's2c',
    id: 0x02,
    cmd: 'TransferDataError',
    fields: [
      ['tunnelId', 'u16'],
      ['status', 'transferDataStatus'],
    ],
  },
  {
    dir: 's2c',
    id: 0x03,
    cmd: 'AckTransferData',
    fields: [
      ['tunnelId', 'u16'],
      ['bytesLeft', 'u16'],
    ],
  },
  {
    dir: 's2c',
    id: 0x04,
    cmd: 'ReadyData',
    fields: [
      ['tunnelId', 'u16'],
      ['octetsLeft', 'u16'],
    ],
  },
  {
    dir: 's2c',
    id: 0x05,
    cmd: 'SupportedTunnelProtocolsResponse',
    fields: [
      ['listComplete', 'bool'],
      ['protocols', 'protocolList'],
    ],
  },
  { dir: 's2c', id: 0x06, cmd: 'TunnelClosureNotification', fields: [['tunnelId', 'u16']] },
];

// looked up per frame: by direction, then by name or id (no key string built per call)
const BY_NAME = new Map<ZclDirection, Map<string, CommandSpec>>([
  ['c2s', new Map()],
  ['s2c', new Map()],
]);
const BY_ID = new Map<ZclDirection, Map<number, CommandSpec>>([
  ['c2s', new Map()],
  ['s2c', new Map()],
]);
/** Each field's name in errors (`Command.field`), built once. */
const FIELD_WHAT = new Map<CommandSpec, readonly string[]>();
for (const s of TUNNEL_COMMANDS) {
  BY_NAME.get(s.dir)!.set(s.cmd, s);
  BY_ID.get(s.dir)!.set(s.id, s);
  FIELD_WHAT.set(
    s,
    s.fields.map(([name]) => `${s.cmd}.${name}`),
  );
}

function specFor(dir: ZclDirection, cmd: string): CommandSpec {
  const s = BY_NAME.get(dir)?.get(cmd);
  if (!s) throw new RangeError(`no Tunneling command ${cmd} in direction ${dir}`);
  return s;
}

/** The ZCL command id of a tunnel command (ids overlap across directions). */
export function tunnelCommandId(c: Pick<TunnelCommand, 'dir' | 'cmd'>): number {
  return specFor(c.dir, c.cmd).id;
}

const TUNNEL_STATUSES = new Set<number>(Object.values(TunnelStatus));
const TRANSFER_DATA_STATUSES = new Set<number>(Object.values(TransferDataStatus));

/** Encodes the command payload (what follows the ZCL header). */
export function encodeTunnelCommand(c: TunnelCommand): Uint8Array {
  const spec = specFor(c.dir, c.cmd);
  return writeTunnelCommand(spec, c, new ByteWriter(tunnelCommandSize(spec, c))).finish();
}

/** The bytes `writeTunnelCommand` writes for `c` (a writer sized to it hands over its buffer without a copy). */
function tunnelCommandSize(spec: CommandSpec, c: TunnelCommand): number {
  const v = c as unknown as Record<string, unknown>;
  let n = 0;
  for (const [name, type] of spec.fields) {
    switch (type) {
      case 'u16':
        n += 2;
        break;
      case 'data':
        n += (v[name] as Uint8Array | undefined)?.length ?? 0;
        break;
      case 'protocolList': {
        const list = v[name];
        n += 1 + (Array.isArray(list) ? 3 * list.length : 0);
        break;
      }
      default:
        n += 1;
    }
  }
  return n;
}

function writeTunnelCommand(spec: CommandSpec, c: TunnelCommand, w: ByteWriter): ByteWriter {
  const v = c as unknown as Record<string, unknown>;
  for (const [name, type] of spec.fields) {
    const f = v[name];
    switch (type) {
      case 'u8':
        w.u8(f as number, name);
        break;
      case 'u16':
        w.u16le(f as number, name);
        break;
      case 'bool':
        w.bool(f as boolean);
        break;
      case 'tunnelStatus':
        if (!TUNNEL_STATUSES.has(f as number)) throw new RangeError(`${name}: ${f} is not a TunnelStatus`);
        w.u8(f as number, name);
        break;
      case 'transferDataStatus':
        if (!TRANSFER_DATA_STATUSES.has(f as number))
          throw new RangeError(`${name}: ${f} is not a TransferDataStatus`);
        w.u8(f as number, name);
        break;
      case 'data':
        w.bytes(f as Uint8Array);
        break;
      case 'protocolList': {
        const list = f as TunnelProtocol[];
        w.u8(list.length, 'protocol count');
        for (const p of list) w.u16le(p.manufacturerCode, 'manufacturerCode').u8(p.protocolId, 'protocolId');
        break;
      }
    }
  }
  return w;
}

/**
 * Decodes a command payload of `length` bytes from `offset` (default: to the
 * end of `data`), given the direction and command id from the ZCL header.
 * Strict: unknown ids, out-of-table enum values and trailing bytes after a
 * fixed-size command are malformed.
 */
export function decodeTunnelCommand(
  dir: ZclDirection,
  commandId: number,
  data: Uint8Array,
  offset = 0,
  end = data.length,
): { value: TunnelCommand; offset: number } {
  const spec = BY_ID.get(dir)?.get(commandId);
  if (!spec)
    throw new ZigbeeUnsupportedError(
      `Tunneling cluster has no ${dir} command 0x${commandId.toString(16).padStart(2, '0')}`,
      offset,
    );
  const view = end === data.length ? data : data.subarray(0, end);
  const out: Record<string, unknown> = { dir, cmd: spec.cmd };
  const whats = FIELD_WHAT.get(spec)!;
  for (let fi = 0; fi < spec.fields.length; fi++) {
    const [name, type] = spec.fields[fi];
    const what = whats[fi];
    switch (type) {
      case 'u8':
        out[name] = readU8(view, offset, what);
        offset += 1;
        break;
      case 'u16':
        out[name] = readU16le(view, offset, what);
        offset += 2;
        break;
      case 'bool':
        out[name] = readBool(view, offset, what);
        offset += 1;
        break;
      case 'tunnelStatus':
      case 'transferDataStatus': {
        const s = readU8(view, offset, what);
        const ok = type === 'tunnelStatus' ? TUNNEL_STATUSES : TRANSFER_DATA_STATUSES;
        if (!ok.has(s)) throw new ZigbeeMalformedError(`${spec.cmd}.${name}: unknown status ${s}`, offset);
        out[name] = s;
        offset += 1;
        break;
      }
      case 'data':
        out[name] = view.slice(offset, end);
        offset = end;
        break;
      case 'protocolList': {
        const count = readU8(view, offset, `${spec.cmd}.protocol count`);
        offset += 1;
        const list: TunnelProtocol[] = [];
        for (let i = 0; i < count; i++) {
          const manufacturerCode = readU16le(view, offset, `${spec.cmd}.protocols[${i}].manufacturerCode`);
          const protocolId = readU8(view, offset + 2, `${spec.cmd}.protocols[${i}].protocolId`);
          list.push({ manufacturerCode, protocolId });
          offset += 3;
        }
        out[name] = list;
        break;
      }
    }
  }
  if (offset !== end)
    throw new ZigbeeMalformedError(`${spec.cmd}: ${end - offset} trailing byte(s) after the command`, offset);
  return { value: out as unknown as TunnelCommand, offset };
}

/** A whole ZCL frame carrying a tunnel command (the APS payload on cluster 0x0704). */
export interface TunnelFrame {
  header: ZclHeader;
  command: TunnelCommand;
}

export interface TunnelFrameOptions {
  transactionSequenceNumber: number;
  /** Default true: tunnel traffic is answered by tunnel commands, not ZCL Default Responses. */
  disableDefaultResponse?: boolean;
  manufacturerCode?: number;
}

export function encodeTunnelFrame(command: TunnelCommand, opts: TunnelFrameOptions): Uint8Array {
  const spec = specFor(command.dir, command.cmd);
  const header: ZclHeader = {
    frameType: 'cluster',
    direction: command.dir,
    disableDefaultResponse: opts.disableDefaultResponse ?? true,
    transactionSequenceNumber: opts.transactionSequenceNumber,
    commandId: spec.id,
  };
  if (opts.manufacturerCode !== undefined) header.manufacturerCode = opts.manufacturerCode;
  // header and command written into one buffer of the frame's size (no copy, no concatenation)
  const size = (opts.manufacturerCode !== undefined ? 5 : 3) + tunnelCommandSize(spec, command);
  const w = writeZclHeader(header, new ByteWriter(size));
  return writeTunnelCommand(spec, command, w).finish();
}

/** Decodes a full ZCL frame (header + tunnel command) from `offset` to the end of `data`. */
export function decodeTunnelFrame(data: Uint8Array, offset = 0): { value: TunnelFrame; offset: number } {
  const h = decodeZclHeader(data, offset);
  if (h.value.frameType !== 'cluster')
    throw new ZigbeeUnsupportedError('profile-wide ZCL commands are not tunnel commands', offset);
  if (h.value.manufacturerCode !== undefined)
    throw new ZigbeeUnsupportedError(
      `manufacturer-specific command (0x${h.value.manufacturerCode.toString(16)}) on the Tunneling cluster`,
      offset,
    );
  const c = decodeTunnelCommand(h.value.direction, h.value.commandId, data, h.offset);
  return { value: { header: h.value, command: c.value }, offset: c.offset };
}
