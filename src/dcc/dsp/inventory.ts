/**
 * The DSP's view of the Smart Metering Inventory: each device with its type,
 * its Communications Hub (CHF EUI), the CSP region serving that CH, the ESME
 * variant the transform needs, and for CHFs whether the CH currently runs
 * isolated (standalone after Block Buffer Feed, SECMP0038 CH-6/CSP-3; such
 * CHs are excluded from performance measures, DSP-5).
 */

import type { DeviceType } from '../../devices/contracts.ts';
import type { DeviceType as DuisDeviceType } from '../../duis/index.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import type { InventoryDevice } from '../contracts.ts';
import { DspServiceError } from './errors.ts';
import type { EsmeVariant } from './transform/index.ts';

export interface DspInventoryDevice extends InventoryDevice {
  /** ESME variant (single, twin, polyphase); only for ESMEs. */
  esmeVariant?: EsmeVariant;
}

const DEVICE_TYPES: readonly DeviceType[] = ['GSME', 'ESME', 'CHF', 'GPF', 'HCALCS', 'PPMID', 'Type2', 'HHT'];
const TRANSFORM_TYPES = new Set<string>(['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS']);

export function normaliseInventoryDevice(d: {
  eui: string;
  deviceType: string;
  chf: string;
  csp: string;
  esmeVariant?: string;
}): DspInventoryDevice {
  let eui: Eui;
  let chf: Eui;
  try {
    eui = normaliseEui(d.eui);
    chf = normaliseEui(d.chf);
  } catch (e) {
    throw new DspServiceError('DSP_CONFIG', `inventory device ${JSON.stringify(d.eui)}: ${String(e)}`);
  }
  if (!DEVICE_TYPES.includes(d.deviceType as DeviceType))
    throw new DspServiceError('DSP_CONFIG', `inventory device ${eui}: unknown type ${d.deviceType}`);
  if (typeof d.csp !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(d.csp))
    throw new DspServiceError(
      'DSP_CONFIG',
      `inventory device ${eui}: CSP ${JSON.stringify(d.csp)} must be a short name (letters, digits, _ . -): it names export folders`,
    );
  const out: DspInventoryDevice = { eui, deviceType: d.deviceType as DeviceType, chf, csp: d.csp };
  if (d.esmeVariant !== undefined) {
    if (d.deviceType !== 'ESME' || !['single', 'twin', 'polyphase'].includes(d.esmeVariant))
      throw new DspServiceError('DSP_CONFIG', `inventory device ${eui}: esmeVariant ${d.esmeVariant}`);
    out.esmeVariant = d.esmeVariant as EsmeVariant;
  }
  return out;
}

/** In-memory inventory (the DSP service persists it; see service.ts). */
export class DspInventory {
  readonly #devices = new Map<Eui, DspInventoryDevice>();
  readonly #isolated = new Set<Eui>();

  get(eui: Eui): DspInventoryDevice | undefined {
    return this.#devices.get(eui);
  }

  set(d: DspInventoryDevice): void {
    this.#devices.set(d.eui, d);
  }

  delete(eui: Eui): boolean {
    return this.#devices.delete(eui);
  }

  all(): DspInventoryDevice[] {
    return [...this.#devices.values()];
  }

  /** Every CSP that serves a device in the inventory, sorted. */
  csps(): string[] {
    return [...new Set([...this.#devices.values()].map((d) => d.csp))].sort();
  }

  /** Whether the CH runs isolated (standalone) right now (DSP-5 performance exclusion). */
  isIsolated(chf: Eui): boolean {
    return this.#isolated.has(chf);
  }

  setIsolated(chf: Eui, isolated: boolean): void {
    if (isolated) this.#isolated.add(chf);
    else this.#isolated.delete(chf);
  }

  isolatedChs(): Eui[] {
    return [...this.#isolated].sort();
  }

  /** For the transform: the device type, if it is one the DUIS catalogue knows. */
  readonly deviceTypeOf = (eui: Eui): DuisDeviceType | undefined => {
    const t = this.#devices.get(eui)?.deviceType;
    return t !== undefined && TRANSFORM_TYPES.has(t) ? (t as DuisDeviceType) : undefined;
  };

  readonly esmeVariantOf = (eui: Eui): EsmeVariant | undefined => this.#devices.get(eui)?.esmeVariant;

  /** The GPF of the CH whose CHF is `chf` (a scan: Device Log backups only). */
  gpfOf(chf: Eui): Eui | undefined {
    for (const d of this.#devices.values()) if (d.chf === chf && d.deviceType === 'GPF') return d.eui;
    return undefined;
  }

  readonly #relayEnabled = new Set<Eui>();

  /**
   * SECMP0038 C3 / SU-3: the enhanced PPMIDs whose Device Log entry must carry
   * the relay flag. DUIS 8.11 has no field for it; the supplier registers it
   * here before its 8.11 Add (supplier PpmidRelayRegistrar) and the transform
   * writes it as the PROVISIONAL fifth element of the CCS01 entry.
   */
  setRelayEnabled(ppmid: Eui, enabled: boolean): void {
    if (enabled) this.#relayEnabled.add(normaliseEui(ppmid));
    else this.#relayEnabled.delete(normaliseEui(ppmid));
  }

  /** For the transform (CCS01): whether the PPMID's Device Log entry gets the relay flag. */
  readonly relayEnabledOf = (ppmid: Eui): boolean => this.#relayEnabled.has(ppmid);
}
