/**
 * GPF emulator (Gas Proxy Function, inside the Communications Hub): it runs
 * its own use cases after the shared security checks (devices/security),
 * through the shared handler registry (meter-common/use-case-registry.ts):
 * - GCS13a / GCS13b / GCS13c / GCS14, GCS16b (daily prepay snapshots,
 *   gsme/snapshots.ts), GCS15e (top-up log), GCS33 (valve status, battery),
 *   GCS46 (MPRN), GCS21e: reads of the gas mirror (gas-mirror.ts),
 *   the GSME's data as the GSME last wrote it, answered exactly as the GSME
 *   answers them (gsme/handlers: the protected parts payload-encrypted);
 * - GCS61 (GBCS V3.1: Target GPF only): the GSME's Daily Consumption Log
 *   as the mirror holds it (gsme/handlers/logs.ts);
 * - CS10a / CS10b: the GPF's own General and Security Event Logs (Log IDs
 *   3, 4) and its copies of the GSME's (6, 7: the mirror's); CS11 clears
 *   the GPF's own General Event Log (gsme/handlers/event-log.ts). The GPF
 *   logs GPF Device Log Changed (0x8071) when GCS59 restores its device
 *   log, and every command refused by its security checks in its Security
 *   Log;
 * - GCS09: Set Change of Tenancy Date (Device Management Publish Change of
 *   Tenancy), held in the GPF's state;
 * - GCS59: Restore GPF Device Log (ASN.1), each entry restored (result 0);
 * - CS06 Activate Firmware (DUIS 11.3; the meters' code, meter-common/firmware.ts):
 *   the GPF's own firmware. No image reaches a GPF in this emulation (the
 *   CH's images go to the CHF and, over the HAN OTA cluster, to the HAN
 *   devices), so CS06 answers GBCS's failure outcome (1) with the running
 *   version and logs Firmware Verification Failed (0x8F1C); an image loaded
 *   on the backchannel (`loadFirmwareImage`) is activated now, or at its
 *   execution date-time with the 8F66 / 8F67 alert (0x00CA), as on a meter;
 * - CS02a / CS02f, CS02b (every replacement mode; GBCS 13.3), CS02c / CS02d /
 *   CS02e: the details and the replacement of the GPF's own Trust Anchor
 *   cells and its own key pairs and certificates, by the shared handlers
 *   (meter-common/credential-handlers.ts) with its Remote Party Seq Numbers,
 *   replaced certificates and key pairs in `state.credentials`; a CS02b with
 *   a future execution date-time waits on the GPF's clock (0x00CB 8F66 /
 *   8F67 when it runs), 99991231235959Z cancels it.
 * Every other use case passes the same checks and gets its family's
 * "unsupported" answer. It is always awake: the CHF hands it its commands
 * directly (`Chf` option `gpf`), and its responses go to the WAN through the
 * CHF's uplink.
 */
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import { encodeGbzAlert } from '../../gbcs/use-cases/index.ts';
import type { DeviceType } from '../contracts.ts';
import { appendLog, clearEventLog, LOG_ID, type LogEntry, readEventLog } from '../gsme/handlers/event-log.ts';
import { type GsmeView, registerMirroredReads } from '../gsme/handlers/index.ts';
import { readSampledData } from '../gsme/handlers/logs.ts';
import {
  type CredentialHost,
  registerCredentialUseCases,
  runCredentialUpdate,
  updateUseCasesFor,
} from '../meter-common/credential-handlers.ts';
import {
  type DeviceKeyHolder,
  defaultDeviceKeyState,
  reapplyInstalledKeys,
} from '../meter-common/device-credentials.ts';
import {
  activateFirmware,
  type FirmwareHost,
  type FirmwareState,
  runFirmwareActivation,
} from '../meter-common/firmware.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  MeterDevice,
  type MeterOptions,
  type MeterSnapshotBase,
} from '../meter-common/meter-device.ts';
import { type CredentialState, reapplyReplacedCertificates } from '../meter-common/security-credentials.ts';
import { CLOCK_STATUS_DOUBTFUL, cosemDateTime, zigbeeTime } from '../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
  UseCaseRegistry,
} from '../meter-common/use-case-registry.ts';
import type { RemotePartyAnchor, TrustAnchorCellName } from '../security/credentials.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { GasMirror, type GasMirrorSnapshot } from './gas-mirror.ts';

export interface GpfState {
  /** the last Change of Tenancy (GCS09), as published */
  changeOfTenancy: Record<string, number> | null;
  /** the GPF Device Log (GCS59 restores it): HAN devices the GPF knows */
  deviceLog: Array<{ deviceId: string; deviceType: number }>;
  /** Remote Party Seq Numbers and the cell certificates CS02b replaced (absent in a snapshot from before) */
  credentials?: CredentialState;
  /** the GPF's own General Event Log (Log ID 3; absent in a snapshot from before: empty) */
  eventLog?: LogEntry[];
  /** the GPF's own Security Event Log (Log ID 4): commands its security checks refused */
  securityLog?: LogEntry[];
  /** the GPF's own firmware (CS06; absent in a snapshot from before it: GPF_FIRMWARE_VERSION, no image) */
  firmware?: FirmwareState;
}

/** The GPF's running firmware version until a CS06 changes it (PROVISIONAL: no reference GPF version). */
export const GPF_FIRMWARE_VERSION = '00010000';

/** The GPF's credential state before any CS02b: no seq number set, no certificate replaced. */
function initialGpfCredentials(): CredentialState {
  return { seqNumbers: {}, replaced: {}, deviceKeys: defaultDeviceKeyState() };
}

export interface GpfSnapshot extends MeterSnapshotBase {
  state: GpfState;
  mirror: GasMirrorSnapshot;
}

export interface GpfOptions extends MeterOptions {
  /** the gas mirror the home's GSME writes (default: a new one with the RTDS GSME's values) */
  mirror?: GasMirror;
}

interface GpfView extends GsmeView {
  gpf: GpfState;
  /** the GPF's Trust Anchor cells, credential state and clock (CS02a / CS02b / CS02f) */
  credentialHost: CredentialHost;
  /** its own key pairs and certificates (CS02c / CS02d / CS02e) */
  deviceKeys: DeviceKeyHolder;
  /** its own firmware (CS06), as the meters hold theirs */
  firmwareHost: FirmwareHost;
}

/** Responses to these reads carry the clock status in the header date-time (RTDS GCS13a/b/c, GCS14 on the GPF: 00). */
const READS = new Set(['GCS13a', 'GCS13b', 'GCS13c', 'GCS14'].map((u) => messageCodeForUseCase(u)!.code));

/** The GPF's logs by ZSE Log ID: its own, and its copies of the GSME's (the mirror's). */
const gpfLogs = (d: GpfView) => ({
  [LOG_ID.general]: ownLog(d.gpf, 'eventLog'),
  [LOG_ID.security]: ownLog(d.gpf, 'securityLog'),
  [LOG_ID.gsmeGeneralCopy]: d.state.eventLog,
  [LOG_ID.gsmeSecurityCopy]: d.state.securityLog ?? [],
});

function ownLog(s: GpfState, which: 'eventLog' | 'securityLog'): LogEntry[] {
  s[which] ??= [];
  return s[which];
}

/** GBCS alert / event code GPF Device Log Changed. */
const GPF_DEVICE_LOG_CHANGED = 0x8071;

/** The GPF's handlers: the mirrored reads and its own use cases. */
export const GPF_HANDLERS = registerMirroredReads(new UseCaseRegistry<GpfView>())
  .register('GCS61', readSampledData)
  .registerAll(['CS10a', 'CS10b'], readEventLog(gpfLogs))
  .register(
    'CS11',
    clearEventLog((d: GpfView) => ownLog(d.gpf, 'eventLog')),
  )
  .register('GCS09', changeOfTenancy)
  .register('GCS59', restoreDeviceLog)
  .register('CS06', (call: UseCaseCall<Parameters<typeof activateFirmware>[0]['fields']>, d: GpfView) =>
    activateFirmware(call, d.firmwareHost),
  );
registerCredentialUseCases(GPF_HANDLERS, (d) => d.credentialHost, {
  updates: updateUseCasesFor('GPF'),
  deviceKeys: (d) => d.deviceKeys,
});

export class Gpf extends MeterDevice<GpfState> {
  readonly deviceType: DeviceType = 'GPF';
  protected state: GpfState = { changeOfTenancy: null, deviceLog: [], credentials: initialGpfCredentials() };
  readonly mirror: GasMirror;
  private readonly registry: UseCaseRegistry<GpfView>;
  private readonly view: GpfView;

  constructor(opts: GpfOptions) {
    super(opts, 'gpf');
    this.mirror = opts.mirror ?? new GasMirror();
    this.registry = GPF_HANDLERS;
    const self = this;
    this.view = {
      deviceType: 'GPF',
      get state() {
        return self.mirror.state;
      },
      get gpf() {
        return self.state;
      },
      hardwareFaults: () => this.hardwareFaults(),
      gbzFaults: () => this.hardwareFaults(),
      simpleAlert: (code) => this.simpleAlert(code),
      now: () => this.deviceNow(),
      logEvent: (code) => appendLog(ownLog(self.state, 'eventLog'), this.deviceNow(), code),
      credentialHost: this.credentialHost(),
      firmwareHost: {
        // the shared code replaces `state.firmware` whole: the GPF's own state holds it
        state: {
          get firmware(): FirmwareState {
            self.state.firmware ??= { version: GPF_FIRMWARE_VERSION, pendingImage: null };
            return self.state.firmware;
          },
          set firmware(f: FirmwareState) {
            self.state.firmware = f;
          },
        },
        now: () => this.deviceNow(),
        logEvent: (code) => appendLog(ownLog(self.state, 'eventLog'), this.deviceNow(), code),
        scheduleFutureDated: (e) => this.acceptFutureDated(e),
        cancelFutureDated: (k) => this.cancelFutureDated(k),
      },
      deviceKeys: {
        deviceType: 'GPF',
        eui: this.eui,
        security: this.security,
        get deviceKeys() {
          return self.credentialState().deviceKeys;
        },
        hardwareFaults: () => this.hardwareFaults(),
        simpleAlert: (code) => this.simpleAlert(code),
      },
    };
  }

  /** The live credential state (a snapshot from before it: the initial one). */
  private credentialState(): CredentialState {
    this.state.credentials ??= initialGpfCredentials();
    this.state.credentials.deviceKeys ??= defaultDeviceKeyState();
    return this.state.credentials;
  }

  private credentialHost(): CredentialHost {
    const self = this;
    return {
      get credentials() {
        return {
          deviceType: 'GPF' as const,
          security: self.security,
          credentialState: self.credentialState(),
        };
      },
      now: () => this.deviceNow(),
      futureDated: {
        schedule: (e) => this.acceptFutureDated(e),
        cancel: (k) => this.cancelFutureDated(k),
      },
    };
  }

  get stateView(): GpfState {
    return structuredClone(this.state);
  }

  /** The use cases the GPF runs. */
  useCases(): string[] {
    return this.registry.useCases();
  }

  /** Test backchannel: hardware faults (`cluster.AttributeName` / `cluster.command`), the Trust Anchor cells. */
  readonly backchannel = {
    hardwareFault: (what: string, on = true): void => this.setHardwareFault(what, on),
    /** The GPF's Trust Anchor cell `name` as it holds it. */
    trustAnchorCell: (name: TrustAnchorCellName): RemotePartyAnchor | undefined =>
      this.security.trustAnchors.cell(name),
    /** An image the GPF holds as if verified (none reaches it over the air here): CS06 may activate it. */
    loadFirmwareImage: (hash: string, version: string): void => {
      this.view.firmwareHost.state.firmware.pendingImage = {
        hash: hash.toUpperCase(),
        version: version.toUpperCase(),
      };
    },
    /** The GPF's running firmware version and any image waiting for CS06. */
    firmware: (): FirmwareState => structuredClone(this.view.firmwareHost.state.firmware),
    /** What cell `name` held before the test (the certificates a GPF in service was given by an earlier CS02b). */
    setTrustAnchorCell: (name: TrustAnchorCellName, anchor: RemotePartyAnchor): void => {
      const ta = this.security.trustAnchors.clone();
      ta.setCell(name, anchor);
      this.security.setTrustAnchors(ta);
    },
  };

  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    return this.registry.execute(cmd, this.view, ctx);
  }

  /** A command refused by the security checks goes into the GPF's Security Event Log (CS10b, Log ID 4). */
  protected override onSecurityEvent(code: number): void {
    appendLog(ownLog(this.state, 'securityLog'), this.deviceNow(), code);
  }

  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    return encodeGbzAlert({ alertCode: code, alertTime: zigbeeTime(atMs) });
  }

  /** The GPF's future-dated work: a CS06 or a CS02b at its execution date-time. */
  protected executeFutureDated(entry: FutureDatedEntry): ReturnType<typeof runCredentialUpdate> {
    if (entry.useCase === 'CS06') return runFirmwareActivation(entry, this.view.firmwareHost);
    return runCredentialUpdate(entry, this.view.credentialHost);
  }

  protected headerDateTime(messageCode: number): Uint8Array {
    if (!READS.has(messageCode)) return cosemDateTime(this.deviceNow());
    return cosemDateTime(this.deviceNow(), this.timeStatus === 'reliable' ? 0x00 : CLOCK_STATUS_DOUBTFUL);
  }

  snapshot(): GpfSnapshot {
    return { ...this.snapshotBase(), state: structuredClone(this.state), mirror: this.mirror.snapshot() };
  }

  restore(s: GpfSnapshot): void {
    this.state = structuredClone(s.state);
    this.mirror.restore(s.mirror);
    this.restoreBase(s);
    // the key pairs CS02d installed and the certificates CS02b put into cells are the GPF's again
    reapplyInstalledKeys(this.security, this.credentialState().deviceKeys);
    reapplyReplacedCertificates(this.view.credentialHost.credentials);
  }
}

/** GCS09 (DUIS 3.2): Publish Change of Tenancy -> Default Response SUCCESS; the GPF keeps the published values. */
function changeOfTenancy(
  call: UseCaseCall<{ changeOfTenancy: Record<string, number> }>,
  d: GpfView,
): HandlerResult {
  const faulted = d.gbzFaults().has('deviceManagement.publishChangeOfTenancy');
  if (!faulted) d.gpf.changeOfTenancy = { ...call.fields.changeOfTenancy };
  return {
    response: {
      components: [
        {
          cluster: 'deviceManagement',
          command: 'defaultResponse',
          fields: { commandId: 0x00, status: faulted ? 0xc0 : 0x00 },
        },
      ],
    },
    outcome: faulted ? 'failed' : 'applied',
    detail: { changeOfTenancy: call.fields.changeOfTenancy },
  };
}

/** GCS59 (DUIS 8.12.2): Restore GPF Device Log: the log becomes the given entries, each answered result 0 (restored). */
function restoreDeviceLog(
  call: UseCaseCall<{ deviceLog: Array<{ deviceId: string; deviceType: number }> }>,
  d: GpfView,
): HandlerResult {
  const entries = call.fields.deviceLog;
  const ids = new Set(entries.map((e) => e.deviceId.toUpperCase()));
  if (ids.size !== entries.length) throw new CommandContentError('GCS59: a device appears twice in the log');
  d.gpf.deviceLog = entries.map((e) => ({ deviceId: e.deviceId.toUpperCase(), deviceType: e.deviceType }));
  d.logEvent(GPF_DEVICE_LOG_CHANGED);
  return {
    response: { restoreOutcomes: entries.map((device) => ({ device, result: 0 })) },
    outcome: 'applied',
    detail: { deviceLog: d.gpf.deviceLog.length },
  };
}
