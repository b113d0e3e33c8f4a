/**
 * What the DSP transform needs to know beyond the Service Request: the keys
 * (SecurityContext: ACB KA private key, device KA certificates, users' DS
 * certificates), the device inventory (the use case depends on the target's
 * device type, and some payloads on the ESME variant), the time (the GBZ
 * Issuer Event ID is the DSP's current UTC time) and, for commands the ACB
 * originates on a user's behalf, the ACB's own Originator Counter.
 */
import type { DeviceType } from '../../../duis/index.ts';
import type { SecurityContext } from '../../../gbcs/index.ts';
import type { EsmeVariant } from '../../../gbcs/use-cases/rows/esme.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import type { Clock } from '../../../runtime/clock.ts';

export type { DeviceType } from '../../../duis/index.ts';

/**
 * ESME variant as the Smart Metering Inventory records it: single element,
 * twin element (a second, secondary element with its own register and
 * charge, GBCS "Secondary Element"), or polyphase. Only twin changes a
 * payload among the supported use cases (ECS02/ECS03 credit-charge
 * configuration: RTDS *_TWIN_* vs *_SINGLE_* Pre-Commands).
 */
export type { EsmeVariant };

export interface TransformContext {
  /** Keys and certificates, and the ACB identity that MACs every command (SECMP0038 DSP-2). */
  security: SecurityContext;
  /** The ACB EUI, if not `security.acb`. */
  acb?: Eui;
  /** Device type of an EUI from the DSP inventory; undefined = not in the inventory (DUIS E19). */
  deviceTypeOf: (eui: Eui) => DeviceType | undefined;
  /** ESME variant from the inventory; undefined is taken as `single`. */
  esmeVariantOf?: (eui: Eui) => EsmeVariant | undefined;
  /**
   * The DSP's clock. GBZ commands carry an Issuer Event ID, which the DSP
   * fills with its current UTC time in ZigBee UTCTime seconds (every RTDS GBZ
   * command carries 0x1C374A80 = 2015-01-01T00:00:00Z, the reference data's
   * "now"). Needed only for GBZ use cases.
   */
  clock?: Pick<Clock, 'now'>;
  /**
   * The SMKI Organisation CA certificates (DER) the DSP trusts: the KA
   * certificate an Unknown Remote Party read carries must be issued by one
   * of them and valid at `clock` (urp.ts). Needed only for those reads.
   */
  smkiOrgCas?: readonly Uint8Array[];
  /**
   * The ACB's next Originator Counter (strictly increasing, GBCS anti-replay):
   * used for commands the ACB originates on a user's behalf (CHF commands,
   * 8.11 CCS01/CCS02), whose user counter travels as the Supplementary
   * Remote Party Counter. Needed only for those use cases.
   */
  nextAcbCounter?: () => bigint;
  /**
   * SECMP0038 C3: whether an enhanced PPMID added by 8.11 (CCS01) gets the
   * relay flag in its Device Log entry (PROVISIONAL fifth element, read by
   * devices/chf). Absent: never.
   */
  relayEnabledOf?: (ppmid: Eui) => boolean;
  /**
   * DUIS 9.1 Request Customer Identification Number: the DCC generates the
   * CIN (four decimal digits, MMC schema CINMessage), sends it to the
   * device (ECS50 / GCS36) and returns it to the user with the device's
   * response. The DSP service draws it at random (node:crypto); the RTDS
   * reference context gives the reference data's CIN. Needed only for 9.1.
   */
  nextCin?: () => string;
  /**
   * The Device Log backups the DSP holds for a Communications Hub (8.12.1,
   * 8.12.2 restore an old CH's logs onto a new one): device-log-backups.ts.
   * Absent: no backup of any CH (the restore SRs are refused).
   */
  deviceLogBackupOf?: (eui: Eui) => DeviceLogBackup | undefined;
}

/**
 * What the DSP keeps of a CH's Device Logs to restore them on a replacement
 * CH (GBCS CCS03, GCS59). PROVISIONAL (docs/dsp-transform.md): the CHF log
 * as the last CCS07 read returned it (its log id and each device's link
 * key, RTDS CCS07 response); the GPF log as the GPF's last GCS62 backup
 * alert gave it (each device with its GBCS DeviceType number, RTDS GCS62),
 * or the CCS07 read's GPF log typed from the inventory.
 */
export interface DeviceLogBackup {
  chf?: {
    /** the Device Log identity the CHF reported (CCS07 `chfId`) */
    logId: Eui;
    entries: readonly { deviceId: Eui; linkKey: string }[];
    /** DSP time of the backup (UTC ms) */
    at: number;
  };
  gpf?: {
    entries: readonly { deviceId: Eui; deviceType: number }[];
    at: number;
  };
}

/** A DUIS CIN: four decimal digits (MMC Schema V5.4 CINMessage/CustomerIdentificationNumber). */
export const CIN_PATTERN = /^[0-9]{4}$/;

/** The device EUIs of the RTDS reference estate (GBCS.md 7): A0 ESME, A1 GSME, A2 CHF, A3 GPF, A4 PPMID, A5 HCALCS, A6 ESME. */
export const RTDS_DEVICE_TYPES: Readonly<Record<Eui, DeviceType>> = Object.freeze({
  '00DB1234567890A0': 'ESME',
  '00DB1234567890A1': 'GSME',
  '00DB1234567890A2': 'CHF',
  '00DB1234567890A3': 'GPF',
  '00DB1234567890A4': 'PPMID',
  '00DB1234567890A5': 'HCALCS',
  '00DB1234567890A6': 'ESME',
});

/** A simple in-memory inventory: EUI -> device type (and ESME variant). */
export class DeviceInventory {
  private readonly types = new Map<Eui, DeviceType>();
  private readonly variants = new Map<Eui, EsmeVariant>();

  constructor(entries: Iterable<[Eui, DeviceType, EsmeVariant?]> = []) {
    for (const [eui, type, variant] of entries) this.set(eui, type, variant);
  }

  /** The RTDS reference estate, optionally with an ESME variant for the ESMEs. */
  static rtds(esmeVariant: EsmeVariant = 'single'): DeviceInventory {
    return new DeviceInventory(
      Object.entries(RTDS_DEVICE_TYPES).map(([eui, t]) => [eui, t, t === 'ESME' ? esmeVariant : undefined]),
    );
  }

  set(eui: Eui, type: DeviceType, variant?: EsmeVariant): this {
    const e = eui.replace(/[\s:-]/g, '').toUpperCase();
    this.types.set(e, type);
    if (variant) this.variants.set(e, variant);
    else this.variants.delete(e);
    return this;
  }

  readonly deviceTypeOf = (eui: Eui): DeviceType | undefined => this.types.get(eui.toUpperCase());
  readonly esmeVariantOf = (eui: Eui): EsmeVariant | undefined => this.variants.get(eui.toUpperCase());
}

/** A strictly increasing counter source starting at `first` (for `nextAcbCounter`). */
export function counterFrom(first: bigint): () => bigint {
  let next = first;
  return () => next++;
}
