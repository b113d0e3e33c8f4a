/**
 * ESME emulator (electricity smart meter, SMETS2): a DLMS/COSEM device whose
 * use cases run on real GBCS bytes, after the shared security checks
 * (devices/security). Every accepted command goes through the shared
 * use-case registry (meter-common/use-case-registry.ts, docs/devices.md):
 * decoded by named fields from its catalogue row, handled by the ESME's
 * handler for that row (handlers/), answered by named fields; a use case
 * with no handler gets the GBCS "unsupported" answer.
 *
 * This class holds the state (state.ts), the test backchannel, the services
 * the handlers use (services.ts) and the ESME's alert and header shapes.
 */

import { dlms, encodeDlmsApdu, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import { formatCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { type Eui, normaliseEui, toHex } from '../../runtime/bytes.ts';
import { fastHost } from '../../runtime/fast-host.ts';
import type { DeviceEvent } from '../contracts.ts';
import { defaultDeviceKeyState, reapplyInstalledKeys } from '../meter-common/device-credentials.ts';
import { EVENT_FIRMWARE_VERIFICATION_FAILED, verifyFirmwareFile } from '../meter-common/firmware.ts';
import { restoreJoinedPeers } from '../meter-common/join-table.ts';
import {
  type Execution,
  type ExecutionContext,
  type FutureDatedEntry,
  MeterDevice,
  simpleAlertOf,
} from '../meter-common/meter-device.ts';
import { accrue, type LoadModel, newMetrology, recordConsumption } from '../meter-common/metrology.ts';
import { defaultCredentialState, reapplyReplacedCertificates } from '../meter-common/security-credentials.ts';
import { CLOCK_STATUS_DOUBTFUL, cosemDateTime } from '../meter-common/time.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { AlcsControl, defaultAlcsState } from './alcs.ts';
import { attributeOverlay } from './attribute-store.ts';
import { defaultBillingState } from './billing-calendar.ts';
import { BillingCalendarControl, ECS68 } from './billing-control.ts';
import { BlockCounterDailyReset } from './block-reset-control.ts';
import { newDailyReadLog, recordDailyReads } from './daily-read-log.ts';
import { answerHanCommand, type EsmeHanHost } from './han-commands.ts';
import { ESME_FUTURE_DATED, ESME_HANDLERS } from './handlers/index.ts';
import { HcalcsDriver } from './hcalcs-driver.ts';
import {
  INTEGRITY_ISSUE_WARNING,
  type IntegrityIssue,
  integrityWarningAlert,
  MIIWA_ESME,
} from './integrity.ts';
import { migrateEsmeTariffState, migrateFutureDated } from './legacy-state.ts';
import {
  accruePrepayment,
  chargeConsumption,
  chargeSecondaryConsumption,
  startPrepaymentAccrual,
} from './prepay-supply.ts';
import { CHANNEL } from './profile-log.ts';
import type { EsmeServices } from './services.ts';
import {
  defaultEsmeState,
  ESME_PROFILE_CAPACITY,
  type EsmeOptions,
  type EsmeSnapshot,
  type EsmeState,
} from './state.ts';
import { answerAttributeRead } from './zse-server.ts';

export { SUPPLY_SCRIPT } from './handlers/supply.ts';
export * from './state.ts';

/** The receipt alert of a verified firmware image: its row and alert code (8F72 Firmware Verification Successful). */
const FDRA_DLMS = useCaseById('FDRA-DLMS')!;
const FIRMWARE_VERIFICATION_SUCCESSFUL = 0x8f72;

export class Esme extends MeterDevice<EsmeState> {
  readonly deviceType = 'ESME' as const;
  protected state: EsmeState;
  private readonly services: EsmeServices;
  private readonly load: LoadModel | null;

  /**
   * @param opts eui, clock, credentials, trustAnchors (see MeterOptions), and
   *   `initialState` overriding parts of `defaultEsmeState()`.
   */
  constructor(opts: EsmeOptions) {
    super(opts, 'esme');
    this.state = { ...defaultEsmeState(opts.variant), ...structuredClone(opts.initialState ?? {}) };
    this.load = opts.metrology?.load ?? null;
    if (opts.metrology && !this.state.metrology)
      this.state.metrology = newMetrology(this.deviceNow(), ESME_PROFILE_CAPACITY);
    // the daily read log records the midnights from the meter's start
    this.state.dailyReadLog.to ??= this.deviceNow();
    // a meter made in prepayment takes its time-based charges from its start
    if (this.state.paymentMode === 'prepayment' && this.state.prepay?.accruedTo === undefined)
      startPrepaymentAccrual(this.state, this.deviceNow());
    this.services = this.buildServices();
    this.alcs.reschedule();
    this.billing.reschedule();
    this.blockReset.reschedule();
  }

  /** A copy of the meter's state (for tests and the automation API). */
  get stateView(): EsmeState {
    this.advance();
    return structuredClone(this.state);
  }

  /** The use cases this ESME runs (a handler registered against the catalogue row). */
  static runs(): string[] {
    return ESME_HANDLERS.useCases();
  }

  // ------------------------------------------------------------------ test backchannel

  /** Side door for tests: what a person, the OTA transfer or the physical world does. */
  readonly backchannel = {
    /** A firmware image arrived over OTA and was verified: CS06 may now activate it. */
    loadFirmwareImage: (hash: Uint8Array, version: Uint8Array): void => {
      this.state.firmware.pendingImage = { hash: toHex(hash), version: toHex(version) };
    },
    /** The firmware the meter runs (as manufactured or after an earlier activation). */
    setFirmwareVersion: (version: string): void => {
      this.state.firmware.version = version.toUpperCase();
    },
    /** Consumption: energy flows through the meter. */
    consume: (wh: number): void => {
      this.advance();
      this.state.registers.activeImportWh += wh;
      this.charge(wh, this.deviceNow());
      if (this.state.metrology)
        recordConsumption(this.state.metrology, CHANNEL.activeImport, wh, this.deviceNow());
    },
    /** Consumption on a twin ESME's secondary element. */
    consumeSecondary: (wh: number): void => {
      this.advance();
      this.state.registers.secondaryActiveImportWh = (this.state.registers.secondaryActiveImportWh ?? 0) + wh;
      chargeSecondaryConsumption(this.services, wh, this.deviceNow(), this.alertAt);
      if (this.state.metrology)
        recordConsumption(this.state.metrology, CHANNEL.secondaryActiveImport, wh, this.deviceNow());
    },
    setTimeStatus: (s: 'reliable' | 'unreliable'): void => {
      this.timeStatus = s;
    },
    /** How many HAN devices the join table holds (a join that does not fit answers 3). */
    setJoinCapacity: (n: number): void => {
      this.state.joinTable.capacity = n;
    },
    /** The meter's own Originator Counter (alerts, Supplementary Originator Counters) as a meter in service has it. */
    setOwnCounter: (n: bigint): void => this.security.setOwnCounter(n),
    /** A COSEM attribute (`object.member`) fails (or is repaired): commands touching it answer hardware-fault. */
    hardwareFault: (attribute: string, on = true): void => this.setHardwareFault(attribute, on),
    /** The meter detects an integrity issue of its own: 0x81A0 in its event log and the MIIWA-ESME alert (integrity.ts). */
    integrityIssue: (issue: IntegrityIssue): void => {
      this.logEvent(INTEGRITY_ISSUE_WARNING);
      this.recordEvent({ kind: 'state-change', reason: 'INTEGRITY_ISSUE', detail: { issue } });
      const payload = integrityWarningAlert(issue, this.deviceNow(), this.security.peekNextOwnCounter());
      this.sendAlert(payload, MIIWA_ESME.code, MIIWA_ESME.critical, INTEGRITY_ISSUE_WARNING);
    },
  };

  // ------------------------------------------------------------------ dispatch

  protected execute(cmd: AcceptedCommand, ctx: ExecutionContext): Execution {
    return ESME_HANDLERS.execute(cmd, this.services, ctx);
  }

  /** the HCALCS switches this meter drives over the HAN */
  private readonly hcalcsDriver = new HcalcsDriver({
    uplink: () => this.uplink,
    metrics: this.metrics,
    event: (e) => this.recordEvent(e),
  });

  /** the ALCS switches in time: calendar, timed overrides, their log, HCALCS and alerts (alcs.ts) */
  readonly alcs: AlcsControl = this.buildAlcs();

  private buildAlcs(): AlcsControl {
    return new AlcsControl(
      fastHost<ConstructorParameters<typeof AlcsControl>[0], 'state'>(
        {
          metrics: this.metrics,
          now: () => this.deviceNow(),
          setTimer: (delayMs, fn, label) => this.clock.setTimer(delayMs, fn, `${this.eui} ${label}`),
          logEvent: (code) => this.logEvent(code),
          alert: (code) => {
            const a = this.simpleAlert(code);
            this.sendAlert(a.payload, a.messageCode, a.critical, a.code);
          },
          event: (e) => this.recordEvent(e),
          switchHcalcs: (hcalcs, on, done) => this.hcalcsDriver.drive(hcalcs, on, done),
        },
        { state: () => this.state },
      ),
    );
  }

  /** the billing calendar in time: the next billing date, its snapshot and ECS68 (billing-control.ts) */
  readonly billing: BillingCalendarControl = this.buildBilling();

  private buildBilling(): BillingCalendarControl {
    return new BillingCalendarControl(
      fastHost<ConstructorParameters<typeof BillingCalendarControl>[0], 'services'>(
        {
          now: () => this.deviceNow(),
          advance: () => this.advance(),
          setTimer: (delayMs, fn, label) => this.clock.setTimer(delayMs, fn, `${this.eui} ${label}`),
          raise: (build, code) => {
            const recipient = this.alertRecipient();
            if (!recipient) {
              this.metrics.inc('device.alerts.noRecipient');
              return;
            }
            this.sendAlert(
              build(recipient, this.security.peekNextOwnCounter()),
              ECS68.code,
              ECS68.critical,
              code,
            );
          },
        },
        { services: () => this.services },
      ),
    );
  }

  /** the block counters' daily reset in time (block-reset-control.ts, ECS48) */
  readonly blockReset: BlockCounterDailyReset = this.buildBlockReset();

  private buildBlockReset(): BlockCounterDailyReset {
    const self = this;
    return new BlockCounterDailyReset({
      get services() {
        return self.services;
      },
      now: () => this.deviceNow(),
      advance: () => this.advance(),
      setTimer: (delayMs, fn, label) => this.clock.setTimer(delayMs, fn, `${this.eui} ${label}`),
    });
  }

  private buildServices(): EsmeServices {
    return fastHost<EsmeServices, 'state' | 'deviceKeys'>(
      {
        deviceType: 'ESME',
        eui: this.eui,
        security: this.security,
        now: () => this.deviceNow(),
        timeStatus: () => this.timeStatus,
        networkTime: () => this.networkTime(),
        networkTimeReliable: () => this.networkTimeReliable(),
        setDeviceTime: (t, s) => this.setDeviceTime(t, s),
        scheduleFutureDated: (e) => this.acceptFutureDated(e),
        cancelFutureDated: (k) => this.cancelFutureDated(k),
        logEvent: (code, messageCode, at) => this.logEvent(code, messageCode, at),
        alcs: this.alcs,
        billing: this.billing,
        blockReset: this.blockReset,
        hardwareFaults: () => this.hardwareFaults(),
        simpleAlert: (code) => this.simpleAlert(code),
      },
      { state: () => this.state, deviceKeys: () => this.state.credentials.deviceKeys },
    );
  }

  // ------------------------------------------------------------------ alerts and header

  protected encodeSimpleAlert(code: number, atMs: number): Uint8Array {
    // GCA/GNCA DLMS shape (RTDS NA_GCA-DLMS): data-notification { alert code, date-time }
    return encodeDlmsApdu({
      apdu: 'data-notification',
      invoke: gbcsInvokeId(this.security.peekNextOwnCounter()),
      dateTime: new Uint8Array(0),
      body: dlms.struct(dlms.u16(code), dlms.octets(cosemDateTime(atMs))),
    });
  }

  /** RTDS form (clock status FF, not specified) while Reliable; 02 "doubtful" while Unreliable (SECMP0038 3.1.1). */
  protected headerDateTime(): Uint8Array {
    return cosemDateTime(this.deviceNow(), this.timeStatus === 'reliable' ? 0xff : CLOCK_STATUS_DOUBTFUL);
  }

  // ------------------------------------------------------------------ future-dated

  protected executeFutureDated(entry: FutureDatedEntry): {
    ok: boolean;
    alert: { payload: Uint8Array; messageCode: number };
  } {
    const run = ESME_FUTURE_DATED[entry.useCase];
    if (!run) throw new Error(`no runner for future-dated ${entry.useCase}`);
    // what accrued before the change is accounted under what was in force (prices, payment mode)
    this.advance();
    return run(entry, this.services);
  }

  /**
   * A firmware file the CH distributed (OTA, zigbee/ota.ts): verified (header,
   * size, image hash); an ESME image is held for CS06 with its hash, anything
   * else is refused with Firmware Verification Failed (0x8F1C) in the event log.
   */
  /** ZSE attribute reads on the HAN (the PPMID reads the credit): answered from the meter's state (zse-server.ts). */
  answerAttributeRead(clusterId: number, asdu: Uint8Array): Uint8Array | null {
    return answerAttributeRead(this.state, clusterId, asdu);
  }

  /**
   * ZSE cluster commands on the HAN: the PPMID's PECS01-03 and the HC ALCS's HECS01
   * (han-commands.ts); null for a cluster the ESME takes no commands on.
   */
  answerClusterCommand(clusterId: number, asdu: Uint8Array, from: Eui): Uint8Array | null {
    this.advance();
    return answerHanCommand(this.hanHost, clusterId, asdu, normaliseEui(from));
  }

  private get hanHost(): EsmeHanHost {
    return Object.assign(Object.create(this.services) as EsmeServices, {
      metrics: this.metrics,
      event: (e: Omit<DeviceEvent, 'at' | 'device'>) => this.recordEvent(e),
      alert: (code: number) => {
        const a = this.simpleAlert(code);
        this.sendAlert(a.payload, a.messageCode, a.critical, a.code);
      },
    });
  }

  onFirmwareImage(file: Uint8Array): void {
    const v = verifyFirmwareFile(file, 'ESME');
    if (!v.ok) {
      this.logEvent(EVENT_FIRMWARE_VERIFICATION_FAILED);
      this.recordEvent({ kind: 'error', reason: 'FIRMWARE_VERIFICATION_FAILED', detail: { error: v.error } });
      return;
    }
    const { hash, version } = v.image;
    this.state.firmware.pendingImage = { hash, version };
    this.recordEvent({ kind: 'state-change', reason: 'FIRMWARE_IMAGE_RECEIVED', detail: { ...v.image } });
    this.sendAlert(
      this.receiptAlert(hash),
      FDRA_DLMS.code,
      FDRA_DLMS.critical,
      FIRMWARE_VERIFICATION_SUCCESSFUL,
    );
  }

  /**
   * Firmware Distribution Receipt Alert (0x00CE, catalogue row FDRA-DLMS,
   * UNCONFIRMED body): alert 8F72 with the hash the meter calculated over
   * the image it received and verified.
   */
  private receiptAlert(hash: string): Uint8Array {
    return encodeAlert(
      FDRA_DLMS,
      {
        alertCode: FIRMWARE_VERIFICATION_SUCCESSFUL,
        timestamp: formatCosemDateTimeText(cosemDateTime(this.deviceNow())),
        firmwareHash: hash,
      },
      { originatorCounter: this.security.peekNextOwnCounter() },
    );
  }

  // ------------------------------------------------------------------ state

  private logEvent(code: number, messageCode?: number, at: number = this.deviceNow()): void {
    this.state.eventLog.push({
      at,
      code,
      ...(messageCode === undefined ? {} : { messageCode }),
    });
    if (this.state.eventLog.length > 100) this.state.eventLog.shift();
  }

  /** Consumption up to the device time: the registers advance, the half-hour profile closes its intervals. */
  protected override advance(): void {
    const m = this.state.metrology;
    const r = this.state.registers;
    const accrueTo = (t: number) => {
      if (m)
        accrue(m, this.load, t, (channel, amount, at) => {
          if (channel === CHANNEL.activeImport) {
            r.activeImportWh += amount;
            this.charge(amount, at);
          } else if (channel === CHANNEL.reactiveImport) r.reactiveImportVarh += amount;
          else if (channel === CHANNEL.activeExport) r.activeExportWh += amount;
          else if (channel === CHANNEL.reactiveExport) r.reactiveExportVarh += amount;
          else if (channel === CHANNEL.secondaryActiveImport) {
            r.secondaryActiveImportWh = (r.secondaryActiveImportWh ?? 0) + amount;
            chargeSecondaryConsumption(this.services, amount, at, this.alertAt);
          }
        });
    };
    // consumption and the time-based prepayment charges in time order (prepay-supply.ts), up to each
    // midnight since the last message: each daily read with the registers at its time
    const accountTo = (t: number) => accruePrepayment(this.services, t, accrueTo, this.alertAt);
    recordDailyReads(this.state, this.deviceNow(), accountTo);
    accountTo(this.deviceNow());
  }

  /** Raises a simple alert (GCA / GNCA) as of device time `at` (catch-up accounting: when it happened). */
  private readonly alertAt = (code: number, at: number): void => {
    const a = simpleAlertOf(code, this.encodeSimpleAlert(code, at));
    this.sendAlert(a.payload, a.messageCode, a.critical, a.code);
  };

  /** Active import consumed at `at`: a prepayment meter is debited, its supply disabled without credit (prepay-supply.ts). */
  private charge(wh: number, at: number): void {
    chargeConsumption(this.services, wh, at, this.alertAt);
  }

  snapshot(): EsmeSnapshot {
    this.advance();
    return { ...this.snapshotBase(), state: structuredClone(this.state) };
  }

  /** Restores a snapshot; one in the earlier tariff form (legacy-state.ts) is migrated. */
  restore(s: EsmeSnapshot): void {
    this.state = migrateEsmeTariffState(structuredClone(s.state));
    // a snapshot from before the attribute store: the RTDS ESME's attributes;
    // one from before its copy on write: the whole table, kept as an overlay
    this.state.variant ??= 'single';
    this.state.attributes = attributeOverlay(this.state.attributes);
    this.state.protectedData ??= defaultEsmeState(this.state.variant).protectedData;
    this.state.metrology ??= null;
    this.state.dailyReadLog ??= { ...newDailyReadLog(), to: this.deviceNow() };
    this.state.credentials ??= defaultCredentialState();
    this.state.credentials.deviceKeys ??= defaultDeviceKeyState();
    reapplyInstalledKeys(this.security, this.state.credentials.deviceKeys);
    this.state.joinTable ??= defaultEsmeState(this.state.variant).joinTable;
    restoreJoinedPeers(this.state.joinTable.joined, this.security);
    reapplyReplacedCertificates({
      deviceType: 'ESME',
      security: this.security,
      credentialState: this.state.credentials,
    });
    this.state.alcs ??= defaultAlcsState();
    this.state.billing ??= defaultBillingState();
    this.restoreBase({ ...s, futureDated: s.futureDated.map(migrateFutureDated) });
    this.alcs.reschedule();
    this.billing.reschedule();
    this.blockReset.reschedule();
  }

  /** The device clock moved (Set Clock, the CH's time): the ALCS, billing and block reset timers follow it. */
  protected override onDeviceClockChanged(): void {
    this.alcs.reschedule();
    this.billing.reschedule();
    this.blockReset.reschedule();
  }
}
