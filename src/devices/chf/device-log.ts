/**
 * The CHF Device Log (HAN.md "Device Log"; GBCS 10.8.2): every device allowed
 * on the HAN, with its Entity ID, device type, install code (the source of
 * its APS link key, SECMP0038 CH-9), an HHT marker (device type `HHT`, which
 * GBCS has no DeviceType value for) and, for a PPMID, the relay flag of
 * SECMP0038 decision C3.
 *
 * Lookups on the routing hot path take the target EUI as the two 32-bit
 * halves `peekRouting` writes into a RoutingInfo, so routing a message
 * allocates nothing (a Map keyed by the low half, then a compare of the high
 * half). Bounded (CH-8): adding to a full log is refused.
 */
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import {
  checkInstallCode,
  INSTALL_CODE_LENGTHS,
  isInstallCodeWithCrc,
  linkKeyFromInstallCode,
  withInstallCodeCrc,
} from '../../zigbee/index.ts';
import type { DeviceLogEntry, DeviceType } from '../contracts.ts';

/** A Device Log entry as the CHF keeps it: the contract entry plus derived and bookkeeping fields. */
export interface ChfDeviceLogEntry extends DeviceLogEntry {
  /** high and low 32 bits of the Entity ID, for allocation-free lookups */
  readonly hi: number;
  readonly lo: number;
  /** APS link key derived from the install code (ZigBee: AES-MMO of the code incl. CRC) */
  readonly linkKey: Uint8Array;
  /** clock time the entry was added */
  readonly addedAt: number;
}

export class DeviceLogError extends PpmidRelayError {
  constructor(
    code: 'DEVICE_LOG_FULL' | 'DEVICE_LOG_INVALID_ENTRY' | 'DEVICE_LOG_RESERVED_EUI',
    message: string,
  ) {
    super(code, message);
  }
}

/**
 * Accepts an install code with or without its CRC-16 (CCS01 carries the bare
 * 16-byte code in the RTDS fixture) and returns code || CRC. Throws
 * ZigbeeInstallCodeError if neither reading is a valid install code.
 */
export function installCodeWithCrc(code: Uint8Array): Uint8Array {
  // tested first, not caught: a bare code is the usual case (every CCS01), and an error's stack costs
  if (isInstallCodeWithCrc(code)) return code.slice();
  if ((INSTALL_CODE_LENGTHS as readonly number[]).includes(code.length)) return withInstallCodeCrc(code);
  return checkInstallCode(code).slice(); // throws ZigbeeInstallCodeError
}

function halves(eui: Eui): { hi: number; lo: number } {
  const hex = normaliseEui(eui);
  return { hi: Number.parseInt(hex.slice(0, 8), 16) >>> 0, lo: Number.parseInt(hex.slice(8), 16) >>> 0 };
}

export interface DeviceLogOptions {
  /** Most entries the log holds (CH-8: bounded). Default 32. */
  capacity?: number;
  /** EUIs that can never be logged (the CHF's and the GPF's own). */
  reserved?: Eui[];
}

export class DeviceLog {
  private readonly byLo = new Map<number, ChfDeviceLogEntry[]>();
  private readonly byEui = new Map<Eui, ChfDeviceLogEntry>();
  readonly capacity: number;
  private readonly reserved: Set<Eui>;
  private readonly listeners: Array<(change: 'added' | 'removed', entry: ChfDeviceLogEntry) => void> = [];

  constructor(opts: DeviceLogOptions = {}) {
    this.capacity = opts.capacity ?? 32;
    this.reserved = new Set((opts.reserved ?? []).map(normaliseEui));
  }

  get size(): number {
    return this.byEui.size;
  }

  /**
   * Adds (or replaces) an entry. Throws DeviceLogError when the log is full
   * or the EUI is reserved, ZigbeeInstallCodeError for a bad install code.
   */
  add(
    entry: { eui: Eui; deviceType: DeviceType; installCode: Uint8Array; relayEnabled?: boolean },
    now: number,
  ): ChfDeviceLogEntry {
    const installCode = installCodeWithCrc(entry.installCode);
    return this.put(entry, installCode, linkKeyFromInstallCode(installCode), now);
  }

  private put(
    entry: { eui: Eui; deviceType: DeviceType; relayEnabled?: boolean },
    installCode: Uint8Array,
    linkKey: Uint8Array,
    now: number,
  ): ChfDeviceLogEntry {
    const eui = normaliseEui(entry.eui);
    if (this.reserved.has(eui))
      throw new DeviceLogError('DEVICE_LOG_RESERVED_EUI', `${eui} is the CHF's or the GPF's own Entity ID`);
    if (entry.deviceType === 'CHF' || entry.deviceType === 'GPF')
      throw new DeviceLogError('DEVICE_LOG_INVALID_ENTRY', `a ${entry.deviceType} is not logged by the CHF`);
    if (entry.relayEnabled && entry.deviceType !== 'PPMID')
      throw new DeviceLogError(
        'DEVICE_LOG_INVALID_ENTRY',
        'only a PPMID entry can carry the relay flag (C3)',
      );
    const existing = this.byEui.get(eui);
    if (!existing && this.byEui.size >= this.capacity)
      throw new DeviceLogError('DEVICE_LOG_FULL', `Device Log full (${this.capacity} entries)`);
    const { hi, lo } = halves(eui);
    const e: ChfDeviceLogEntry = Object.freeze({
      eui,
      deviceType: entry.deviceType,
      installCode,
      relayEnabled: entry.relayEnabled ?? false,
      hi,
      lo,
      linkKey,
      addedAt: now,
    });
    if (existing) this.unindex(existing);
    this.byEui.set(eui, e);
    const list = this.byLo.get(lo);
    if (list) list.push(e);
    else this.byLo.set(lo, [e]);
    for (const l of this.listeners) l('added', e);
    return e;
  }

  /**
   * Restores an entry with its link key (CCS03, 8.12.1: the key material of a
   * Device Log backed up from another CH; no install code travels). Same
   * checks as `add`; the entry has an empty install code.
   */
  restore(
    entry: { eui: Eui; deviceType: DeviceType; linkKey: Uint8Array; relayEnabled?: boolean },
    now: number,
  ): ChfDeviceLogEntry {
    if (entry.linkKey.length !== 16)
      throw new DeviceLogError('DEVICE_LOG_INVALID_ENTRY', `link key of ${entry.linkKey.length} bytes`);
    return this.put(entry, new Uint8Array(0), entry.linkKey.slice(), now);
  }

  remove(eui: Eui): ChfDeviceLogEntry | undefined {
    const e = this.byEui.get(normaliseEui(eui));
    if (!e) return undefined;
    this.unindex(e);
    for (const l of this.listeners) l('removed', e);
    return e;
  }

  private unindex(e: ChfDeviceLogEntry): void {
    this.byEui.delete(e.eui);
    const list = this.byLo.get(e.lo);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byLo.delete(e.lo);
  }

  get(eui: Eui): ChfDeviceLogEntry | undefined {
    return this.byEui.get(eui) ?? this.byEui.get(normaliseEui(eui));
  }

  has(eui: Eui): boolean {
    return this.get(eui) !== undefined;
  }

  /** Hot path: the entry whose Entity ID has these two 32-bit halves (see RoutingInfo). */
  lookup(hi: number, lo: number): ChfDeviceLogEntry | undefined {
    const list = this.byLo.get(lo);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) if (list[i].hi === hi) return list[i];
    return undefined;
  }

  entries(): ChfDeviceLogEntry[] {
    return [...this.byEui.values()];
  }

  onChange(listener: (change: 'added' | 'removed', entry: ChfDeviceLogEntry) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Plain data (install codes as hex), for the test automation API and snapshots. */
  snapshot(): Array<{
    eui: Eui;
    deviceType: DeviceType;
    installCode: string;
    relayEnabled: boolean;
    addedAt: number;
  }> {
    return this.entries().map((e) => ({
      eui: e.eui,
      deviceType: e.deviceType,
      installCode: Buffer.from(e.installCode).toString('hex').toUpperCase(),
      relayEnabled: e.relayEnabled,
      addedAt: e.addedAt,
    }));
  }
}

/** A set of EUIs kept as 32-bit halves (e.g. the remote parties the CHF knows from its trust anchors). */
export class EuiSet {
  private readonly byLo = new Map<number, number[]>();
  constructor(euis: Iterable<Eui> = []) {
    for (const e of euis) this.add(e);
  }
  add(eui: Eui): void {
    const { hi, lo } = halves(eui);
    const list = this.byLo.get(lo);
    if (!list) this.byLo.set(lo, [hi]);
    else if (!list.includes(hi)) list.push(hi);
  }
  has(hi: number, lo: number): boolean {
    const list = this.byLo.get(lo);
    if (list === undefined) return false;
    for (let i = 0; i < list.length; i++) if (list[i] === hi) return true;
    return false;
  }
}

export { halves as euiHalves };
