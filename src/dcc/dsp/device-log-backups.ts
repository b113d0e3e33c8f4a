/**
 * The Device Log backups the DSP keeps per Communications Hub function, so
 * that 8.12.1 / 8.12.2 can restore an old CH's logs onto a replacement CH
 * (transform/device-log-srs.ts reads them through the transform context).
 *
 * Where a backup comes from (PROVISIONAL, docs/dsp-transform.md; GBCS text
 * on how the DCC keeps them is not available here):
 * - a CCS07 response (8.9 Read Device Log with ReadSecurityDetails, the
 *   ACB reads both logs of a CH): the CHF log's identity and each device's
 *   link key (what CCS03 carries, RTDS CCS07 response = RTDS CCS03 entries);
 *   and the GPF log of the same CH, each device typed from the inventory
 *   (GBCS DeviceType numbers) when every one is known;
 * - a GCS62 alert (0x8071 GPF Device Log Changed, to the ACB): the GPF's
 *   whole log with device types (RTDS GCS62), exactly what GCS59 restores;
 * - a CS14 alert (0x8F12 CHF Device Log Changed, to the ACB): the CHF's
 *   whole log with the devices' link keys, the same structure as the CHF
 *   part of a CCS07 read (catalogue row CS14, cosem-objects.ts `deviceLog`).
 * Only a message whose MAC verifies is taken: a CCS07 response checked here
 * (`isSource`, then `verifyMac`), an alert by the DSP's ACB alert gate
 * (alert-integrity.ts: MAC, signature, Originator Counter above the last
 * accepted, so a replayed old log never replaces a newer one) before
 * alert-routing.ts routes it as `dcc-kept`. A newer backup replaces the
 * older one of the same function. Persisted (dsp_device_log_backups,
 * migration 036) through the DSP journal.
 */
import { DEVICE_TYPE_CODE, type DeviceType } from '../../devices/contracts.ts';
import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import type { GbcsMessage } from '../../gbcs/index.ts';
import { decodeAlert, decodeResponse, useCaseByCode } from '../../gbcs/use-cases/index.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';
import type { DspDb } from './tables.ts';
import type { DeviceLogBackup } from './transform/index.ts';

const log = Logger.get('dsp:device-log-backups');
const CCS07 = messageCodeForUseCase('CCS07')!.code;

type Persist = (op: (db: DspDb) => Promise<unknown>) => void;

/** What the backups need of the inventory. */
export interface BackupInventory {
  deviceTypeOf(eui: Eui): DeviceType | undefined;
  /** The GPF of the CH whose CHF is `chf`. */
  gpfOf(chf: Eui): Eui | undefined;
}

/** A CHF Device Log as CCS07 and CS14 carry it. */
type ChfLog = { chfId: string; entries: { deviceId: string; linkKey: string }[] };
type LogRead = { result: string; value?: ChfLog };

export class DeviceLogBackups {
  readonly #byEui = new Map<Eui, DeviceLogBackup>();

  constructor(
    readonly persist: Persist,
    readonly inventory: BackupInventory,
  ) {}

  async load(db: DspDb): Promise<void> {
    for (const r of await db.selectFrom('dsp_device_log_backups').selectAll().execute())
      this.#byEui.set(r.eui, JSON.parse(r.json) as DeviceLogBackup);
  }

  /** The backup of a CHF or GPF (the transform context's `deviceLogBackupOf`). */
  readonly get = (eui: Eui): DeviceLogBackup | undefined => this.#byEui.get(eui.toUpperCase());

  /** Whether response `msg` may carry a backup (a CCS07 response): checked before its MAC (alerts: alert-routing.ts). */
  static isSource(msg: GbcsMessage): boolean {
    return msg.cra === 'response' && msg.messageCode === CCS07;
  }

  /** Records (replaces) one part of a function's backup. */
  put<K extends keyof DeviceLogBackup>(eui: Eui, part: K, value: NonNullable<DeviceLogBackup[K]>): void {
    const e = normaliseEui(eui);
    const b: DeviceLogBackup = { ...(this.#byEui.get(e) ?? {}), [part]: value };
    this.#byEui.set(e, b);
    const json = JSON.stringify(b);
    const at = value.at;
    this.persist((db) =>
      db
        .insertInto('dsp_device_log_backups')
        .values({ eui: e, json, updated_at: at })
        .onConflict((oc) => oc.column('eui').doUpdateSet({ json, updated_at: at }))
        .execute(),
    );
  }

  /**
   * A device message that reached the DSP with a MAC that verified: a CCS07
   * response, a GCS62 or a CS14 alert becomes a backup; anything else is ignored.
   * Returns what was backed up.
   */
  observe(msg: GbcsMessage, now: number): ('chf' | 'gpf')[] {
    const uc = useCaseByCode(msg.messageCode)?.useCase;
    try {
      if (uc === 'CCS07' && msg.cra === 'response') return this.#fromCcs07(msg, now);
      if (uc === 'GCS62' && msg.cra === 'alert') return this.#fromGcs62(msg, now);
      if (uc === 'CS14' && msg.cra === 'alert') return this.#fromCs14(msg, now);
    } catch (e) {
      // a payload that does not decode is the device's fault: no backup, logged
      log.warn('device log backup: payload does not decode', {
        useCase: uc,
        originator: msg.originator,
        error: String(e),
      });
    }
    return [];
  }

  #fromCcs07(msg: GbcsMessage, now: number): ('chf' | 'gpf')[] {
    const f = decodeResponse('CCS07', msg.content).fields as {
      zigbeeNetworkControl: { readDeviceLog: LogRead };
      gpfDeviceLog: { readDeviceLog: LogRead };
    };
    const out: ('chf' | 'gpf')[] = [];
    const chfLog = f.zigbeeNetworkControl.readDeviceLog;
    if (chfLog.result === 'success' && chfLog.value) {
      this.#putChfLog(msg.originator, chfLog.value, now);
      out.push('chf');
    }
    const gpf = this.inventory.gpfOf(msg.originator);
    const gpfLog = f.gpfDeviceLog.readDeviceLog;
    if (gpf && gpfLog.result === 'success' && gpfLog.value) {
      const entries = gpfLog.value.entries.map((e) => {
        const t = this.inventory.deviceTypeOf(normaliseEui(e.deviceId));
        const n = t && t !== 'HHT' ? DEVICE_TYPE_CODE[t] : undefined;
        return { deviceId: normaliseEui(e.deviceId), deviceType: n };
      });
      if (entries.every((e) => e.deviceType !== undefined)) {
        this.put(gpf, 'gpf', { entries: entries as { deviceId: Eui; deviceType: number }[], at: now });
        out.push('gpf');
      } else log.info('GPF log of a CCS07 read not backed up: a device type is unknown', { gpf });
    }
    return out;
  }

  #putChfLog(chf: Eui, log: ChfLog, now: number): void {
    this.put(chf, 'chf', {
      logId: normaliseEui(log.chfId),
      entries: log.entries.map((e) => ({
        deviceId: normaliseEui(e.deviceId),
        linkKey: e.linkKey.toUpperCase(),
      })),
      at: now,
    });
  }

  #fromCs14(msg: GbcsMessage, now: number): ('chf' | 'gpf')[] {
    const f = decodeAlert('CS14', msg.content).fields as { deviceLog: ChfLog };
    this.#putChfLog(msg.originator, f.deviceLog, now);
    return ['chf'];
  }

  #fromGcs62(msg: GbcsMessage, now: number): ('chf' | 'gpf')[] {
    const f = decodeAlert('GCS62', msg.content).fields as {
      deviceLog: { deviceId: string; deviceType: number }[];
    };
    this.put(msg.originator, 'gpf', {
      entries: f.deviceLog.map((e) => ({ deviceId: normaliseEui(e.deviceId), deviceType: e.deviceType })),
      at: now,
    });
    return ['gpf'];
  }
}
