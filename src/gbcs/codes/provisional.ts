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
 *   0x0F02. Their Responses carry the same codes (GBCS 7.2.8).
 * - Alert Codes: GBCS allocates 0x8000-0x81FF (device events) and
 *   0x8F00-0x8FFF (critical and security alerts). 0x8E00-0x8EFF lies between
 *   and is unallocated in every GBCS table we know; the new alerts take
 *   0x8E01-0x8E05. The new alerts travel under the existing generic alert
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
  /** Who may originate it: the WAN provider role (the CSP's Communications Hub Manager). */
  originatorRole: 'wanProvider';
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
]);

export const PROVISIONAL_MESSAGE_CODE = {
  BLOCK_BUFFER_FEED: 0x0f01,
  UNBLOCK_BUFFER_FEED: 0x0f02,
} as const;

// ---------------------------------------------------------------- alert codes

export type ProvisionalAlertKind =
  | 'ppmid-connected'
  | 'ppmid-relay-rejected'
  | 'buffer-full'
  | 'standalone-entered'
  | 'standalone-left';

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
  | { alert: 'standalone-entered' | 'standalone-left'; by: Eui | null; cause: StandaloneCause };

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
