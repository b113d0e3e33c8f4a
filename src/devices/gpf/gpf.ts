/**
 * GPF emulator (Gas Proxy Function, inside the Communications Hub): it runs
 * its own use cases after the shared security checks (devices/security),
 * through the shared handler registry (meter-common/use-case-registry.ts):
 * - GCS13a / GCS13b / GCS13c / GCS14, GCS16b (daily prepay snapshots,
 *   gsme/snapshots.ts): reads of the gas mirror (gas-mirror.ts),
 *   the GSME's data as the GSME last wrote it, answered exactly as the GSME
 *   answers them (gsme/handlers: the protected parts payload-encrypted);
 * - GCS09: Set Change of Tenancy Date (Device Management Publish Change of
 *   Tenancy), held in the GPF's state;
 * - GCS59: Restore GPF Device Log (ASN.1), each entry restored (result 0).
 * Every other use case passes the same checks and gets its family's
 * "unsupported" answer. It is always awake: the CHF hands it its commands
 * directly (`Chf` option `gpf`), and its responses go to the WAN through the
 * CHF's uplink.
 */
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import { encodeGbzAlert } from '../../gbcs/use-cases/index.ts';
import type { DeviceType } from '../contracts.ts';
import { type GsmeView, registerMirroredReads } from '../gsme/handlers/index.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  MeterDevice,
  type MeterOptions,
  type MeterSnapshotBase,
} from '../meter-common/meter-device.ts';
import { CLOCK_STATUS_DOUBTFUL, cosemDateTime, zigbeeTime } from '../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
  UseCaseRegistry,
} from '../meter-common/use-case-registry.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { GasMirror, type GasMirrorSnapshot } from './gas-mirror.ts';

export interface GpfState {
  /** the last Change of Tenancy (GCS09), as published */
  changeOfTenancy: Record<string, number> | null;
  /** the GPF Device Log (GCS59 restores it): HAN devices the GPF knows */
  deviceLog: Array<{ deviceId: string; deviceType: number }>;
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
}

/** Responses to these reads carry the clock status in the header date-time (RTDS GCS13a/b/c, GCS14 on the GPF: 00). */
const READS = new Set(['GCS13a', 'GCS13b', 'GCS13c', 'GCS14'].map((u) => messageCodeForUseCase(u)!.code));

/** The GPF's handlers: the mirrored reads and its own two use cases. */
export const GPF_HANDLERS = registerMirroredReads(new UseCaseRegistry<GpfView>())
  .register('GCS09', changeOfTenancy)
  .register('GCS59', restoreDeviceLog);

export class Gpf extends MeterDevice<GpfState> {
  readonly deviceType: DeviceType = 'GPF';
  protected state: GpfState = { changeOfTenancy: null, deviceLog: [] };
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
      logEvent: () => {},
    };
  }

  get stateView(): GpfState {
    return structuredClone(this.state);
  }

  /** The use cases the GPF runs. */
  useCases(): string[] {
    return this.registry.useCases();
  }

  /** Test backchannel: hardware faults (`cluster.AttributeName` / `cluster.command`). */
  readonly backchannel = {
    hardwareFault: (what: string, on = true): void => this.setHardwareFault(what, on),
  };

  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    return this.registry.execute(cmd, this.view, ctx);
  }

  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    return encodeGbzAlert({ alertCode: code, alertTime: zigbeeTime(atMs) });
  }

  protected executeFutureDated(_entry: FutureDatedEntry): never {
    // the GPF schedules nothing
    throw new Error('the GPF has no future-dated commands');
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
  return {
    response: { restoreOutcomes: entries.map((device) => ({ device, result: 0 })) },
    outcome: 'applied',
    detail: { deviceLog: d.gpf.deviceLog.length },
  };
}
