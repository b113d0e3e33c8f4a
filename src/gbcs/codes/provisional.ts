/**
 * ======================================================================
 *  PROVISIONAL GBCS CODES FOR SECMP0038  (decision "new GBCS codes")
 * ======================================================================
 *
 * SECMP0038 asks for two new Communications Hub commands (Block / Unblock
 * Buffer Feed, CH-6) and new alerts (PPMID Connected CH-5, PPMID Relay
 * Rejected CH-2, buffer full CH-8, standalone mode entered / left CH-6), but
 * the change never allocated GBCS Message Codes or Alert Codes for them.
 * Every code in this file is therefore PROVISIONAL: each entry carries
 * `provisional: true`, and ALL OF THEM MUST BE REPLACED when SECMP0038 (or
 * the GBCS change that implements it) allocates real codes. Nothing outside
 * this file may hard-code these numbers.
 *
 * Ranges, and why they are free:
 * - Message Codes: GBCS allocates them upward from 0x0001 (the highest code
 *   known here is 0x012B, CS09) and uses 0x1000 / 0x1001 for the Generic
 *   Critical / Non-Critical Alerts. 0x0F00-0x0FFF sits far above the
 *   sequential range and below the generic-alert block; no GBCS version we
 *   know allocates anything there. Block / Unblock Buffer Feed take 0x0F01 /
 *   0x0F02, Set CH Time (the time source of a CH without WAN, SECMP0038
 *   3.1.1: GBCS gives the CHF its time only from the SM WAN) 0x0F03. Their
 *   Responses carry the same codes (GBCS 7.2.8).
 * - Alert Codes: GBCS allocates 0x8000-0x81FF (device events) and
 *   0x8F00-0x8FFF (critical and security alerts). 0x8E00-0x8EFF lies between
 *   and is unallocated in every GBCS table we know; the new alerts take
 *   0x8E01-0x8E06 (0x8E06: a Set CH Time command refused). The new alerts travel under the existing generic alert
 *   Message Codes 0x1000 (critical: signed by the CHF) and 0x1001.
 * A test asserts that no provisional code clashes with a GBCS code in
 * message-codes.ts / alert-codes.ts or with any code in the RTDS fixtures.
 *
 * Payload formats (chosen here, DLMS because every CHF command and CHF alert
 * in GBCS is DLMS):
 * - Block / Unblock Buffer Feed: an access-request with one action on a
 *   Script table (class 9) with the manufacturer-specific logical name
 *   0-0:10.0.128.255 (Blue Book: E = 128..254 is manufacturer-specific, so
 *   no standard object clashes), method 1 `execute`, data long-unsigned
 *   script id 1 = block, 2 = unblock. The Response is an access-response
 *   with data null and one action result.
 * - Set CH Time: the Clock (class 8, 0-0:1.0.0.255) methods ECS70 uses,
 *   with a specified preset (the DCC's UTC) and its validity interval, then
 *   reads of time and status (the Response carries the time status).
 *   Originated and signed by the ACB (critical), MAC'd by the ACB like every
 *   command: the DCC is the party behind the CH's only GBCS time source.
 * - Alerts: a data-notification whose body is structure { long-unsigned
 *   alert code, octet-string(12) date-time, structure payload }, the layout
 *   of the CHF's GBCS alerts (e.g. 8F12 under CS14). Payloads are documented
 *   at each type below and in docs/gbcs-payloads.md.
 */

import { type Eui, euiFromBytes, fromHex, normaliseEui } from '../../runtime/bytes.ts';
import { GbcsMalformedError, GbcsUnsupportedError } from '../errors.ts';
import {
  type DlmsApdu,
  type DlmsData,
  decodeDlmsApdu,
  encodeDlmsApdu,
  formatObis,
  type LongInvokeIdAndPriority,
  parseObis,
} from '../payload/dlms.ts';

// ---------------------------------------------------------------- message codes

export interface ProvisionalMessageCodeInfo {
  code: number;
  useCase: string;
  name: string;
  srv: null;
  target: 'CHF';
  critical: true;
  payload: 'dlms';
  kind: 'command';
  /**
   * Who may originate it: the WAN provider role (the CSP's Communications Hub
   * Manager: Block / Unblock Buffer Feed) or the ACB (the DCC: Set CH Time).
   */
  originatorRole: 'wanProvider' | 'acb';
  requirement: string;
  provisional: true;
  source: 'provisional';
}

export const PROVISIONAL_MESSAGE_CODES: readonly ProvisionalMessageCodeInfo[] = Object.freeze([
  Object.freeze({
    code: 0x0f01,
    useCase: 'SECMP0038-BBF',
    name: 'Block Buffer Feed (CHF enters standalone mode) [PROVISIONAL]',
    srv: null,
    target: 'CHF',
    critical: true,
    payload: 'dlms',
    kind: 'command',
    originatorRole: 'wanProvider',
    requirement: 'SECMP0038 CH-6',
    provisional: true,
    source: 'provisional',
  } as const),
  Object.freeze({
    code: 0x0f02,
    useCase: 'SECMP0038-UBF',
    name: 'Unblock Buffer Feed (CHF leaves standalone mode) [PROVISIONAL]',
    srv: null,
    target: 'CHF',
    critical: true,
    payload: 'dlms',
    kind: 'command',
    originatorRole: 'wanProvider',
    requirement: 'SECMP0038 CH-6',
    provisional: true,
    source: 'provisional',
  } as const),
  Object.freeze({
    code: 0x0f03,
    useCase: 'SECMP0038-CHT',
    name: 'Set Communications Hub Time (time source of a CH without WAN) [PROVISIONAL]',
    srv: null,
    target: 'CHF',
    critical: true,
    payload: 'dlms',
    kind: 'command',
    originatorRole: 'acb',
    requirement: 'SECMP0038 3.1.1 (decision "time without WAN")',
    provisional: true,
    source: 'provisional',
  } as const),
]);

export const PROVISIONAL_MESSAGE_CODE = {
  BLOCK_BUFFER_FEED: 0x0f01,
  UNBLOCK_BUFFER_FEED: 0x0f02,
  SET_CH_TIME: 0x0f03,
} as const;

/**
 * Commands to the CHF that a logged PPMID may relay while the CH has no WAN
 * (PROVISIONAL, SECMP0038 3.1.1 / decision C8 "no-WAN commissioning"): CH-2
 * otherwise discards every PPMID relay addressed to the CHF. Without WAN the
 * PPMID is the only route to the CHF, so the two commands a home needs to be
 * set up through it pass: CCS01 (DUIS 8.11 Add, which also carries the relay
 * flag of C3) and Set CH Time. The CHF still verifies each (ACB MAC, ACB
 * signature for Set CH Time, ACB role, replay), and CH-6 / CH-7 still apply.
 */
export const NO_WAN_CHF_RELAY_CODES: ReadonlySet<number> = new Set([
  0x0001, // CCS01 Update HAN Device Log (Add), GBCS
  PROVISIONAL_MESSAGE_CODE.SET_CH_TIME,
]);

// ---------------------------------------------------------------- alert codes

export type ProvisionalAlertKind =
  | 'ppmid-connected'
  | 'ppmid-relay-rejected'
  | 'buffer-full'
  | 'standalone-entered'
  | 'standalone-left'
  | 'ch-time-refused';

export interface ProvisionalAlertCodeInfo {
  code: number;
  alert: ProvisionalAlertKind;
  name: string;
  /** Message Code the alert travels under: 0x1000 Generic Critical (CHF-signed) or 0x1001 Generic Non-Critical. */
  messageCode: 0x1000 | 0x1001;
  critical: boolean;
  requirement: string;
  provisional: true;
}

export const PROVISIONAL_ALERT_CODES: readonly ProvisionalAlertCodeInfo[] = Object.freeze(
  (
    [
      [
        0x8e01,
        'ppmid-connected',
        'PPMID Connected (joined or opened its tunnel)',
        0x1001,
        false,
        'SECMP0038 CH-5',
      ],
      [0x8e02, 'ppmid-relay-rejected', 'PPMID Relay Rejected', 0x1000, true, 'SECMP0038 CH-2'],
      [0x8e03, 'buffer-full', 'CHF Buffer Full / Overflow', 0x1001, false, 'SECMP0038 CH-8'],
      [
        0x8e04,
        'standalone-entered',
        'CHF Standalone Mode Entered (Buffer Feed blocked)',
        0x1001,
        false,
        'SECMP0038 CH-6',
      ],
      [
        0x8e05,
        'standalone-left',
        'CHF Standalone Mode Left (Buffer Feed unblocked)',
        0x1001,
        false,
        'SECMP0038 CH-6',
      ],
      [0x8e06, 'ch-time-refused', 'CH Time Command Refused', 0x1000, true, 'SECMP0038 3.1.1'],
    ] as const
  ).map(([code, alert, name, messageCode, critical, requirement]) =>
    Object.freeze({
      code,
      alert,
      name: `${name} [PROVISIONAL]`,
      messageCode,
      critical,
      requirement,
      provisional: true as const,
    }),
  ),
);

export const PROVISIONAL_ALERT_CODE: Readonly<Record<ProvisionalAlertKind, number>> = Object.freeze(
  Object.fromEntries(PROVISIONAL_ALERT_CODES.map((a) => [a.alert, a.code])) as Record<
    ProvisionalAlertKind,
    number
  >,
);

/**
 * Why the CHF discarded a PPMID-relayed message (SECMP0038 CH-2, CH-3, CH-6,
 * CH-7). The wire value is the index + 1 (an enum in the alert payload).
 */
export const RELAY_REJECT_REASONS = [
  'target-is-chf',
  'target-is-gpf',
  'target-is-hht',
  'target-is-remote-party',
  'target-not-in-device-log',
  'not-a-command',
  'malformed',
  'oversize',
  'ppmid-not-relay-enabled',
  'ota-from-ppmid',
  'rate-limited',
  'standalone-mode',
] as const;
export type RelayRejectReason = (typeof RELAY_REJECT_REASONS)[number];

export const BUFFER_IDS = ['wan-uplink', 'ppmid-relay', 'gsme-mailbox', 'alert-queue'] as const;
export type BufferId = (typeof BUFFER_IDS)[number];

export const CONNECT_HOW = ['joined', 'tunnel-opened', 'rejoined'] as const;
export type PpmidConnectHow = (typeof CONNECT_HOW)[number];

export const STANDALONE_CAUSES = [
  'block-buffer-feed',
  'unblock-buffer-feed',
  'restored-after-restart',
] as const;
export type StandaloneCause = (typeof STANDALONE_CAUSES)[number];

/** Why the CHF refused a Set CH Time command (wire value: index + 1). */
export const CH_TIME_REFUSALS = [
  'authentication', // MAC, signature or counter (replay) check failed
  'no-authority', // originator is not the ACB
  'malformed', // payload is not a Set CH Time command, or its validity interval is inconsistent
  'time-regression', // preset earlier than the time of the CH's last trusted synchronisation
  'wan-time-present', // the CH is synchronised from the WAN: the WAN is its time source
] as const;
export type ChTimeRefusal = (typeof CH_TIME_REFUSALS)[number];

/** The decoded payload of a provisional alert. */
export type ProvisionalAlert =
  /** payload: structure { octet-string(8) PPMID EUI, enum how (0 joined, 1 tunnel opened, 2 rejoined) } */
  | { alert: 'ppmid-connected'; ppmid: Eui; how: PpmidConnectHow }
  /**
   * payload: structure { octet-string(8) PPMID EUI, enum reason (RELAY_REJECT_REASONS index + 1),
   * octet-string target EUI (8 bytes, or empty when the header could not be read),
   * long-unsigned message code (0 when unreadable), unsigned CRA flag (0 when unreadable),
   * double-long-unsigned message size in bytes, double-long-unsigned number of further
   * rejections suppressed by alert throttling since the previous alert of this kind }
   */
  | {
      alert: 'ppmid-relay-rejected';
      ppmid: Eui;
      reason: RelayRejectReason;
      target: Eui | null;
      messageCode: number | null;
      craFlag: number | null;
      size: number;
      suppressed: number;
    }
  /**
   * payload: structure { enum buffer (BUFFER_IDS index), double-long-unsigned capacity,
   * double-long-unsigned high-water mark, double-long-unsigned entries dropped so far,
   * boolean overflowed (false: just became full; true: an entry was dropped) }
   */
  | {
      alert: 'buffer-full';
      buffer: BufferId;
      capacity: number;
      highWater: number;
      dropped: number;
      overflowed: boolean;
    }
  /** payload: structure { octet-string EUI of the originator of the Block/Unblock command (empty if none), enum cause } */
  | { alert: 'standalone-entered' | 'standalone-left'; by: Eui | null; cause: StandaloneCause }
  /**
   * payload: structure { octet-string originator EUI (empty when unreadable),
   * enum reason (CH_TIME_REFUSALS index + 1), unsigned time status after the
   * refusal (0 reliable, 2 unreliable: COSEM clock status "doubtful") }
   */
  | { alert: 'ch-time-refused'; by: Eui | null; reason: ChTimeRefusal; reliable: boolean };

export interface ProvisionalAlertMessage {
  alertCode: number;
  /** 12-byte COSEM date-time of the alert */
  dateTime: Uint8Array;
  invoke: LongInvokeIdAndPriority;
  alert: ProvisionalAlert;
}

const eui = (e: Eui): DlmsData => ({ type: 'octet-string', value: fromHex(normaliseEui(e)) });
const optEui = (e: Eui | null): DlmsData =>
  e === null ? { type: 'octet-string', value: new Uint8Array(0) } : eui(e);
const en = (value: number): DlmsData => ({ type: 'enum', value });
const u32 = (value: number): DlmsData => ({ type: 'double-long-unsigned', value });

function payloadData(a: ProvisionalAlert): DlmsData {
  let items: DlmsData[];
  switch (a.alert) {
    case 'ppmid-connected':
      items = [eui(a.ppmid), en(CONNECT_HOW.indexOf(a.how))];
      break;
    case 'ppmid-relay-rejected':
      items = [
        eui(a.ppmid),
        en(RELAY_REJECT_REASONS.indexOf(a.reason) + 1),
        optEui(a.target),
        { type: 'long-unsigned', value: a.messageCode ?? 0 },
        { type: 'unsigned', value: a.craFlag ?? 0 },
        u32(a.size),
        u32(a.suppressed),
      ];
      break;
    case 'buffer-full':
      items = [
        en(BUFFER_IDS.indexOf(a.buffer)),
        u32(a.capacity),
        u32(a.highWater),
        u32(a.dropped),
        { type: 'boolean', value: a.overflowed },
      ];
      break;
    case 'standalone-entered':
    case 'standalone-left':
      items = [optEui(a.by), en(STANDALONE_CAUSES.indexOf(a.cause))];
      break;
    case 'ch-time-refused':
      items = [
        optEui(a.by),
        en(CH_TIME_REFUSALS.indexOf(a.reason) + 1),
        { type: 'unsigned', value: a.reliable ? 0 : 2 },
      ];
      break;
  }
  if (items.some((d) => d.type === 'enum' && d.value < 0))
    throw new RangeError(`bad enumerated value in ${a.alert}`);
  return { type: 'structure', items };
}

/** Encodes a provisional alert as the DLMS data-notification content of a CHF alert. */
export function encodeProvisionalAlert(
  alert: ProvisionalAlert,
  opts: { invoke: LongInvokeIdAndPriority; dateTime: Uint8Array },
): Uint8Array {
  if (opts.dateTime.length !== 12) throw new RangeError('alert date-time must be a 12-byte COSEM date-time');
  const apdu: DlmsApdu = {
    apdu: 'data-notification',
    invoke: opts.invoke,
    dateTime: new Uint8Array(0),
    body: {
      type: 'structure',
      items: [
        { type: 'long-unsigned', value: PROVISIONAL_ALERT_CODE[alert.alert] },
        { type: 'octet-string', value: opts.dateTime },
        payloadData(alert),
      ],
    },
  };
  return encodeDlmsApdu(apdu);
}

/** The alert code of a DLMS alert content (data-notification body structure), or undefined. */
export function dlmsAlertCode(apdu: DlmsApdu): number | undefined {
  if (apdu.apdu !== 'data-notification' || apdu.body.type !== 'structure') return undefined;
  const first = apdu.body.items[0];
  return first?.type === 'long-unsigned' ? first.value : undefined;
}

function need<T extends DlmsData['type']>(
  d: DlmsData | undefined,
  type: T,
  what: string,
): DlmsData & { type: T } {
  if (!d || d.type !== type) throw new GbcsMalformedError(`provisional alert: ${what} must be ${type}`);
  return d as DlmsData & { type: T };
}

function pick<T>(list: readonly T[], i: number, what: string): T {
  const v = list[i];
  if (v === undefined) throw new GbcsMalformedError(`provisional alert: ${what} value ${i} is not defined`);
  return v;
}

function readEui(d: DlmsData | undefined, what: string, optional: boolean): Eui | null {
  const o = need(d, 'octet-string', what);
  if (optional && o.value.length === 0) return null;
  if (o.value.length !== 8) throw new GbcsMalformedError(`provisional alert: ${what} must be 8 bytes`);
  return euiFromBytes(o.value);
}

/** Decodes a provisional alert from DLMS alert content. Throws typed errors; GbcsUnsupportedError when the code is not provisional. */
export function decodeProvisionalAlert(content: Uint8Array): ProvisionalAlertMessage {
  const apdu = decodeDlmsApdu(content);
  if (apdu.apdu !== 'data-notification')
    throw new GbcsMalformedError('a DLMS alert is a data-notification', 0);
  const body = need(apdu.body, 'structure', 'alert body');
  if (body.items.length !== 3) throw new GbcsMalformedError('provisional alert body must have 3 elements');
  const alertCode = need(body.items[0], 'long-unsigned', 'alert code').value;
  const dateTime = need(body.items[1], 'octet-string', 'alert date-time').value;
  if (dateTime.length !== 12) throw new GbcsMalformedError('provisional alert date-time must be 12 bytes');
  const info = PROVISIONAL_ALERT_CODES.find((a) => a.code === alertCode);
  if (!info)
    throw new GbcsUnsupportedError(`alert code 0x${alertCode.toString(16).toUpperCase()} is not provisional`);
  const p = need(body.items[2], 'structure', 'alert payload').items;
  const count = (n: number) => {
    if (p.length !== n)
      throw new GbcsMalformedError(`${info.alert} payload must have ${n} elements, has ${p.length}`);
  };
  let alert: ProvisionalAlert;
  switch (info.alert) {
    case 'ppmid-connected':
      count(2);
      alert = {
        alert: 'ppmid-connected',
        ppmid: readEui(p[0], 'PPMID EUI', false)!,
        how: pick(CONNECT_HOW, need(p[1], 'enum', 'how').value, 'how'),
      };
      break;
    case 'ppmid-relay-rejected': {
      count(7);
      const mc = need(p[3], 'long-unsigned', 'message code').value;
      const cra = need(p[4], 'unsigned', 'CRA flag').value;
      alert = {
        alert: 'ppmid-relay-rejected',
        ppmid: readEui(p[0], 'PPMID EUI', false)!,
        reason: pick(RELAY_REJECT_REASONS, need(p[1], 'enum', 'reason').value - 1, 'reason'),
        target: readEui(p[2], 'target EUI', true),
        messageCode: mc === 0 ? null : mc,
        craFlag: cra === 0 ? null : cra,
        size: need(p[5], 'double-long-unsigned', 'size').value,
        suppressed: need(p[6], 'double-long-unsigned', 'suppressed').value,
      };
      break;
    }
    case 'buffer-full':
      count(5);
      alert = {
        alert: 'buffer-full',
        buffer: pick(BUFFER_IDS, need(p[0], 'enum', 'buffer').value, 'buffer'),
        capacity: need(p[1], 'double-long-unsigned', 'capacity').value,
        highWater: need(p[2], 'double-long-unsigned', 'high-water mark').value,
        dropped: need(p[3], 'double-long-unsigned', 'dropped').value,
        overflowed: need(p[4], 'boolean', 'overflowed').value,
      };
      break;
    case 'standalone-entered':
    case 'standalone-left':
      count(2);
      alert = {
        alert: info.alert,
        by: readEui(p[0], 'originator EUI', true),
        cause: pick(STANDALONE_CAUSES, need(p[1], 'enum', 'cause').value, 'cause'),
      };
      break;
    case 'ch-time-refused':
      count(3);
      alert = {
        alert: 'ch-time-refused',
        by: readEui(p[0], 'originator EUI', true),
        reason: pick(CH_TIME_REFUSALS, need(p[1], 'enum', 'reason').value - 1, 'reason'),
        reliable: need(p[2], 'unsigned', 'time status').value === 0,
      };
      break;
  }
  return { alertCode, dateTime, invoke: apdu.invoke, alert };
}

// ---------------------------------------------------------------- Block / Unblock Buffer Feed

/** Script table (class 9), manufacturer-specific logical name (E = 128): PROVISIONAL. */
export const BUFFER_FEED_SCRIPT_TABLE = { classId: 9, obis: '0-0:10.0.128.255', method: 1 } as const;
export const BUFFER_FEED_SCRIPT_ID = { block: 1, unblock: 2 } as const;
export type BufferFeedAction = keyof typeof BUFFER_FEED_SCRIPT_ID;

/** DLMS content of a Block / Unblock Buffer Feed command (PROVISIONAL, SECMP0038 CH-6). */
export function encodeBufferFeedCommand(
  action: BufferFeedAction,
  invoke: LongInvokeIdAndPriority,
): Uint8Array {
  return encodeDlmsApdu({
    apdu: 'access-request',
    invoke,
    dateTime: new Uint8Array(0),
    requests: [
      {
        kind: 'action',
        classId: BUFFER_FEED_SCRIPT_TABLE.classId,
        obis: parseObis(BUFFER_FEED_SCRIPT_TABLE.obis),
        id: BUFFER_FEED_SCRIPT_TABLE.method,
      },
    ],
    data: [{ type: 'long-unsigned', value: BUFFER_FEED_SCRIPT_ID[action] }],
  });
}

/** Reads a Block / Unblock Buffer Feed command; typed error when the content is not one. */
export function decodeBufferFeedCommand(content: Uint8Array): {
  action: BufferFeedAction;
  invoke: LongInvokeIdAndPriority;
} {
  const a = decodeDlmsApdu(content);
  if (a.apdu !== 'access-request' || a.requests.length !== 1 || a.data.length !== 1) {
    throw new GbcsMalformedError('Buffer Feed command must be an access-request with one action', 0);
  }
  const r = a.requests[0];
  if (
    r.kind !== 'action' ||
    r.classId !== BUFFER_FEED_SCRIPT_TABLE.classId ||
    formatObis(r.obis) !== BUFFER_FEED_SCRIPT_TABLE.obis ||
    r.id !== BUFFER_FEED_SCRIPT_TABLE.method
  ) {
    throw new GbcsMalformedError('Buffer Feed command must execute the buffer feed script table', 0);
  }
  const d = a.data[0];
  const action =
    d.type === 'long-unsigned' && d.value === BUFFER_FEED_SCRIPT_ID.block
      ? 'block'
      : d.type === 'long-unsigned' && d.value === BUFFER_FEED_SCRIPT_ID.unblock
        ? 'unblock'
        : undefined;
  if (!action) throw new GbcsMalformedError('Buffer Feed script id must be long-unsigned 1 or 2', 0);
  return { action, invoke: a.invoke };
}

/** DLMS content of the Response: data null, one action result (0 success, else an Action-Result). */
export function encodeBufferFeedResponse(invoke: LongInvokeIdAndPriority, result = 0): Uint8Array {
  return encodeDlmsApdu({
    apdu: 'access-response',
    invoke,
    dateTime: new Uint8Array(0),
    data: [{ type: 'null' }],
    results: [{ kind: 'action', result }],
  });
}

// ---------------------------------------------------------------- Set CH Time

/** The COSEM Clock (class 8) of the CHF, the object ECS70 uses on an ESME. */
export const CH_CLOCK = { classId: 8, obis: '0-0:1.0.0.255' } as const;

/** What a Set CH Time command carries (PROVISIONAL, SECMP0038 3.1.1). */
export interface ChTimeCommand {
  /** the DCC's UTC when it issued the command (epoch ms, whole seconds) */
  preset: number;
  /** validity interval the DCC states for the preset (epoch ms); preset lies within it */
  validFrom: number;
  validTo: number;
  invoke: LongInvokeIdAndPriority;
}

const cosemUtc = (ms: number, clockStatus = 0x00): Uint8Array => {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  return Uint8Array.from([
    y >> 8,
    y & 0xff,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    0xff,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0x00,
    0x00,
    0x00,
    clockStatus,
  ]);
};

function readCosemUtc(b: Uint8Array, what: string): number {
  const year = (b[0] << 8) | b[1];
  const [month, day, hour, minute, second] = [b[2], b[3], b[5], b[6], b[7]];
  if (b.length !== 12 || year === 0xffff || month < 1 || month > 12 || day < 1 || day > 31)
    throw new GbcsMalformedError(`Set CH Time: ${what} is not a specified date`, 0);
  if (hour > 23 || minute > 59 || second > 59)
    throw new GbcsMalformedError(`Set CH Time: ${what} is not a specified time`, 0);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const CH_TIME_REQUESTS = [
  { kind: 'action' as const, id: 5 }, // preset_adjusting_time (preset, validity start, validity end)
  { kind: 'action' as const, id: 4 }, // adjust_to_preset_time
  { kind: 'get' as const, id: 2 }, // time
  { kind: 'get' as const, id: 4 }, // status
];

/**
 * DLMS content of Set CH Time: the Blue Book Clock methods ECS70 uses on an
 * ESME (preset_adjusting_time with a *specified* preset, the DCC's UTC, then
 * adjust_to_preset_time), then reads of time and status, so the Response
 * carries the CH's time and time status.
 */
export function encodeChTimeCommand(c: ChTimeCommand): Uint8Array {
  if (!(c.validFrom <= c.preset && c.preset <= c.validTo))
    throw new RangeError('Set CH Time: the preset must lie within the validity interval');
  return encodeDlmsApdu({
    apdu: 'access-request',
    invoke: c.invoke,
    dateTime: new Uint8Array(0),
    requests: CH_TIME_REQUESTS.map((r) => ({
      kind: r.kind,
      classId: CH_CLOCK.classId,
      obis: parseObis(CH_CLOCK.obis),
      id: r.id,
    })),
    data: [
      {
        type: 'structure',
        items: [
          { type: 'octet-string', value: cosemUtc(c.preset) },
          { type: 'octet-string', value: cosemUtc(c.validFrom) },
          { type: 'octet-string', value: cosemUtc(c.validTo) },
        ],
      },
      { type: 'integer', value: 0 },
      { type: 'null' },
      { type: 'null' },
    ],
  });
}

/** Reads a Set CH Time command; GbcsMalformedError when the content is not one or its interval is inconsistent. */
export function decodeChTimeCommand(content: Uint8Array): ChTimeCommand {
  const a = decodeDlmsApdu(content);
  if (a.apdu !== 'access-request' || a.requests.length !== CH_TIME_REQUESTS.length)
    throw new GbcsMalformedError('Set CH Time must be an access-request of 4 Clock requests', 0);
  a.requests.forEach((r, i) => {
    if (
      r.kind !== CH_TIME_REQUESTS[i].kind ||
      r.classId !== CH_CLOCK.classId ||
      formatObis(r.obis) !== CH_CLOCK.obis ||
      r.id !== CH_TIME_REQUESTS[i].id
    )
      throw new GbcsMalformedError(`Set CH Time request ${i + 1} is not the expected Clock request`, 0);
  });
  const p = a.data[0];
  if (p?.type !== 'structure' || p.items.length !== 3 || p.items.some((x) => x.type !== 'octet-string'))
    throw new GbcsMalformedError('Set CH Time: preset_adjusting_time must be structure of 3 date-times', 0);
  const [preset, validFrom, validTo] = p.items.map((x, i) =>
    readCosemUtc((x as { value: Uint8Array }).value, ['preset', 'validity start', 'validity end'][i]),
  );
  if (!(validFrom <= preset && preset <= validTo))
    throw new GbcsMalformedError('Set CH Time: the preset lies outside its validity interval', 0);
  return { preset, validFrom, validTo, invoke: a.invoke };
}

/**
 * The Response: two action results (success, or other-reason when refused),
 * then the CH's time (COSEM date-time whose clock status carries the time
 * status: 00 valid, 02 doubtful = Unreliable) and the status as unsigned.
 */
export function encodeChTimeResponse(
  invoke: LongInvokeIdAndPriority,
  o: { applied: boolean; chTime: number; reliable: boolean },
): Uint8Array {
  const status = o.reliable ? 0x00 : 0x02;
  const result = o.applied ? 0 : 250;
  return encodeDlmsApdu({
    apdu: 'access-response',
    invoke,
    dateTime: new Uint8Array(0),
    data: [
      { type: 'null' },
      { type: 'null' },
      { type: 'octet-string', value: cosemUtc(o.chTime, status) },
      { type: 'unsigned', value: status },
    ],
    results: [
      { kind: 'action', result },
      { kind: 'action', result },
      { kind: 'get', result: 0 },
      { kind: 'get', result: 0 },
    ],
  });
}

/** Reads a Set CH Time Response. */
export function decodeChTimeResponse(content: Uint8Array): {
  applied: boolean;
  chTime: number;
  reliable: boolean;
} {
  const a = decodeDlmsApdu(content);
  if (a.apdu !== 'access-response' || a.data.length !== 4)
    throw new GbcsMalformedError('Set CH Time Response must be an access-response of 4 results', 0);
  const t = a.data[2];
  const s = a.data[3];
  if (t?.type !== 'octet-string' || s?.type !== 'unsigned')
    throw new GbcsMalformedError('Set CH Time Response: time and status expected', 0);
  return {
    applied: a.results[0]?.result === 0 && a.results[1]?.result === 0,
    chTime: readCosemUtc(t.value, 'CH time'),
    reliable: s.value === 0,
  };
}
