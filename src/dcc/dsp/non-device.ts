/**
 * Non-device Service Requests (CV 8): the SRs the DCC answers itself, from
 * its own records, with no GBCS command (issue 17). One handler per SRV;
 * the SRV table (srv-table.ts) reads `NON_DEVICE_SRVS` to say which are
 * supported. The handlers see the DSP only through `NonDeviceContext`, so
 * DspService stays the owner of its state; what they keep (device records,
 * schedules) is `NonDeviceRecords`, persisted through the DSP journal
 * (tables dsp_device_records and dsp_schedules, migration 035).
 *
 * Answers (docs/dsp.md "Non-device Service Requests"): a success with data
 * is I0 with the XSD's response element (DSPInventory, DSPScheduleID,
 * DSPSchedulesRead, DSPUpdateFirmwareWarning); a success without data is
 * I99; a refusal is the SR-specific code the XSD lists for the SR
 * (E080201 ... E120201, their DUIS wording not recorded here: PROVISIONAL
 * assignment, like 8.13's).
 *
 * 8.6 Service Opt In and 12.1 Request WAN Matrix are enrolment.ts's.
 * 11.1/11.4 are recorded against each device; an 11.1 image that is a ZigBee
 * OTA Upgrade Image is also sent over the SM WAN to the CH of each listed
 * device, once per CH (`sendFileToCh`; the CH distributes it, docs/chf.md). 5.1-5.3 are the scheduler's (scheduler.ts):
 * the DSP issues each schedule's commands on its clock.
 */
import { createHash } from 'node:crypto';
import {
  child,
  type DuisNode,
  type DuisRequest,
  type DuisResponseCode,
  el,
  type ResponseMessagePayload,
} from '../../duis/index.ts';
import { type Eui, euiToDuis, normaliseEui } from '../../runtime/bytes.ts';
import { decodeOtaImage, isOtaImage } from '../../zigbee/ota.ts';
import type { FirmwareDistribution } from './alert-routing.ts';
import {
  type BrokerCredentials,
  deviceRecordOf,
  requestWanMatrix,
  serviceOptIn,
  type WanCoverageEntry,
} from './enrolment.ts';
import type { DspInventory } from './inventory.ts';
import type { DspScheduler } from './scheduler.ts';
import type { DspDb } from './tables.ts';
import type { DspUser } from './users.ts';

/** A non-device SR's answer: the synchronous DUIS Response (code, optional body element). */
export interface NonDeviceAnswer {
  code: DuisResponseCode;
  payload?: ResponseMessagePayload;
}

/** What a handler may use of the DSP. */
export interface NonDeviceContext {
  req: DuisRequest;
  user: DspUser;
  /** The formatted Request ID. */
  requestId: string;
  now: number;
  inventory: DspInventory;
  records: NonDeviceRecords;
  /** 5.1-5.3. */
  schedules: DspScheduler;
  /** 8.6: the DSP broker's (ACB's) certificates. */
  brokerCredentials: BrokerCredentials;
  /** 12.1: the DSP's WAN coverage table. */
  wanCoverage: readonly WanCoverageEntry[];
  /** 8.13 is the service's own (it completes a device request). */
  returnLocalCommandResponse(): NonDeviceAnswer;
  /** 11.1: hands a firmware file to the SM WAN for the CH `chf` (docs/chf.md "Firmware distribution"); absent: recorded only. */
  sendFileToCh?(chf: Eui, target: Eui, file: Uint8Array): void;
}

export type NonDeviceHandler = (ctx: NonDeviceContext) => NonDeviceAnswer;

// ---------------------------------------------------------------- records

/** The DUIS DeviceStatus values. */
export type DeviceStatus =
  | 'Pending'
  | 'Whitelisted'
  | 'InstalledNotCommissioned'
  | 'Commissioned'
  | 'Decommissioned'
  | 'Withdrawn'
  | 'Suspended'
  | 'Recovery'
  | 'Recovered';

/** A device's Smart Metering Inventory record beyond routing (dsp_inventory). */
export interface DeviceRecord {
  eui: Eui;
  deviceType: string;
  status: DeviceStatus;
  manufacturer: string;
  model: string;
  smetsChtsVersion?: string;
  firmwareVersion?: string;
  esmeVariant?: string;
  importMpxn?: string;
  /** 8.14.x: the last Communications Hub status update. */
  chStatusUpdate?: { srv: string; at: number };
  /** 11.1 / 11.4: firmware images distributed to the device (recorded; not sent over the WAN). */
  firmware?: FirmwareEntry[];
  /** Opted out of DCC services (8.5); 8.6 sets `optInFrom` (OptInDate, 00:00 UTC). enrolment.ts. */
  optedOut?: { at: number; srv: string; optInFrom?: number };
}

/** One 11.1 / 11.4 distribution to a device. */
export interface FirmwareEntry {
  version: string;
  /** SHA-256 of the file as sent */
  imageSha256: string;
  at: number;
  srv: string;
  /** the requester and its RequestID (absent in records written before they were kept) */
  user?: Eui;
  requestId?: string;
  /** an OTA Upgrade Image's own SHA-256 (header and image, zigbee/ota.ts), what a device reports in its receipt alert */
  imageHash?: string;
}

export interface ScheduleRecord {
  scheduleId: number;
  user: Eui;
  /** The 5.1 body (DSPSchedule) as received. */
  schedule: DuisNode;
  createdAt: number;
  /** The next run (UTC epoch ms); null once the schedule has ended. */
  nextRunAt?: number | null;
  /** The latest runs sent (their Request IDs route device responses to the schedule). */
  runs?: { at: number; requestId: string }[];
}

type Persist = (op: (db: DspDb) => Promise<unknown>) => void;

/** The device records and schedules of the non-device SRs, in memory and persisted. */
export class NonDeviceRecords {
  readonly #devices = new Map<Eui, DeviceRecord>();
  readonly #schedules = new Map<number, ScheduleRecord>();
  #nextScheduleId = 1;
  constructor(readonly persist: Persist) {}

  async load(db: DspDb): Promise<void> {
    for (const r of await db.selectFrom('dsp_device_records').selectAll().execute()) {
      const d = JSON.parse(r.json) as DeviceRecord;
      this.#devices.set(d.eui, d);
    }
    for (const r of await db.selectFrom('dsp_schedules').selectAll().execute()) {
      const s = JSON.parse(r.json) as ScheduleRecord;
      this.#schedules.set(s.scheduleId, s);
      this.#nextScheduleId = Math.max(this.#nextScheduleId, s.scheduleId + 1);
    }
  }

  device(eui: Eui): DeviceRecord | undefined {
    return this.#devices.get(eui);
  }

  /** The latest 11.1 recorded for `device` with its requester (alert-routing.ts: FDRA, CCS08). */
  latestFirmwareDistribution(device: Eui): FirmwareDistribution | undefined {
    const e = this.#devices
      .get(device)
      ?.firmware?.findLast((f) => f.srv === '11.1' && f.user !== undefined && f.requestId !== undefined);
    if (!e) return undefined;
    return { user: e.user!, requestId: e.requestId!, ...(e.imageHash ? { imageHash: e.imageHash } : {}) };
  }

  devices(): DeviceRecord[] {
    return [...this.#devices.values()];
  }

  putDevice(d: DeviceRecord, now: number): void {
    this.#devices.set(d.eui, d);
    const json = JSON.stringify(d);
    this.persist((db) =>
      db
        .insertInto('dsp_device_records')
        .values({ eui: d.eui, json, updated_at: now })
        .onConflict((oc) => oc.column('eui').doUpdateSet({ json, updated_at: now }))
        .execute(),
    );
  }

  deleteDevice(eui: Eui): void {
    this.#devices.delete(eui);
    this.persist((db) => db.deleteFrom('dsp_device_records').where('eui', '=', eui).execute());
  }

  schedule(id: number): ScheduleRecord | undefined {
    return this.#schedules.get(id);
  }

  schedules(): ScheduleRecord[] {
    return [...this.#schedules.values()];
  }

  addSchedule(user: Eui, schedule: DuisNode, now: number, nextRunAt?: number): ScheduleRecord {
    const s: ScheduleRecord = { scheduleId: this.#nextScheduleId++, user, schedule, createdAt: now };
    if (nextRunAt !== undefined) s.nextRunAt = nextRunAt;
    this.#schedules.set(s.scheduleId, s);
    const json = JSON.stringify(s);
    this.persist((db) =>
      db
        .insertInto('dsp_schedules')
        .values({ schedule_id: s.scheduleId, user_eui: user, json, created_at: now })
        .execute(),
    );
    return s;
  }

  /** A schedule's run state changed (next run, runs sent). */
  putSchedule(s: ScheduleRecord, _now: number): void {
    if (this.#schedules.get(s.scheduleId) !== s) return;
    const json = JSON.stringify(s);
    this.persist((db) =>
      db.updateTable('dsp_schedules').set({ json }).where('schedule_id', '=', s.scheduleId).execute(),
    );
  }

  deleteSchedule(id: number): void {
    this.#schedules.delete(id);
    this.persist((db) => db.deleteFrom('dsp_schedules').where('schedule_id', '=', id).execute());
  }
}

// ---------------------------------------------------------------- helpers

const text = (n: DuisNode, name: string): string | undefined => child(n, name)?.text?.trim();

function euiOf(n: DuisNode, name: string): Eui | undefined {
  const t = text(n, name);
  if (t === undefined) return undefined;
  try {
    return normaliseEui(t);
  } catch {
    return undefined;
  }
}

/** The inventory's view of a device: its record, or one made from the routing inventory (status unknown: Commissioned). */
function recordOf(ctx: NonDeviceContext, eui: Eui): DeviceRecord | undefined {
  return deviceRecordOf(ctx.records, ctx.inventory, eui);
}

const XSD_DEVICE_TYPES = new Set(['ESME', 'GSME', 'GPF', 'CHF', 'HCALCS', 'PPMID', 'IHD', 'CAD']);

/** `Device` of DSPInventory (XSD order). */
function deviceNode(d: DeviceRecord): DuisNode {
  const kids: DuisNode[] = [
    el('DeviceID', euiToDuis(d.eui)),
    el('DeviceType', d.deviceType),
    el('DeviceStatus', d.status),
    el('DeviceManufacturer', d.manufacturer),
    el('DeviceModel', d.model),
  ];
  if (d.smetsChtsVersion) kids.push(el('SMETSCHTSVersion', d.smetsChtsVersion));
  if (d.firmwareVersion) kids.push(el('DeviceFirmwareVersion', d.firmwareVersion));
  if (d.importMpxn) kids.push(el('ImportMPxN', d.importMpxn));
  if (d.esmeVariant) kids.push(el('ESMEVariant', d.esmeVariant));
  return el('Device', kids);
}

const other = (node: DuisNode): ResponseMessagePayload => ({ type: 'Other', node });

// ---------------------------------------------------------------- handlers

/** 8.2 Read Inventory: by DeviceID or MPxN (UPRN and property filters: no address data here). */
const readInventory: NonDeviceHandler = (ctx) => {
  const b = ctx.req.body;
  let found: DeviceRecord[] = [];
  const id = text(b, 'DeviceID');
  const mpxn = text(b, 'MPxN');
  if (id !== undefined) {
    const eui = euiOf(b, 'DeviceID');
    const r = eui && recordOf(ctx, eui);
    if (r) found = [r];
  } else if (mpxn !== undefined) {
    const euis = new Set([
      ...ctx.records.devices().map((d) => d.eui),
      ...ctx.inventory.all().map((d) => d.eui),
    ]);
    found = [...euis].map((e) => recordOf(ctx, e)!).filter((r) => r.importMpxn === mpxn);
  }
  found = found.filter((r) => XSD_DEVICE_TYPES.has(r.deviceType)).slice(0, 17);
  // PROVISIONAL: E080201 = no device matches the query.
  if (found.length === 0) return { code: 'E080201' };
  return { code: 'I0', payload: other(el('DSPInventory', found.map(deviceNode))) };
};

/** 8.3 Decommission Device. */
const decommission: NonDeviceHandler = (ctx) => {
  const eui = euiOf(ctx.req.body, 'DeviceID');
  const r = eui && recordOf(ctx, eui);
  if (!r) return { code: 'E080301' }; // PROVISIONAL: not in the inventory
  if (r.status === 'Decommissioned') return { code: 'E080302' }; // PROVISIONAL: already decommissioned
  ctx.records.putDevice({ ...r, status: 'Decommissioned' }, ctx.now);
  ctx.schedules.removeForDevice(r.eui, 'decommissioned'); // DSPScheduleRemoval to each owner
  return { code: 'I99' };
};

/** 8.4 Update Inventory: status, details, MPxN, or delete (a Pending device only). */
const updateInventory: NonDeviceHandler = (ctx) => {
  const b = ctx.req.body;
  const eui = euiOf(b, 'DeviceID');
  const r = eui && recordOf(ctx, eui);
  if (!eui || !r) return { code: 'E080405' }; // PROVISIONAL: not in the inventory
  const next: DeviceRecord = { ...r };
  const exceptCh = text(b, 'UpdateDeviceStatusExceptCH');
  const ch = text(b, 'UpdateDeviceStatusCH');
  const details = child(b, 'UpdateDeviceDetails');
  const mpxn = child(b, 'UpdateMPxN');
  if (exceptCh !== undefined) {
    if (r.deviceType === 'CHF') return { code: 'E080406' }; // PROVISIONAL: a CH status by the other choice
    next.status = exceptCh as DeviceStatus;
  } else if (ch !== undefined) {
    if (r.deviceType !== 'CHF') return { code: 'E080407' }; // PROVISIONAL: a CH status for a non-CH
    next.status = ch as DeviceStatus;
  } else if (details) {
    const m = text(details, 'DeviceManufacturer');
    const mo = text(details, 'DeviceModel');
    const v = text(details, 'SMETSCHTSVersion');
    const fw = text(details, 'FirmwareVersion');
    const ev = text(details, 'ESMEVariant');
    if (m !== undefined) next.manufacturer = m;
    if (mo !== undefined) next.model = mo;
    if (v !== undefined) next.smetsChtsVersion = v;
    if (fw !== undefined) next.firmwareVersion = fw;
    if (ev !== undefined) next.esmeVariant = ev;
  } else if (child(b, 'DeleteDevice')) {
    if (r.status !== 'Pending') return { code: 'E080408' }; // PROVISIONAL: only a Pending device is deleted
    ctx.records.deleteDevice(eui);
    return { code: 'I99' };
  } else if (mpxn) {
    const v = mpxn.children.find((c) => c.text !== undefined && c.text.trim() !== '')?.text?.trim();
    if (v === undefined) return { code: 'E080409' }; // PROVISIONAL
    next.importMpxn = v;
  }
  ctx.records.putDevice(next, ctx.now);
  if (next.status === 'Decommissioned' && r.status !== 'Decommissioned')
    ctx.schedules.removeForDevice(eui, 'decommissioned');
  return { code: 'I99' };
};

/** 8.14.1-8.14.4 Communications Hub Status Updates. */
function chStatusUpdate(status: DeviceStatus): NonDeviceHandler {
  return (ctx) => {
    const eui = euiOf(ctx.req.body, 'DeviceID');
    const r = eui && recordOf(ctx, eui);
    if (!r) return { code: 'E081401' }; // PROVISIONAL: not in the inventory
    if (r.deviceType !== 'CHF') return { code: 'E081402' }; // PROVISIONAL: not a Communications Hub
    ctx.records.putDevice(
      { ...r, status, chStatusUpdate: { srv: ctx.req.header.serviceReferenceVariant, at: ctx.now } },
      ctx.now,
    );
    return { code: 'I99' };
  };
}

/** 12.2 Device Pre-notification: the device enters the inventory as Pending. */
const prenotify: NonDeviceHandler = (ctx) => {
  const b = ctx.req.body;
  const eui = euiOf(b, 'DeviceID');
  if (!eui) return { code: 'E120201' };
  if (ctx.records.device(eui)) return { code: 'E120203' }; // PROVISIONAL: already pre-notified
  const r: DeviceRecord = {
    eui,
    deviceType: text(b, 'DeviceType') ?? '',
    // a device the routing inventory already holds (installed on a CH) keeps that standing
    status: ctx.inventory.get(eui) ? 'Commissioned' : 'Pending',
    manufacturer: text(b, 'DeviceManufacturer') ?? '',
    model: text(b, 'DeviceModel') ?? '',
  };
  const v = text(b, 'SMETSCHTSVersion');
  const fw = text(b, 'FirmwareVersion');
  const ev = text(b, 'ESMEVariant');
  if (v) r.smetsChtsVersion = v;
  if (fw) r.firmwareVersion = fw;
  if (ev) r.esmeVariant = ev;
  ctx.records.putDevice(r, ctx.now);
  return { code: 'I99' };
};

/** An OTA Upgrade Image's own hash (hex upper case), undefined for a file that is not one. */
function otaImageHash(file: Uint8Array): string | undefined {
  try {
    return decodeOtaImage(file).hash;
  } catch {
    return undefined;
  }
}

/** 11.1 Update Firmware / 11.4 Update PPMID Firmware: recorded per device; invalid IDs warned. */
function firmwareDistribution(ppmidOnly: boolean): NonDeviceHandler {
  return (ctx) => {
    const b = ctx.req.body;
    const image = text(b, 'FirmwareImage') ?? '';
    const version = text(b, 'FirmwareVersion') ?? '';
    const list = (text(b, 'DeviceIDList') ?? '').split(',').filter((s) => s !== '');
    const file = new Uint8Array(Buffer.from(image, 'base64'));
    const imageSha256 = createHash('sha256').update(file).digest('hex');
    // an OTA Upgrade Image goes to the CH of each device once (the CH distributes it on its HAN)
    const sendTo = !ppmidOnly && isOtaImage(file) ? new Map<Eui, Eui>() : null;
    const imageHash = otaImageHash(file);
    const invalid: string[] = [];
    const notApplicable: string[] = [];
    let accepted = 0;
    for (const id of list) {
      let eui: Eui;
      try {
        eui = normaliseEui(id);
      } catch {
        invalid.push(id);
        continue;
      }
      const r = recordOf(ctx, eui);
      if (!r) {
        invalid.push(id);
        continue;
      }
      if (ppmidOnly !== (r.deviceType === 'PPMID')) {
        notApplicable.push(id);
        continue;
      }
      const entry: FirmwareEntry = {
        version,
        imageSha256,
        at: ctx.now,
        srv: ctx.req.header.serviceReferenceVariant,
        user: ctx.user.eui,
        requestId: ctx.requestId,
        ...(imageHash ? { imageHash } : {}),
      };
      ctx.records.putDevice({ ...r, firmware: [...(r.firmware ?? []), entry] }, ctx.now);
      accepted++;
      const chf = ctx.inventory.get(eui)?.chf;
      if (sendTo && chf && !sendTo.has(chf)) sendTo.set(chf, eui);
    }
    for (const [chf, target] of sendTo ?? []) ctx.sendFileToCh?.(chf, target, file);
    const fail = ppmidOnly ? 'E110401' : 'E110101';
    const warn = ppmidOnly ? 'W110401' : 'W110101';
    if (accepted === 0) return { code: fail }; // PROVISIONAL: no device of the list can take it
    if (invalid.length === 0 && notApplicable.length === 0) return { code: 'I99' };
    const kids: DuisNode[] = [];
    if (invalid.length > 0) kids.push(el('InvalidDeviceIDList', invalid.join(',')));
    if (notApplicable.length > 0) kids.push(el('NotApplicableFirmwareDeviceIDList', notApplicable.join(',')));
    return {
      code: warn,
      payload: other(el(ppmidOnly ? 'DSPUpdatePPMIDFirmwareWarning' : 'DSPUpdateFirmwareWarning', kids)),
    };
  };
}

const HANDLERS: Readonly<Record<string, NonDeviceHandler>> = {
  '5.1': (ctx) => ctx.schedules.create(ctx),
  '5.2': (ctx) => ctx.schedules.read(ctx),
  '5.3': (ctx) => ctx.schedules.delete(ctx),
  '8.2': readInventory,
  '8.3': decommission,
  '8.4': updateInventory,
  '8.13': (ctx) => ctx.returnLocalCommandResponse(),
  '8.14.1': chStatusUpdate('InstalledNotCommissioned'),
  '8.14.2': chStatusUpdate('InstalledNotCommissioned'),
  '8.14.3': chStatusUpdate('Withdrawn'),
  '8.14.4': chStatusUpdate('Withdrawn'),
  '11.1': firmwareDistribution(false),
  '11.4': firmwareDistribution(true),
  '8.6': serviceOptIn,
  '12.1': requestWanMatrix,
  '12.2': prenotify,
};

/** The non-device SRVs this DSP answers. */
export const NON_DEVICE_SRVS: readonly string[] = Object.freeze(Object.keys(HANDLERS));

export function nonDeviceHandler(srv: string): NonDeviceHandler | undefined {
  return Object.hasOwn(HANDLERS, srv) ? HANDLERS[srv] : undefined;
}
