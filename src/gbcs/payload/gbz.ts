/**
 * GBZ: the GBCS payload for ZigBee devices (GSME, GPF), GBCS 7.2.x.
 *
 * Use case header: Profile ID `01 09` (u16 BE, ZigBee SE 0x0109), Total GBZ
 * Components (u8); for an Alert also Alert Code (u16 BE) and Time (u32 BE,
 * ZigBee UTCTime: seconds since 2000-01-01T00:00:00Z).
 *
 * Each component: Extended Header Control (bit 0 last component, bit 1
 * encrypted component, bit 4 From Date Time present), Extended Header
 * Cluster ID (u16 BE), Extended Header GBZ Command Length (u16 BE, the bytes
 * that follow), then [From Date Time u32 BE], then for an encrypted
 * component Additional Header Control (u8) and Additional Header Frame
 * Counter (u8), then the ZCL header (frame control, [manufacturer code],
 * transaction sequence, command id), then either the little-endian ZCL
 * payload or, when encrypted, Length of Ciphered Information (u16 BE),
 * security header (control u8 + invocation counter u32 BE), ciphertext and
 * a 12-byte MAC. Decryption is not done here: the security core decrypts
 * the ciphertext and calls decodeZclView with the plaintext.
 *
 * Alerts carry, after the header, either components or an alert-specific
 * body (GBCS 16.x): the future-dated response alert (0x8F66/0x8F67: `0E`,
 * Message Code, Originator Counter, cluster, frame control, command id),
 * the firmware hash (0x8F72/0x8F1C: a DLMS-style octet-string `09 20` + 32
 * bytes), a u16 user interface command (0x8161/0x8162) or a u16 integrity
 * warning (0x81A0). Those bytes are kept raw in `alertBody` (authoritative)
 * with a read-only `alertDetail` view.
 */

import { toHex } from '../../runtime/bytes.ts';
import { type GbcsError, GbcsMalformedError } from '../errors.ts';
import { PayloadReader, PayloadWriter } from './io.ts';
import {
  decodeZclView,
  describeZclValue,
  readZclHeader,
  writeZclHeader,
  ZCL_CLUSTER_NAMES,
  ZCL_STATUS_NAMES,
  type ZclHeader,
  type ZclView,
  zclCommandName,
} from './zcl.ts';

export const GBZ_PROFILE_ID = 0x0109;

export const GBZ_CONTROL = { LAST: 0x01, ENCRYPTED: 0x02, FROM_DATE_TIME: 0x10 } as const;

/** Seconds between the Unix epoch and the ZigBee epoch 2000-01-01T00:00:00Z. */
export const ZIGBEE_EPOCH_OFFSET = 946_684_800;

export function zigbeeTimeToDate(t: number): Date {
  return new Date((t + ZIGBEE_EPOCH_OFFSET) * 1000);
}

export function dateToZigbeeTime(d: Date): number {
  const t = Math.floor(d.getTime() / 1000) - ZIGBEE_EPOCH_OFFSET;
  if (t < 0 || t > 0xffffffff) throw new RangeError('date outside the ZigBee UTCTime range');
  return t;
}

export interface GbzEncryptedPart {
  additionalHeaderControl: number;
  additionalFrameCounter: number;
  /** security header control byte (0x31 seen: authenticated and encrypted) */
  securityControl: number;
  invocationCounter: number;
  ciphertext: Uint8Array;
  mac: Uint8Array;
  /** Offset of the security header (`31 ...`) in the decoded payload; set by decodeGbz, ignored by encodeGbz. */
  offset?: number;
}

export interface GbzComponent {
  /** Extended Header Control bit 0. */
  last: boolean;
  /** Control bits other than 0, 1 and 4 (reserved; kept so the byte round-trips). */
  reservedControlBits: number;
  clusterId: number;
  /** From Date Time (ZigBee UTCTime), present when control bit 4 is set. */
  fromDateTime?: number;
  header: ZclHeader;
  /** Plaintext ZCL payload (absent for an encrypted component). */
  payload?: Uint8Array;
  /** Present exactly when control bit 1 (encrypted) is set. */
  encrypted?: GbzEncryptedPart;
  /** Read-only view of the plaintext payload (never used by the encoder). */
  zcl?: ZclView;
  /** Set when the ZCL payload did not match its command's layout. */
  zclError?: GbcsError;
}

export type GbzAlertDetail =
  | {
      kind: 'future-dated-response';
      messageCode: number;
      originatorCounter: bigint;
      clusterId: number;
      frameControl: number;
      commandId: number;
    }
  | { kind: 'firmware-hash'; hash: Uint8Array }
  | { kind: 'user-interface-command'; command: number }
  | { kind: 'integrity-issue-warning'; warning: number };

export interface GbzPayload {
  profileId: number;
  /** Total GBZ Components as sent. */
  componentCount: number;
  alert?: { code: number; time: number };
  components: GbzComponent[];
  /** Alert-specific bytes after the alert header that are not components (encoded as-is). */
  alertBody?: Uint8Array;
  alertDetail?: GbzAlertDetail;
}

function readComponent(r: PayloadReader): GbzComponent {
  const control = r.u8('GBZ extended header control');
  const clusterId = r.u16('GBZ cluster id');
  const length = r.u16('GBZ command length');
  const start = r.pos;
  r.need(length, 'GBZ component');
  const c = new PayloadReader(r.buf, start, start + length);
  const comp: GbzComponent = {
    last: (control & GBZ_CONTROL.LAST) !== 0,
    reservedControlBits:
      control & ~(GBZ_CONTROL.LAST | GBZ_CONTROL.ENCRYPTED | GBZ_CONTROL.FROM_DATE_TIME) & 0xff,
    clusterId,
    header: { frameControl: 0, sequence: 0, commandId: 0 },
  };
  if (control & GBZ_CONTROL.FROM_DATE_TIME) comp.fromDateTime = c.u32('GBZ from date time');
  let additional: [number, number] | undefined;
  if (control & GBZ_CONTROL.ENCRYPTED) {
    additional = [c.u8('additional header control'), c.u8('additional header frame counter')];
  }
  comp.header = readZclHeader(c);
  if (additional) {
    const n = c.u16('length of ciphered information');
    const at = c.pos;
    if (n < 5 + 12) throw new GbcsMalformedError('ciphered information shorter than header and MAC', at);
    if (n !== c.remaining)
      throw new GbcsMalformedError(`ciphered length ${n} but ${c.remaining} byte(s) in the component`, at);
    comp.encrypted = {
      offset: c.pos,
      additionalHeaderControl: additional[0],
      additionalFrameCounter: additional[1],
      securityControl: c.u8('security control'),
      invocationCounter: c.u32('invocation counter'),
      ciphertext: c.bytes(n - 5 - 12, 'ciphertext'),
      mac: c.bytes(12, 'MAC'),
    };
  } else {
    comp.payload = c.bytes(c.remaining, 'ZCL payload');
    try {
      comp.zcl = decodeZclView(clusterId, comp.header, comp.payload);
    } catch (e) {
      comp.zclError = e as GbcsError;
    }
  }
  r.pos = start + length;
  return comp;
}

function writeComponent(w: PayloadWriter, comp: GbzComponent): void {
  const enc = comp.encrypted;
  if ((enc === undefined) === (comp.payload === undefined)) {
    throw new RangeError('a GBZ component has either a plaintext payload or an encrypted part');
  }
  const control =
    (comp.last ? GBZ_CONTROL.LAST : 0) |
    (enc ? GBZ_CONTROL.ENCRYPTED : 0) |
    (comp.fromDateTime !== undefined ? GBZ_CONTROL.FROM_DATE_TIME : 0) |
    (comp.reservedControlBits & ~0x13 & 0xff);
  const body = new PayloadWriter();
  if (comp.fromDateTime !== undefined) body.u32(comp.fromDateTime);
  if (enc) body.u8(enc.additionalHeaderControl).u8(enc.additionalFrameCounter);
  writeZclHeader(body, comp.header);
  if (enc) {
    if (enc.mac.length !== 12) throw new RangeError('GBZ MAC must be 12 bytes');
    body
      .u16(5 + enc.ciphertext.length + 12)
      .u8(enc.securityControl)
      .u32(enc.invocationCounter)
      .bytes(enc.ciphertext)
      .bytes(enc.mac);
  } else {
    body.bytes(comp.payload!);
  }
  const bytes = body.finish();
  if (bytes.length > 0xffff) throw new RangeError('GBZ component longer than 65535 bytes');
  w.u8(control).u16(comp.clusterId).u16(bytes.length).bytes(bytes);
}

/** Alert codes whose GBZ body is not made of components (GBCS alert formats). */
const FUTURE_DATED_ALERTS = new Set([0x8f66, 0x8f67]);
const FIRMWARE_HASH_ALERTS = new Set([0x8f72, 0x8f1c]);
const UI_COMMAND_ALERTS = new Set([0x8161, 0x8162]);
const INTEGRITY_ALERTS = new Set([0x81a0]);

function alertDetailOf(code: number, body: Uint8Array): GbzAlertDetail | undefined {
  const r = new PayloadReader(body);
  if (FUTURE_DATED_ALERTS.has(code) && body.length === 15 && body[0] === 0x0e) {
    r.u8('future dated alert payload');
    return {
      kind: 'future-dated-response',
      messageCode: r.u16('message code'),
      originatorCounter: r.u64('originator counter'),
      clusterId: r.u16('cluster id'),
      frameControl: r.u8('frame control'),
      commandId: r.u8('command id'),
    };
  }
  if (FIRMWARE_HASH_ALERTS.has(code) && body.length === 34 && body[0] === 0x09 && body[1] === 0x20) {
    return { kind: 'firmware-hash', hash: body.slice(2) };
  }
  if (UI_COMMAND_ALERTS.has(code) && body.length === 2)
    return { kind: 'user-interface-command', command: r.u16('UI command') };
  if (INTEGRITY_ALERTS.has(code) && body.length === 2)
    return { kind: 'integrity-issue-warning', warning: r.u16('warning') };
  return undefined;
}

/**
 * Decodes a GBZ payload. `alert` says whether to expect the alert header;
 * when undefined it is inferred (a byte >= 0x80 where a component's control
 * byte would be can only be the high byte of an alert code).
 */
export function decodeGbz(buf: Uint8Array, alert?: boolean): GbzPayload {
  const r = new PayloadReader(buf);
  const profileId = r.u16('GBZ profile id');
  if (profileId !== GBZ_PROFILE_ID) {
    throw new GbcsMalformedError(
      `GBZ profile id 0x${profileId.toString(16).padStart(4, '0')}, expected 0x0109`,
      0,
    );
  }
  const componentCount = r.u8('GBZ component count');
  const isAlert = alert ?? (r.remaining >= 6 && buf[3] >= 0x80);
  const out: GbzPayload = { profileId, componentCount, components: [] };
  if (isAlert) {
    out.alert = { code: r.u16('GBZ alert code'), time: r.u32('GBZ alert time') };
    const rest = buf.slice(r.pos);
    const detail = alertDetailOf(out.alert.code, rest);
    if (detail) {
      out.alertBody = rest;
      out.alertDetail = detail;
      return out;
    }
    if (rest.length === 0) return out;
    // otherwise components (e.g. 0x8F0A Billing Data Log Updated); anything else stays raw
    const save = r.pos;
    try {
      for (let i = 0; i < componentCount; i++) out.components.push(readComponent(r));
      if (r.atEnd()) return out;
    } catch {
      // not components: keep the body raw
    }
    out.components = [];
    r.pos = save;
    out.alertBody = rest;
    return out;
  }
  for (let i = 0; i < componentCount; i++) out.components.push(readComponent(r));
  if (!r.atEnd())
    throw new GbcsMalformedError(`${r.remaining} byte(s) after ${componentCount} GBZ component(s)`, r.pos);
  return out;
}

/** Encodes a GBZ payload (command, response or alert). */
export function encodeGbz(p: GbzPayload): Uint8Array {
  const w = new PayloadWriter();
  if (p.componentCount < 0 || p.componentCount > 255)
    throw new RangeError('GBZ component count out of range');
  w.u16(p.profileId).u8(p.componentCount);
  if (p.alert) w.u16(p.alert.code).u32(p.alert.time);
  else if (p.components.length !== p.componentCount) {
    throw new RangeError(`componentCount ${p.componentCount} but ${p.components.length} component(s)`);
  }
  for (const c of p.components) writeComponent(w, c);
  if (p.alertBody) {
    if (!p.alert) throw new RangeError('alertBody without an alert header');
    w.bytes(p.alertBody);
  }
  return w.finish();
}

/** Builds a plaintext component: `last` is set by gbzPayload on the final one. */
export function gbzComponent(
  clusterId: number,
  header: ZclHeader,
  payload: Uint8Array,
  opts: { fromDateTime?: number } = {},
): GbzComponent {
  const c: GbzComponent = { last: false, reservedControlBits: 0, clusterId, header, payload };
  if (opts.fromDateTime !== undefined) c.fromDateTime = opts.fromDateTime;
  return c;
}

/** A non-alert GBZ payload from components, marking the last one (GBCS 7.2.x). */
export function gbzPayload(components: GbzComponent[]): GbzPayload {
  return {
    profileId: GBZ_PROFILE_ID,
    componentCount: components.length,
    components: components.map((c, i) => ({ ...c, last: i === components.length - 1 })),
  };
}

// ---------------------------------------------------------------- text

function hex4(v: number): string {
  return `0x${v.toString(16).toUpperCase().padStart(4, '0')}`;
}

function describeHeader(clusterId: number, h: ZclHeader): string {
  const dir = h.frameControl & 0x08 ? 'server->client' : 'client->server';
  const type = (h.frameControl & 0x03) === 1 ? 'cluster-specific' : 'global';
  const name = zclCommandName(clusterId, h);
  return `${type} ${dir} seq ${h.sequence} cmd 0x${h.commandId.toString(16).toUpperCase().padStart(2, '0')}${name ? ` ${name}` : ''}${h.manufacturerCode !== undefined ? ` mfr ${hex4(h.manufacturerCode)}` : ''}`;
}

function renderView(v: ZclView, pad: string): string[] {
  switch (v.kind) {
    case 'read-attributes':
      return v.attributes.map((a) => `${pad}attribute ${hex4(a.attributeId)}${a.name ? ` ${a.name}` : ''}`);
    case 'read-attributes-response':
    case 'write-attributes':
      return v.records.map(
        (a) =>
          `${pad}attribute ${hex4(a.attributeId)}${a.name ? ` ${a.name}` : ''}${
            a.status !== undefined && a.status !== 0
              ? ` status ${ZCL_STATUS_NAMES[a.status] ?? a.status}`
              : ''
          }${a.value ? ` = ${describeZclValue(a.value)}` : ''}`,
      );
    case 'write-attributes-response':
      return v.records.map(
        (x) =>
          `${pad}status ${ZCL_STATUS_NAMES[x.status] ?? x.status}${x.attributeId !== undefined ? ` attribute ${hex4(x.attributeId)}` : ''}`,
      );
    case 'default-response':
      return [
        `${pad}for cmd 0x${v.commandId.toString(16).toUpperCase().padStart(2, '0')} status ${ZCL_STATUS_NAMES[v.status] ?? v.status}`,
      ];
    case 'cluster-command':
    case 'global-command':
      return v.payload.length ? [`${pad}payload ${toHex(v.payload)}`] : [];
  }
}

export function renderGbz(p: GbzPayload, indent = 0, alertName?: (code: number) => string): string[] {
  const pad = '  '.repeat(indent);
  const lines: string[] = [];
  if (p.alert) {
    const t = zigbeeTimeToDate(p.alert.time).toISOString().replace('.000Z', 'Z');
    lines.push(
      `${pad}gbz alert ${alertName ? alertName(p.alert.code) : hex4(p.alert.code)} at ${t}, ${p.componentCount} component(s)`,
    );
  } else {
    lines.push(`${pad}gbz ${p.componentCount} component(s)`);
  }
  p.components.forEach((c, i) => {
    const cl = ZCL_CLUSTER_NAMES[c.clusterId];
    const flags = [c.last ? 'last' : '', c.encrypted ? 'encrypted' : ''].filter(Boolean).join(', ');
    lines.push(
      `${pad}  component[${i}] cluster ${hex4(c.clusterId)}${cl ? ` (${cl})` : ''}${flags ? ` [${flags}]` : ''}`,
    );
    if (c.fromDateTime !== undefined) {
      lines.push(`${pad}    from ${zigbeeTimeToDate(c.fromDateTime).toISOString().replace('.000Z', 'Z')}`);
    }
    lines.push(`${pad}    ${describeHeader(c.clusterId, c.header)}`);
    if (c.encrypted) {
      lines.push(
        `${pad}    ciphered: security control 0x${c.encrypted.securityControl.toString(16).toUpperCase()} invocation ${c.encrypted.invocationCounter}, ${c.encrypted.ciphertext.length} byte(s) + MAC`,
      );
    } else if (c.zcl) {
      lines.push(...renderView(c.zcl, `${pad}    `));
    } else if (c.payload?.length) {
      lines.push(`${pad}    payload ${toHex(c.payload)}${c.zclError ? ` (${c.zclError.message})` : ''}`);
    }
  });
  const d = p.alertDetail;
  if (d?.kind === 'future-dated-response') {
    lines.push(
      `${pad}  future-dated command: message code ${hex4(d.messageCode)} counter ${d.originatorCounter} cluster ${hex4(d.clusterId)} frame control 0x${d.frameControl.toString(16).toUpperCase().padStart(2, '0')} cmd 0x${d.commandId.toString(16).toUpperCase().padStart(2, '0')}`,
    );
  } else if (d?.kind === 'firmware-hash') {
    lines.push(`${pad}  firmware hash ${toHex(d.hash)}`);
  } else if (d?.kind === 'user-interface-command') {
    lines.push(`${pad}  user interface command ${hex4(d.command)}`);
  } else if (d?.kind === 'integrity-issue-warning') {
    lines.push(`${pad}  integrity issue warning ${hex4(d.warning)}`);
  } else if (p.alertBody?.length) {
    lines.push(`${pad}  alert body ${toHex(p.alertBody)}`);
  }
  return lines;
}
