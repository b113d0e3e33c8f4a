/**
 * The Remote Party use cases a HAN device that is not a meter runs itself
 * (docs/devices.md "PPMID and HCALCS own use cases"): the catalogue rows that
 * target a PPMID or an HCALCS, run through the shared use-case registry
 * (meter-common/use-case-registry.ts: decode by named fields, shape checks,
 * the family's "unsupported" answer, 8F1E on a malformed payload) after the
 * same DeviceSecurity check every meter makes. Used by the PPMID (ppmid.ts
 * hands it every accepted command addressed to the PPMID) and the HCALCS
 * emulator (hcalcs.ts); neither class holds this logic.
 *
 * Run here (catalogue rows, ASN.1 family):
 * - CS08 Read PPMID/HCALCS Firmware Version: the device's version; while the
 *   `firmwareVersion` hardware fault is set (backchannel), response code 1
 *   and version 00000000 (the shape of RTDS CS08 ERROR);
 * - CS03A2 / CS03C join (method A responder, method C): the other device
 *   into the device's join log. A PPMID joins meters (ESME, GSME), an HCALCS
 *   an ESME; another type is a command the device cannot accept (malformed,
 *   8F1E). GBCS (13.7): the other device's KA certificate is present if and
 *   only if the join is between a GSME and a PPMID; a join breaking that is
 *   answered response code 11 (the value RTDS CS03C ERROR shows for a PPMID
 *   asked to join a GSME without its certificate; its GBCS name is not
 *   confirmed) and changes nothing;
 * - CS04AC unjoin: the entry leaves the log (an EUI not in it: success,
 *   nothing changes; GBCS's code for that case is not confirmed);
 * - CS07 Read Device Join Details: the log (RTDS has no CS07 example: the
 *   row's shape is unconfirmed).
 * - CS06 Activate Firmware (meter-common/firmware.ts, as the meters): the
 *   image the CH sent over the HAN OTA cluster (`receiveFirmwareImage`,
 *   verified for this device type) activated now, or at its execution time
 *   on the device clock with the 8F66 / 8F67 alert (`sendAlert`); CS08 then
 *   reads the new version.
 * - CS02a / CS02f, CS02b (the modes replacing a cell the device holds: it
 *   holds the Root, Recovery and ACB cells, security/credentials.ts
 *   TRUST_ANCHOR_CELLS_OF), CS02c / CS02d / CS02e: the shared handlers
 *   (meter-common/credential-handlers.ts) on the device's cells, key pairs
 *   and `state.credentials`, as the meters run them. PROVISIONAL: a CS02b
 *   with a future execution date-time is refused (malformed, 8F1E): the
 *   device keeps only a future-dated CS06.
 * Everything else that targets the device (CS11...) passes the security
 * checks and gets the ASN.1/GBZ "unsupported" answer.
 */
import { encodeGbzAlert } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { LazySet } from '../../runtime/lazy-collections.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { DeviceType } from '../contracts.ts';
import {
  type CredentialHost,
  registerCredentialUseCases,
  updateUseCasesFor,
} from '../meter-common/credential-handlers.ts';
import {
  type DeviceKeyHolder,
  defaultDeviceKeyState,
  reapplyInstalledKeys,
} from '../meter-common/device-credentials.ts';
import {
  activateFirmware,
  EVENT_FIRMWARE_VERIFICATION_FAILED,
  type FirmwareHost,
  type FirmwareState,
  runFirmwareActivation,
  verifyFirmwareFile,
} from '../meter-common/firmware.ts';
import { type Execution, type FutureDatedEntry, simpleAlertOf } from '../meter-common/meter-device.ts';
import { responseIsSigned } from '../meter-common/response-shape.ts';
import {
  type CredentialState,
  defaultCredentialState,
  reapplyReplacedCertificates,
} from '../meter-common/security-credentials.ts';
import { zigbeeTime } from '../meter-common/time.ts';
import {
  CommandContentError,
  type RegistryDevice,
  UseCaseRegistry,
} from '../meter-common/use-case-registry.ts';
import type { AcceptedCommand, DeviceSecurity } from '../security/device-security.ts';

/** GBCS DeviceType numbers (ASN.1, GBCS.md 5). */
const DEVICE_TYPE_NUMBER = { GSME: 0, ESME: 1, CHF: 2, GPF: 3, HCALCS: 4, PPMID: 5, Type2: 6 } as const;
type NumberedType = keyof typeof DEVICE_TYPE_NUMBER;
const TYPE_OF_NUMBER = new Map<number, NumberedType>(
  Object.entries(DEVICE_TYPE_NUMBER).map(([k, v]) => [v, k as NumberedType]),
);

/** CS03 response code for a join whose KA certificate rule is broken (RTDS CS03C ERROR; name not confirmed). */
export const JOIN_CERTIFICATE_MISMATCH = 11;
/** CS08 response code while the firmware version cannot be read (RTDS CS08 ERROR). */
export const FIRMWARE_VERSION_UNAVAILABLE = 1;
/** The backchannel fault that makes CS08 fail. */
export const FIRMWARE_VERSION_FAULT = 'firmwareVersion';

export interface JoinedDevice {
  eui: Eui;
  deviceType: NumberedType;
  /** the KA certificate given with the join (GSME-PPMID joins), hex */
  kaCertificate?: string;
}

/** The device's own state (JSON-safe, part of its snapshot). */
export interface HanDeviceState {
  /** 4 bytes, hex */
  firmwareVersion: string;
  joined: JoinedDevice[];
  /** an image received over OTA and verified, waiting for CS06 (absent in snapshots from before firmware) */
  pendingImage?: { hash: string; version: string } | null;
  /** a future-dated CS06 waiting for its time */
  futureDated?: FutureDatedEntry | null;
  /** GBCS event codes the firmware path logs (0x8F1C, 0x8F43), newest last, at most 100 */
  eventLog?: Array<{ at: number; code: number }>;
  /** Remote Party Seq Numbers, certificates CS02b put into cells, key pairs CS02c / CS02d gave it (absent: none) */
  credentials?: CredentialState;
}

export type HanDeviceType = 'PPMID' | 'HCALCS';

/** Which device types each may join (SMETS/GBCS: a PPMID to meters; an HCALCS to its ESME). */
const JOINABLE: Record<HanDeviceType, readonly NumberedType[]> = {
  PPMID: ['ESME', 'GSME'],
  HCALCS: ['ESME'],
};

export interface HanOwnUseCasesOptions {
  deviceType: HanDeviceType;
  security: DeviceSecurity;
  metrics: Metrics;
  /** device time (ms) */
  now: () => number;
  /** default 4 zero bytes */
  firmwareVersion?: string;
  /** the device's timers: a future-dated CS06 waits on it (absent: CS06 with a future time is refused, 8F1E) */
  clock?: Pick<Clock, 'setTimer'>;
  /** sends a protected alert over the HAN (the 8F66 / 8F67 of a future-dated CS06) */
  sendAlert?: (bytes: Uint8Array) => void;
}

/** What the device gets back for an accepted command: the protected response to send, and what happened. */
export interface OwnCommandResult {
  response: Uint8Array;
  outcome: Execution['outcome'];
  detail?: Record<string, unknown>;
  /** alerts to send after the response (8F1E on a malformed command): protected, ready for the HAN */
  alerts: Uint8Array[];
}

export class HanOwnUseCases implements RegistryDevice {
  readonly deviceType: DeviceType;
  private readonly faults: Set<string> = new LazySet();
  private state: HanDeviceState;

  constructor(private readonly o: HanOwnUseCasesOptions) {
    this.deviceType = o.deviceType;
    this.state = {
      firmwareVersion: (o.firmwareVersion ?? '00000000').toUpperCase(),
      joined: [],
      credentials: { ...defaultCredentialState(), seqNumbers: {} },
    };
    if (!/^[0-9A-F]{8}$/.test(this.state.firmwareVersion))
      throw new RangeError(`firmware version must be 4 bytes of hex: ${o.firmwareVersion}`);
  }

  /** The use cases this device runs (for listings). */
  static runs(): string[] {
    return REGISTRY.useCases();
  }

  /** Runs an accepted command addressed to the device and protects its response (committing the counter). */
  run(cmd: AcceptedCommand): OwnCommandResult {
    const m = cmd.message;
    const otherInfo = this.o.security.responseOtherInfo(m);
    const exec = REGISTRY.execute(cmd, this, {
      encrypt: (plaintext) => this.o.security.encryptResponsePayload(m, otherInfo, plaintext),
    });
    const response = this.o.security.buildResponse(m, exec.content, {
      critical: responseIsSigned(cmd.useCase, cmd.critical, m.mac !== null),
      dateTime: null,
      otherInfo,
    });
    if (exec.commit ?? true) this.o.security.commit(cmd);
    this.o.metrics.inc(`${this.o.deviceType.toLowerCase()}.own-command.${exec.outcome}`);
    const alerts = (exec.alerts ?? []).flatMap((a) => {
      const recipient = this.o.security.trustAnchors.cell('supplier')?.eui ?? m.originator;
      return [
        this.o.security.buildAlert({
          recipient,
          messageCode: a.messageCode,
          payload: a.payload,
          critical: a.critical,
        }).bytes,
      ];
    });
    return { response, outcome: exec.outcome, ...(exec.detail ? { detail: exec.detail } : {}), alerts };
  }

  // ---------------------------------------------------------------- RegistryDevice

  hardwareFaults(): ReadonlySet<string> {
    return this.faults;
  }

  simpleAlert(code: number): NonNullable<Execution['alerts']>[number] {
    return simpleAlertOf(code, encodeGbzAlert({ alertCode: code, alertTime: zigbeeTime(this.o.now()) }));
  }

  // ---------------------------------------------------------------- firmware (meter-common/firmware.ts)

  /** A firmware file the CH sent over the HAN OTA cluster: verified for this device type and held for CS06. */
  receiveFirmwareImage(
    file: Uint8Array,
  ): { ok: true; version: string; hash: string } | { ok: false; error: string } {
    const v = verifyFirmwareFile(file, this.o.deviceType);
    if (!v.ok) {
      this.logEvent(EVENT_FIRMWARE_VERIFICATION_FAILED);
      this.o.metrics.inc(`${this.o.deviceType.toLowerCase()}.firmware.refused`);
      return v;
    }
    this.state.pendingImage = { hash: v.image.hash, version: v.image.version };
    this.o.metrics.inc(`${this.o.deviceType.toLowerCase()}.firmware.received`);
    return { ok: true, version: v.image.version, hash: v.image.hash };
  }

  pendingImage(): { hash: string; version: string } | null {
    return this.state.pendingImage ?? null;
  }

  /** @internal the firmware handlers' view of this device */
  firmwareHost(): FirmwareHost {
    const self = this;
    return {
      state: {
        get firmware(): FirmwareState {
          return { version: self.state.firmwareVersion, pendingImage: self.state.pendingImage ?? null };
        },
        set firmware(f: FirmwareState) {
          self.state.firmwareVersion = f.version.toUpperCase();
          self.state.pendingImage = f.pendingImage;
        },
      },
      now: () => this.o.now(),
      logEvent: (code) => this.logEvent(code),
      scheduleFutureDated: (e) => this.scheduleFirmware(e),
      cancelFutureDated: () => {
        const had = !!this.state.futureDated;
        this.state.futureDated = null;
        this.timer?.cancel();
        this.timer = null;
        return had;
      },
    };
  }

  private timer: { cancel(): void } | null = null;

  private scheduleFirmware(entry: FutureDatedEntry): void {
    const clock = this.o.clock;
    if (!clock) throw new CommandContentError(`a future-dated CS06 needs the ${this.o.deviceType}'s clock`);
    this.timer?.cancel();
    this.state.futureDated = entry;
    this.timer = clock.setTimer(
      Math.max(0, entry.executeAt - this.o.now()),
      () => {
        this.timer = null;
        const e = this.state.futureDated;
        if (!e) return;
        this.state.futureDated = null;
        const r = runFirmwareActivation(e, this.firmwareHost());
        this.o.metrics.inc(
          `${this.o.deviceType.toLowerCase()}.firmware.futureDated.${r.ok ? 'actioned' : 'failed'}`,
        );
        const recipient = this.o.security.trustAnchors.cell('supplier')?.eui ?? e.originator;
        // 8F66 / 8F67: critical, signed (as the meters raise them)
        const alert = this.o.security.buildAlert({
          recipient,
          messageCode: r.alert.messageCode,
          payload: r.alert.payload,
          critical: true,
        });
        this.o.sendAlert?.(alert.bytes);
      },
      `${this.o.deviceType} future-dated CS06`,
    );
  }

  private logEvent(code: number): void {
    if (!this.state.eventLog) this.state.eventLog = [];
    const log = this.state.eventLog;
    log.push({ at: this.o.now(), code });
    if (log.length > 100) log.shift();
  }

  // ---------------------------------------------------------------- security credentials (CS02x)

  /** The live credential state (absent in a snapshot from before it: none set). */
  private credentialState(): CredentialState {
    this.state.credentials ??= { ...defaultCredentialState(), seqNumbers: {} };
    this.state.credentials.deviceKeys ??= defaultDeviceKeyState();
    return this.state.credentials;
  }

  /** @internal the shared credential handlers' view of this device (no future-dated CS02b: refused, 8F1E) */
  credentialHost(): CredentialHost {
    return {
      credentials: {
        deviceType: this.o.deviceType,
        security: this.o.security,
        credentialState: this.credentialState(),
      },
      now: () => this.o.now(),
    };
  }

  /** @internal its own key pairs and certificates (CS02c / CS02d / CS02e) */
  deviceKeyHolder(): DeviceKeyHolder {
    return {
      deviceType: this.o.deviceType,
      eui: this.o.security.ownCredentials.eui,
      security: this.o.security,
      deviceKeys: this.credentialState().deviceKeys,
      hardwareFaults: () => this.hardwareFaults(),
      simpleAlert: (code) => this.simpleAlert(code),
    };
  }

  // ---------------------------------------------------------------- state and backchannel

  /** A fault (backchannel): `firmwareVersion` makes CS08 fail. */
  setHardwareFault(name: string, on = true): void {
    if (on) this.faults.add(name);
    else this.faults.delete(name);
  }

  firmwareVersion(): string {
    return this.state.firmwareVersion;
  }

  joined(): readonly JoinedDevice[] {
    return this.state.joined;
  }

  snapshot(): HanDeviceState {
    return structuredClone(this.state);
  }

  restore(s: HanDeviceState): void {
    this.state = structuredClone(s);
    // the key pairs CS02d installed and the certificates CS02b put into cells are the device's again
    reapplyInstalledKeys(this.o.security, this.credentialState().deviceKeys);
    reapplyReplacedCertificates(this.credentialHost().credentials);
    this.timer?.cancel();
    this.timer = null;
    const pending = this.state.futureDated;
    if (pending) this.scheduleFirmware(pending);
  }

  // ---------------------------------------------------------------- the use cases (handlers below)

  /** @internal */ readFirmwareVersion(): { firmwareVersion: string; responseCode: number } {
    if (this.faults.has(FIRMWARE_VERSION_FAULT))
      return { firmwareVersion: '00000000', responseCode: FIRMWARE_VERSION_UNAVAILABLE };
    return { firmwareVersion: this.state.firmwareVersion, responseCode: 0 };
  }

  /** @internal */ join(f: JoinFields): number {
    const type = TYPE_OF_NUMBER.get(f.otherDeviceType);
    if (!type || !JOINABLE[this.o.deviceType].includes(type))
      throw new CommandContentError(
        `a ${this.o.deviceType} does not join a device of type ${f.otherDeviceType} (${type ?? 'unknown'})`,
      );
    if (![1, 3].includes(f.joinMethodAndRole))
      throw new CommandContentError(
        `join method and role ${f.joinMethodAndRole}: a ${this.o.deviceType} joins as method A responder (1) or by method C (3)`,
      );
    const needsCertificate = this.o.deviceType === 'PPMID' && type === 'GSME';
    const hasCertificate = f.otherDeviceKACertificate !== undefined;
    if (needsCertificate !== hasCertificate) return JOIN_CERTIFICATE_MISMATCH;
    const entry: JoinedDevice = {
      eui: f.otherDeviceEntityIdentifier.toUpperCase(),
      deviceType: type,
      ...(hasCertificate ? { kaCertificate: f.otherDeviceKACertificate } : {}),
    };
    this.state.joined = [...this.state.joined.filter((j) => j.eui !== entry.eui), entry];
    return 0;
  }

  /** @internal */ unjoin(eui: string): number {
    this.state.joined = this.state.joined.filter((j) => j.eui !== eui.toUpperCase());
    return 0;
  }

  /** @internal */ joinDetails(): {
    responseCode: number;
    joinedDevices: { deviceId: string; deviceType: number }[];
  } {
    return {
      responseCode: 0,
      joinedDevices: this.state.joined.map((j) => ({
        deviceId: j.eui,
        deviceType: DEVICE_TYPE_NUMBER[j.deviceType],
      })),
    };
  }
}

interface JoinFields {
  joinMethodAndRole: number;
  otherDeviceEntityIdentifier: string;
  otherDeviceType: number;
  otherDeviceKACertificate?: string;
}

/** One registry for both device types (the row's targets decide which runs what). */
const REGISTRY = new UseCaseRegistry<HanOwnUseCases>()
  .register('CS08', (_call, d) => ({ response: d.readFirmwareVersion(), outcome: 'read' }))
  .registerAll(['CS03A2', 'CS03C'], (call, d) => {
    const code = d.join(call.fields as JoinFields);
    return {
      response: code,
      outcome: code === 0 ? 'applied' : 'failed',
      detail: {
        joined: code === 0 ? (call.fields as JoinFields).otherDeviceEntityIdentifier : null,
        responseCode: code,
      },
    };
  })
  .register('CS04AC', (call, d) => ({ response: d.unjoin(call.fields as string), outcome: 'applied' }))
  .register('CS07', (_call, d) => ({ response: d.joinDetails(), outcome: 'read' }))
  .register('CS06', (call, d) =>
    activateFirmware(call as Parameters<typeof activateFirmware>[0], d.firmwareHost()),
  );

// the PPMID and the HCALCS hold the same cells (TRUST_ANCHOR_CELLS_OF): one set of CS02b modes
registerCredentialUseCases(REGISTRY, (d) => d.credentialHost(), {
  updates: updateUseCasesFor('PPMID'),
  deviceKeys: (d) => d.deviceKeyHolder(),
});

/** Hex of the response payload, for events. */
export const responseHex = (r: OwnCommandResult): string => toHex(r.response);
