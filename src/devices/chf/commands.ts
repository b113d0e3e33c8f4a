/**
 * The CHF's own use cases (docs/chf.md "The CHF's own commands"): every
 * catalogue row that targets the CHF, run through the shared use-case
 * registry (meter-common/use-case-registry.ts) as the ESME, GSME and GPF run
 * theirs: decoding, shape checks, hardware faults and the family's
 * "unsupported" answer are the registry's. `Chf` keeps the security checks,
 * routing and buffering; it hands an accepted command here and sends what
 * comes back.
 *
 * State: the Device Log (device-log.ts, shared with routing) and ChfState
 * (chf-state.ts). A handler validates everything before it changes anything:
 * a refused command leaves both untouched.
 */

import { lookupMessageCode } from '../../gbcs/codes/message-codes.ts';
import type { KeyStore } from '../../gbcs/keystore.ts';
import { cosemDateTimeFromDate, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
import { type DlmsAccess, type DlmsCommandRow, encodeAlert } from '../../gbcs/use-cases/index.ts';
import { type Eui, fromHex, normaliseEui, toHex } from '../../runtime/bytes.ts';
import { fastHost } from '../../runtime/fast-host.ts';
import { ZigbeeError } from '../../zigbee/index.ts';
import { DEVICE_TYPE_CODE, type DeviceType } from '../contracts.ts';
import { registerCredentialUseCases, updateUseCasesFor } from '../meter-common/credential-handlers.ts';
import type { Execution } from '../meter-common/meter-device.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type RegistryDevice,
  type UseCaseCall,
  UseCaseRegistry,
} from '../meter-common/use-case-registry.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { gbcsAlertContent } from './alerts.ts';
import { activateChfFirmware, readJoinDetails } from './asn1-use-cases.ts';
import {
  appendLog,
  type ChfLogRow,
  type ChfState,
  cosemText,
  type DeviceLogRead,
  type HanDeviceStats,
  utcSeconds2000,
} from './chf-state.ts';
import { type ChfTrustAnchors, chfCredentialHost } from './credentials.ts';
import { type ChfDeviceLogEntry, type DeviceLog, DeviceLogError } from './device-log.ts';

/** What the command module needs of the CHF it runs in. */
export interface ChfCommandHost {
  readonly eui: Eui;
  readonly gpfEui: Eui;
  readonly deviceLog: DeviceLog;
  /** the CHF's key store (its cells' replaced certificates in place, credentials.ts ChfKeyStore) */
  readonly keyStore: KeyStore;
  /** the CHF's Trust Anchor cells (CS02a reads, CS02b replaces) */
  readonly trustAnchors: ChfTrustAnchors;
  /** the CH's time (ch-time.ts), epoch ms */
  now(): number;
  /** the device type of a device the home knows (CCS03 entries carry none); undefined: unknown */
  deviceTypeOf(eui: Eui): DeviceType | undefined;
  /** what the CHF measured of a logged device on the HAN (CCS06) */
  hanPeer(eui: Eui): { joined: boolean; lastHeardAt: number | null; failures: number };
  /** a Device Log change made by a command (event, alert) */
  deviceLogChanged(change: 'added' | 'removed' | 'restored', entry: ChfDeviceLogEntry, by: Eui): void;
}

/** The registry's view of the CHF. */
export interface ChfView extends RegistryDevice {
  readonly host: ChfCommandHost;
  readonly state: ChfState;
  /** the CHF's Trust Anchor cells (credentials.ts) */
  readonly trustAnchors: ChfTrustAnchors;
}

type Fields = Record<string, Record<string, unknown>>;
type Call = UseCaseCall<Fields>;

const DEVICE_TYPE_BY_CODE = new Map<number, DeviceType>(
  Object.entries(DEVICE_TYPE_CODE).map(([t, c]) => [c, t as DeviceType]),
);

/** CHF event codes written to its logs (GBCS alert / event codes, GBCS.md 5). */
export const CHF_EVENT = {
  DEVICE_LOG_CHANGED: 0x8f12,
  INTEGRITY_FAILURE: 0x8f1e,
  NO_AUTHORITY: 0x8f30,
  AUTHENTICATION_FAILURE: 0x8f3d,
  REPLAY: 0x8f53,
  FIRMWARE_VERIFICATION_FAILED: 0x8f1c,
  FIRMWARE_CHANGED: 0x8f43,
  SUB_GHZ_CONFIGURATION_CHANGED: 0x8f2a,
} as const;

function put(out: Fields, a: { object: string; member: string }, v: unknown): void {
  out[a.object] ??= {};
  out[a.object]![a.member] = v;
}

function wire(call: Call): DlmsAccess[] {
  return (call.row as DlmsCommandRow).accesses.filter((a) => call.fields[a.object]?.[a.member] !== undefined);
}

function ok(value?: unknown): { result: string; value?: unknown } {
  return value === undefined ? { result: 'success' } : { result: 'success', value };
}

function logEvent(view: ChfView, code: number): void {
  appendLog(view.state.eventLog, { time: utcSeconds2000(view.host.now()), eventCode: code });
}

// ------------------------------------------------------------------ reads

/** The value of an attribute the CHF holds (reads: ECS26i/n, ECS35c/d, DBCH01/02/03, CCS06, ECS52). */
function attribute(view: ChfView, object: string, member: string): unknown {
  const s = view.state;
  switch (`${object}.${member}`) {
    case 'deviceId1.value':
      return view.host.eui;
    case 'deviceId.value':
      return s.deviceId;
    case 'manufacturerModel.value':
      return s.manufacturerModel;
    case 'firmwareVersion.value':
      return s.firmware.version;
    case 'securityLog.buffer':
      return s.securityLog;
    case 'eventLog.buffer':
      // GBCS 18.2.1 entry_eventLogEntry8 (ECS35c): no code the CHF logs here carries other information
      return s.eventLog.map((r) => ({ ...r, otherInformation: '0000000000000000' }));
    case 'subGhzChannel.value':
      return s.subGhz.channel;
    case 'subGhzChannelLog.buffer':
      return s.subGhz.channelLog;
    case 'subGhzConfiguration.value':
      return s.subGhz.configuration ?? undefined;
    case 'zigbeeNetworkControl.activeDevices':
      return activeDevices(view);
    case 'zigbeeNetworkControl.joinTimeout':
      return s.joinTimeout;
    case 'zigbeeNetworkControl.enableDisableJoining':
      return s.joiningEnabled;
    default:
      return undefined;
  }
}

interface Range {
  fromValue: number;
  toValue: number;
}

function inRange(rows: readonly ChfLogRow[], r: Range): ChfLogRow[] {
  return rows.filter((row) => row.time >= r.fromValue && row.time <= r.toValue);
}

function readAttributes(call: Call, view: ChfView): HandlerResult {
  const response: Fields = {};
  for (const a of wire(call)) {
    let v = attribute(view, a.object, a.member);
    if (a.kind === 'get-range' && Array.isArray(v)) v = inRange(v, call.fields[a.object]![a.member] as Range);
    put(response, a, v === undefined ? { result: 'object-unavailable' } : ok(structuredClone(v)));
  }
  return { response, outcome: 'read' };
}

/** CCS06: every logged device but the HHTs, with what the CHF measured and any figures set on the backchannel. */
function activeDevices(view: ChfView): Array<{ deviceId: Eui } & HanDeviceStats> {
  return view.host.deviceLog
    .entries()
    .filter((e) => e.deviceType !== 'HHT')
    .map((e) => {
      const p = view.host.hanPeer(e.eui);
      const measured: HanDeviceStats = {
        // bit 7: joined; bit 6: heard from since joining (this project's reading: GBCS's bit meanings not confirmed)
        status: `${p.joined ? 1 : 0}${p.lastHeardAt !== null ? 1 : 0}000000`,
        rssi: 0,
        lqiIn: 0,
        lqiOut: 0,
        lastCommunicationsRoute: 0,
        hops: 1,
        joinedSince: 0,
        lastCommunication: p.lastHeardAt === null ? '****-**-**T**:**:**' : cosemText(p.lastHeardAt),
        failures: Math.min(255, p.failures),
        retries: 0,
        nwkTxQueue: 0,
        apsTxQueue: 0,
        channel: 0,
      };
      return { deviceId: e.eui, ...measured, ...view.state.hanStats[e.eui] };
    });
}

function deviceLogRead(view: ChfView): DeviceLogRead {
  return {
    lastChanged: cosemText(view.state.deviceLogChangedAt),
    chfId: view.state.deviceLogId,
    entries: view.host.deviceLog
      .entries()
      .filter((e) => e.deviceType !== 'HHT')
      .map((e) => ({ deviceId: e.eui, linkKey: toHex(e.linkKey) })),
  };
}

/** The GPF Device Log as the CHF reports it: as set, or the GSMEs and PPMIDs of the CHF Device Log (the GPF's HAN peers). */
function gpfDeviceLogRead(view: ChfView): DeviceLogRead {
  const g = view.state.gpfDeviceLog;
  if (g) return { lastChanged: cosemText(g.lastChanged), chfId: view.state.deviceLogId, entries: g.entries };
  return {
    lastChanged: cosemText(view.state.deviceLogChangedAt),
    chfId: view.state.deviceLogId,
    entries: view.host.deviceLog
      .entries()
      .filter((e) => e.deviceType === 'GSME' || e.deviceType === 'PPMID')
      .map((e) => ({ deviceId: e.eui, linkKey: toHex(e.linkKey) })),
  };
}

/** CCS07 (8.9): both Device Logs. */
function readDeviceLogs(call: Call, view: ChfView): HandlerResult {
  const response: Fields = {};
  for (const a of wire(call))
    put(response, a, ok(a.object === 'gpfDeviceLog' ? gpfDeviceLogRead(view) : deviceLogRead(view)));
  return { response, outcome: 'read' };
}

// ------------------------------------------------------------------ Device Log (8.11, 8.12.1)

interface RegisterDevice {
  deviceId: string;
  deviceType: number;
  installCode: string;
  joinMethod: number;
  relayEnabled?: boolean;
}

/**
 * CCS01: register the device (and the join timeout / joining switch it
 * sets). A device the log cannot take (full, reserved EUI, bad type or
 * install code) answers other-reason for every access and changes nothing.
 */
function addDevice(call: Call, view: ChfView): HandlerResult {
  const z = call.fields.zigbeeNetworkControl ?? {};
  const reg = z.registerDevice as RegisterDevice;
  const deviceType = DEVICE_TYPE_BY_CODE.get(reg.deviceType);
  const timeout = z.joinTimeout as number | undefined;
  const joining = z.enableDisableJoining as boolean | undefined;
  const log = view.host.deviceLog;
  let entry: ChfDeviceLogEntry;
  try {
    if (!deviceType || deviceType === 'CHF' || deviceType === 'GPF')
      throw new DeviceLogError('DEVICE_LOG_INVALID_ENTRY', `device type ${reg.deviceType}`);
    entry = log.add(
      {
        eui: normaliseEui(reg.deviceId),
        deviceType,
        installCode: fromHex(reg.installCode),
        relayEnabled: reg.relayEnabled === true,
      },
      view.host.now(),
    );
  } catch (e) {
    if (!(e instanceof DeviceLogError || e instanceof ZigbeeError)) throw e;
    return {
      response: allResults(call.fields, 'other-reason'),
      outcome: 'failed',
      detail: { reason: `device-add-failed:${e.code}` },
    };
  }
  if (timeout !== undefined) view.state.joinTimeout = timeout;
  if (joining !== undefined) view.state.joiningEnabled = joining;
  deviceLogChanged(view, 'added', entry, call);
  return {
    response: allResults(call.fields, 'success'),
    outcome: 'applied',
    detail: { reason: 'device-added', relayEnabled: entry.relayEnabled },
  };
}

/** CCS02: unregister; a device not in the log answers other-reason. */
function removeDevice(call: Call, view: ChfView): HandlerResult {
  const eui = normaliseEui(String(call.fields.zigbeeNetworkControl!.unregisterDevice));
  const removed = view.host.deviceLog.remove(eui);
  if (!removed)
    return {
      response: allResults(call.fields, 'other-reason'),
      outcome: 'failed',
      detail: { reason: 'device-not-in-log' },
    };
  deviceLogChanged(view, 'removed', removed, call);
  return {
    response: allResults(call.fields, 'success'),
    outcome: 'applied',
    detail: { reason: 'device-removed' },
  };
}

/**
 * CCS03 (8.12.1): restore a Device Log backed up from another CH: each entry
 * with its link key. GBCS's entry carries no device type: an entry already
 * logged keeps its type, otherwise the type of the device the home knows
 * (PROVISIONAL). Every entry is checked first (type known, room in the log);
 * one that fails refuses the whole command (other-reason), nothing changed.
 */
function restoreDeviceLog(call: Call, view: ChfView): HandlerResult {
  const r = call.fields.zigbeeNetworkControl!.restoreDeviceLog as {
    chfId: string;
    entries: Array<{ deviceId: string; linkKey: string }>;
  };
  const log = view.host.deviceLog;
  const plan: Array<{ eui: Eui; deviceType: DeviceType; linkKey: Uint8Array; relayEnabled: boolean }> = [];
  const refuse = (why: string): HandlerResult => ({
    response: allResults(call.fields, 'other-reason'),
    outcome: 'failed',
    detail: { reason: `restore-refused:${why}` },
  });
  const fresh = new Set<Eui>();
  for (const e of r.entries) {
    const eui = normaliseEui(e.deviceId);
    if (eui === view.host.eui || eui === view.host.gpfEui) return refuse(`reserved ${eui}`);
    const had = log.get(eui);
    const deviceType = had?.deviceType ?? view.host.deviceTypeOf(eui);
    if (!deviceType || deviceType === 'CHF' || deviceType === 'GPF') return refuse(`type of ${eui} unknown`);
    if (!had) fresh.add(eui);
    plan.push({ eui, deviceType, linkKey: fromHex(e.linkKey), relayEnabled: had?.relayEnabled ?? false });
  }
  if (log.size + fresh.size > log.capacity) return refuse('log full');
  const now = view.host.now();
  for (const p of plan) deviceLogChanged(view, 'restored', log.restore(p, now), call);
  view.state.deviceLogId = normaliseEui(r.chfId);
  return {
    response: allResults(call.fields, 'success'),
    outcome: 'applied',
    detail: { reason: 'device-log-restored', entries: plan.length },
  };
}

function deviceLogChanged(
  view: ChfView,
  change: 'added' | 'removed' | 'restored',
  entry: ChfDeviceLogEntry,
  call: Call,
): void {
  view.state.deviceLogChangedAt = view.host.now();
  logEvent(view, CHF_EVENT.DEVICE_LOG_CHANGED);
  view.host.deviceLogChanged(change, entry, call.cmd.message.originator);
}

// ------------------------------------------------------------------ Sub GHz (6.28 .. 6.32)

/**
 * DBCH04: the configuration, checked before it is kept (the three percentages
 * in hundredths of a percent, 0.01..100.00; at most 7 channel changes a week,
 * at least 1: the DUIS 6.28 ranges); DBCH09 raised.
 */
function setSubGhzConfiguration(call: Call, view: ChfView): HandlerResult {
  const c = call.fields.subGhzConfiguration!.value as Record<string, number | string>;
  const n = (k: string) => Number(c[k]);
  const percentages = ['nonGsmePoorCommsPercentage', 'localChFailurePercentage', 'localChRetryPercentage'];
  if (percentages.some((k) => n(k) === 0 || n(k) > 10000))
    throw new CommandContentError('Sub GHz percentages must be 0.01..100.00');
  if (n('channelChangesPerWeek') < 1 || n('channelChangesPerWeek') > 7)
    throw new CommandContentError('channel changes per week must be 1..7');
  view.state.subGhz.configuration = structuredClone(c);
  logEvent(view, CHF_EVENT.SUB_GHZ_CONFIGURATION_CHANGED);
  const payload = encodeAlert(
    'DBCH09',
    {
      alertCode: CHF_EVENT.SUB_GHZ_CONFIGURATION_CHANGED,
      timestamp: cosemText(view.host.now()),
      configuration: c,
    } as never,
    { header: { invoke: gbcsInvokeId(0n), dateTime: '' } },
  );
  return {
    response: allResults(call.fields, 'success'),
    outcome: 'applied',
    alerts: [
      { code: CHF_EVENT.SUB_GHZ_CONFIGURATION_CHANGED, payload, critical: false, messageCode: 0x0113 },
    ],
  };
}

/** DBCH05: a channel scan request (0..255) is recorded. */
function requestChannelScan(call: Call, view: ChfView): HandlerResult {
  view.state.subGhz.scanRequests++;
  view.state.subGhz.lastScanRequest = Number(call.fields.subGhzChannelScanRequest!.value);
  return { response: allResults(call.fields, 'success'), outcome: 'applied' };
}

// ------------------------------------------------------------------ the registry

/**
 * CS02b in every mode (the catalogue's rows target every device): the shared
 * code refuses a cell the CHF does not hold, and the Root cell.
 */
const CHF_CS02B_MODES = updateUseCasesFor('CHF');

/** Every CHF use case with a handler; the rest of the CHF rows get the registry's "unsupported". */
export const CHF_HANDLERS = new UseCaseRegistry<ChfView>()
  .register('CCS01', addDevice)
  .register('CCS02', removeDevice)
  .register('CCS03', restoreDeviceLog)
  .register('CCS07', readDeviceLogs)
  .registerAll(
    ['CCS05', 'CCS06', 'ECS26i', 'ECS26n', 'ECS35c', 'ECS35d', 'DBCH01', 'DBCH02', 'DBCH03', 'ECS52'],
    readAttributes,
  )
  .register('DBCH04', setSubGhzConfiguration)
  .register('DBCH05', requestChannelScan)
  .register('CS06', activateChfFirmware)
  .register('CS07', readJoinDetails);
registerCredentialUseCases(CHF_HANDLERS, chfCredentialHost, { updates: CHF_CS02B_MODES, details: ['CS02a'] });

/** Runs the CHF's accepted commands against its state. */
export class ChfCommands {
  readonly view: ChfView;

  constructor(
    readonly host: ChfCommandHost,
    private stateRef: { state: ChfState },
  ) {
    this.view = fastHost<ChfView, 'state'>(
      {
        deviceType: 'CHF',
        host,
        trustAnchors: host.trustAnchors,
        hardwareFaults: () => new Set(this.stateRef.state.hardwareFaults),
        simpleAlert: (code) => simpleAlert(code, host.now()),
      },
      { state: () => this.stateRef.state },
    );
  }

  /** The use cases the CHF runs. */
  useCases(): string[] {
    return CHF_HANDLERS.useCases();
  }

  /** Executes a command that passed the CHF's checks (Chf.handleOwnCommand). */
  execute(msg: GbcsMessage, critical: boolean, role: number | null): Execution {
    const info = lookupMessageCode(msg.messageCode);
    const supp = msg.otherInfo.supplementaryRemotePartyId;
    const cmd: AcceptedCommand = {
      ok: true,
      message: msg,
      info,
      useCase: info?.useCase ?? null,
      critical,
      originator: {
        eui: msg.originator,
        form: 'acb/other',
        cell: null,
        business: supp ?? msg.originator,
        role,
        placement: { via: 'direct', role: null },
      },
      replaySpace: 'command',
    };
    return CHF_HANDLERS.execute(cmd, this.view, {
      encrypt: () => {
        throw new CommandContentError('the CHF has no payload-encrypted use case');
      },
    });
  }

  /** Adds a security event (a command the CHF refused; Chf calls it). */
  securityEvent(code: number): void {
    appendLog(this.view.state.securityLog, { time: utcSeconds2000(this.host.now()), eventCode: code });
  }

  logEvent(code: number): void {
    logEvent(this.view, code);
  }
}

function simpleAlert(code: number, now: number): NonNullable<Execution['alerts']>[number] {
  const c = gbcsAlertContent(
    code,
    [],
    gbcsInvokeId(0n),
    cosemDateTimeFromDate(new Date(now)),
    `alert-${code.toString(16)}`,
  );
  return { code, payload: c.content, critical: c.critical, messageCode: c.messageCode };
}

/** Sets the invoke-id of a DLMS alert payload (data-notification) to the low 24 bits of its counter (GBCS.md 2). */
export function withAlertCounter(payload: Uint8Array, counter: bigint): Uint8Array {
  if (payload[0] !== 0x0f || payload.length < 5) return payload;
  const out = payload.slice();
  const id = Number(counter & 0xffffffn);
  out[2] = (id >> 16) & 0xff;
  out[3] = (id >> 8) & 0xff;
  out[4] = id & 0xff;
  return out;
}
