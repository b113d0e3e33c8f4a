/**
 * The GSME's snapshots (ZCL SE 1.4 Metering Publish Snapshot, Prepayment
 * Publish Prepay Snapshot), recorded as a real GSME records them and read
 * by GCS16a / GCS16b (Daily Read Log), GCS15b (Billing Data Log, change of
 * mode / tariff) and GCS15c (Billing Data Log, billing calendar):
 *
 * - at every midnight (UTC) of the device clock a daily snapshot, cause
 *   General (0x01): the registers as they stood at midnight (with
 *   metrology, consumption is accrued up to midnight first);
 * - when a tariff is applied (GCS01b), cause Change of Tariff Information
 *   (0x08), with the registers as they stood before; when the payment mode
 *   changes (GCS02 / GCS03), cause Change of Mode (0x4000);
 * - at the end of each billing period of the Billing Calendar (GCS25a sets
 *   it: start time, duration in minutes / days / weeks / months), cause End
 *   of Billing Period (0x02).
 * Each snapshot holds the metering payload (type 6, Block Tier Information
 * Set Delivered, no billing: current summation, the tier registers, the
 * block counters) and the prepayment payload (type 0, Debt/Credit Status:
 * accumulated debt, debt registers 1..3, emergency credit, credit).
 *
 * A Get (Prepay) Snapshot asks for the snapshot at Snapshot Offset among
 * those of the requested cause (0xFFFFFFFF: any) taken in [Earliest Start
 * Time, Latest End Time]: the answer is that one, payload-encrypted, or
 * Default Response NOT_FOUND. PROVISIONAL (SE text not here, the RTDS 4.4.2 /
 * 4.4.3 / 4.6.1 / 4.14 responses confirm the shape): offset 0 is the oldest
 * snapshot in the range (the RTDS lists ascending times for offsets 0, 1,
 * 2); the Snapshot ID of an answer is the ID its cluster gave the snapshot
 * when it was taken, each cluster (metering, prepayment) numbering its own
 * snapshots in sequence (RTDS 4.4.2: prepayment IDs 0, 1 and metering IDs
 * 0x0C, 0x0D for the same two snapshots; 4.4.3: 0, 1 for both); Total Snapshots Found
 * is the number of snapshots of that cause the log holds, whatever their
 * time (the RTDS 4.6.1 / 4.14 responses report 31, a month of daily reads,
 * with two or three of them in the requested range; 4.4.2 / 4.4.3 report 2
 * with both in range). Midnight is UTC (GBCS devices keep UTC).
 *
 * Hardware faults (backchannel): `metering.getSnapshot` (or
 * `prepayment.getPrepaySnapshot`) fails every such read; with `#n` appended
 * it fails the n-th such read of one command (an intermittent fault of the
 * log's storage: the earlier reads answer, that one HARDWARE_FAILURE, the
 * later components are not run).
 */
import { zclCluster } from '../../gbcs/payload/zcl-se.ts';
import { deepFreeze } from '../../runtime/freeze.ts';
import type { ExecutionContext } from '../meter-common/meter-device.ts';
import { fromZigbeeTime, zigbeeTime } from '../meter-common/time.ts';
import type { HandlerResult, UseCaseCall } from '../meter-common/use-case-registry.ts';
import type { GsmeState } from './gsme.ts';
import { defaultResponse, encryptedComponent, notRun, ZCL } from './handlers/gbz.ts';

/** ZCL Snapshot Cause bits (SE 1.4 D.3.2.3.1.7, map32). */
export const SNAPSHOT_CAUSE = {
  general: 0x01,
  endOfBillingPeriod: 0x02,
  changeOfTariff: 0x08,
  /** bit 14 (SE 1.4 Change of (Meter) Mode; GCS15b asks for 0x6008: tariff, supplier, mode) */
  changeOfMode: 0x4000,
} as const;

/** Snapshots kept (31 daily reads and the billing data log with room; the oldest go first). */
export const SNAPSHOT_CAPACITY = 100;
const DAY_MS = 86_400_000;
/** Snapshot Payload Types (SE 1.4): metering Block Tier Information Set Delivered (no billing), prepayment Debt/Credit Status. */
const PAYLOAD_TYPE = { metering: 6, prepayment: 0 } as const;
/** Frame control of an encrypted publish (RTDS 0x19) and of the Default Responses (0x08). */
const FRAME_CONTROL = 0x19;

export interface GsmeSnapshotEntry {
  /** ZigBee UTC time (seconds since 2000-01-01) */
  time: number;
  cause: number;
  summation: number;
  tiers: number[];
  blocks: number[];
  accumulatedDebt: number;
  debts: [number, number, number];
  emergencyCreditRemaining: number;
  creditRemaining: number;
  /** the Snapshot ID the metering and the prepayment cluster each gave this snapshot (absent: before IDs were kept) */
  ids?: SnapshotIds;
}

/** Snapshot IDs, one sequence per cluster (uint32, wrapping). */
export interface SnapshotIds {
  metering: number;
  prepayment: number;
}

export interface SnapshotLog {
  entries: GsmeSnapshotEntry[];
  /** the IDs the next snapshot gets (absent: 0) */
  nextIds?: SnapshotIds;
  /** device time (epoch ms) up to which midnights and billing period ends were recorded (the last one taken, or the start); null: not started */
  to: number | null;
}

export function newSnapshotLog(): SnapshotLog {
  return { entries: [], to: null };
}

/** What a snapshot records of the meter: its registers at the snapshot's time. */
export type SnapshotReadings = Omit<GsmeSnapshotEntry, 'time' | 'cause'>;

/** The meter's registers now, as a snapshot records them. */
export function readingsOf(state: GsmeState): SnapshotReadings {
  return {
    summation: state.registers.currentSummationDelivered,
    tiers: [...state.tierSummations],
    blocks: [...state.blockSummations],
    accumulatedDebt: state.debt.accumulated,
    debts: [...state.debt.amounts],
    emergencyCreditRemaining: state.emergencyCreditRemaining,
    creditRemaining: state.meterBalance,
  };
}

/**
 * Records a snapshot taken at device time `atMs` (the meter's registers now,
 * or `readings`: the registers as they stood at `atMs`, for a history the
 * backchannel gives a meter). Each cluster gives it the next Snapshot ID of
 * its own sequence (`ids`: the IDs a history's snapshot had; the sequences
 * go on from them). The oldest go when the log is full.
 */
export function takeSnapshot(
  state: GsmeState,
  atMs: number,
  cause: number,
  readings: SnapshotReadings = readingsOf(state),
  ids: SnapshotIds = state.snapshotLog.nextIds ?? { metering: 0, prepayment: 0 },
): void {
  const log = state.snapshotLog;
  const next = (n: number) => (n + 1) % 2 ** 32;
  log.nextIds = { metering: next(ids.metering), prepayment: next(ids.prepayment) };
  // a snapshot taken never changes: frozen, so the GPF's gas mirror shares it instead of copying it on every wake
  log.entries.push(
    deepFreeze({
      ids: { ...ids },
      time: zigbeeTime(atMs),
      cause,
      summation: readings.summation,
      tiers: [...readings.tiers],
      blocks: [...readings.blocks],
      accumulatedDebt: readings.accumulatedDebt,
      debts: [...readings.debts],
      emergencyCreditRemaining: readings.emergencyCreditRemaining,
      creditRemaining: readings.creditRemaining,
    }),
  );
  if (log.entries.length > SNAPSHOT_CAPACITY) log.entries.splice(0, log.entries.length - SNAPSHOT_CAPACITY);
}

/**
 * The scheduled snapshots due in (log.to, nowMs], in time order: each
 * midnight (General) and each end of a billing period (End of Billing
 * Period). `accrueTo(t)` brings the registers to `t` before each is taken.
 */
export function recordScheduledSnapshots(
  state: GsmeState,
  nowMs: number,
  accrueTo: (t: number) => void,
): void {
  const log = state.snapshotLog;
  if (log.to === null || nowMs < log.to) {
    log.to = nowMs;
    return;
  }
  const due: Array<{ at: number; cause: number }> = [];
  for (let t = Math.floor(log.to / DAY_MS) * DAY_MS + DAY_MS; t <= nowMs; t += DAY_MS)
    due.push({ at: t, cause: SNAPSHOT_CAUSE.general });
  for (const t of billingPeriodEnds(state, log.to, nowMs))
    due.push({ at: t, cause: SNAPSHOT_CAUSE.endOfBillingPeriod });
  due.sort((a, b) => a.at - b.at);
  for (const d of due) {
    accrueTo(d.at);
    takeSnapshot(state, d.at, d.cause);
  }
  // moves only when a snapshot was due: a message between two boundaries changes no state
  if (due.length) log.to = due[due.length - 1]!.at;
}

/** How far ahead the next end of a billing period is sought (a year and a bit covers every periodicity). */
const BILLING_HORIZON_MS = 400 * DAY_MS;

/** The first end of a billing period of the Billing Calendar strictly after `afterMs`, or null (none within the horizon). */
export function nextBillingPeriodEnd(state: GsmeState, afterMs: number): number | null {
  return billingPeriodEnds(state, afterMs, afterMs + BILLING_HORIZON_MS)[0] ?? null;
}

/** Billing Period Duration Type (ZCL Price): 0 minutes, 1 days, 2 weeks, 3 months (low nibble). */
function billingPeriodEnds(state: GsmeState, fromMs: number, toMs: number): number[] {
  const b = state.billingPeriod;
  if (!b?.billingPeriodStartTime || !b.billingPeriodDuration) return [];
  const start = fromZigbeeTime(b.billingPeriodStartTime);
  const out: number[] = [];
  const unit = b.billingPeriodDurationType & 0x0f;
  const step =
    unit === 0 ? 60_000 : unit === 1 ? DAY_MS : unit === 2 ? 7 * DAY_MS : unit === 3 ? 28 * DAY_MS : 0;
  if (step === 0) return out;
  // the first period end that can fall after fromMs (a month is at least 28 days)
  const first = Math.max(
    1,
    Math.floor((fromMs - start) / (b.billingPeriodDuration * (unit === 3 ? 31 * DAY_MS : step))),
  );
  for (let i = first; out.length < 1000; i++) {
    let t: number;
    if (unit === 3) {
      const d = new Date(start);
      d.setUTCMonth(d.getUTCMonth() + i * b.billingPeriodDuration);
      t = d.getTime();
    } else t = start + i * b.billingPeriodDuration * step;
    if (t > toMs) break;
    if (t > fromMs) out.push(t);
  }
  return out;
}

function uint48(n: number): string {
  const b = Buffer.alloc(6);
  b.writeUIntLE(Math.max(0, Math.min(n, 2 ** 48 - 1)), 0, 6);
  return b.toString('hex');
}

function int32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n | 0, 0);
  return b.toString('hex');
}

function uint32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(Math.max(0, Math.min(n, 0xffffffff)) >>> 0, 0);
  return b.toString('hex');
}

/** Metering payload type 6: summation, tiers in use and their registers, tiers/blocks nibble and the block counters. */
function meteringPayload(e: GsmeSnapshotEntry): string {
  const tiers = e.tiers.slice(0, 15);
  const blocks = e.blocks.slice(0, 15);
  const nibbles = ((1 << 4) | blocks.length).toString(16).padStart(2, '0');
  return (
    uint48(e.summation) +
    tiers.length.toString(16).padStart(2, '0') +
    tiers.map(uint48).join('') +
    nibbles +
    blocks.map(uint48).join('')
  ).toUpperCase();
}

/** Prepayment payload type 0 (Debt/Credit Status). */
function prepaymentPayload(e: GsmeSnapshotEntry): string {
  return (
    int32(e.accumulatedDebt) +
    e.debts.map(uint32).join('') +
    uint32(e.emergencyCreditRemaining) +
    int32(e.creditRemaining)
  ).toUpperCase();
}

/**
 * The fields of the metering cluster's Publish Snapshot of `e` (what a Get
 * Snapshot answers and GCS53 carries): its metering Snapshot ID, payload
 * type 6.
 */
export function publishSnapshotFields(e: GsmeSnapshotEntry, id: number, totalSnapshotsFound: number) {
  return {
    snapshotId: id,
    snapshotTime: e.time,
    totalSnapshotsFound,
    commandIndex: 0,
    totalNumberOfCommands: 1,
    snapshotCause: e.cause,
    snapshotPayloadType: PAYLOAD_TYPE.metering,
    snapshotPayload: meteringPayload(e),
  };
}

interface SnapshotRequest {
  earliestStartTime: number;
  latestEndTime: number;
  snapshotOffset: number;
  snapshotCause: number;
}

const KINDS = {
  getSnapshot: {
    cluster: 'metering',
    publish: 'publishSnapshot',
    type: PAYLOAD_TYPE.metering,
    payload: meteringPayload,
  },
  getPrepaySnapshot: {
    cluster: 'prepayment',
    publish: 'publishPrepaySnapshot',
    type: PAYLOAD_TYPE.prepayment,
    payload: prepaymentPayload,
  },
} as const;

/** GCS15b / GCS15c / GCS16a / GCS16b: every Get (Prepay) Snapshot component of the command, in order. */
export function readSnapshots(
  call: UseCaseCall<Record<string, SnapshotRequest[]>>,
  state: GsmeState,
  faults: ReadonlySet<string>,
): HandlerResult {
  const header = (call.header as { components?: Array<{ sequence?: number }> }).components ?? [];
  // the command's components in wire order: its named lists in the row's order, each element one component
  const asked = Object.entries(call.fields).flatMap(([kind, list]) =>
    (list as SnapshotRequest[]).map((q) => ({ kind: kind as keyof typeof KINDS, q })),
  );
  const components: unknown[] = [];
  const headers: Array<{ sequence: number; frameControl?: number }> = [];
  let failed = false;
  let found = 0;
  /** reads of each kind so far in this command (for a fault on the n-th) */
  const reads: Record<string, number> = {};
  asked.forEach(({ kind, q }, i) => {
    const k = KINDS[kind];
    const sequence = header[i]?.sequence ?? i;
    const commandId = zclCluster(k.cluster)!.toServer.find((c) => c.name === kind)!.id;
    if (failed) {
      components.push(notRun(k.cluster));
      headers.push({ sequence });
      return;
    }
    const what = `${k.cluster}.${kind}`;
    reads[what] = (reads[what] ?? 0) + 1;
    if (faults.has(what) || faults.has(`${what}#${reads[what]}`)) {
      failed = true;
      components.push(defaultResponse(k.cluster, commandId, ZCL.hardwareFailure));
      headers.push({ sequence });
      return;
    }
    const ofCause = state.snapshotLog.entries.filter((e) => (e.cause & q.snapshotCause) !== 0);
    const matching = ofCause.filter((e) => e.time >= q.earliestStartTime && e.time <= q.latestEndTime);
    const e = matching[q.snapshotOffset];
    if (!e) {
      components.push(defaultResponse(k.cluster, commandId, ZCL.notFound));
      headers.push({ sequence });
      return;
    }
    components.push(
      encryptedComponent(
        k.cluster,
        k.publish,
        0x09,
        {
          snapshotId: e.ids?.[k.cluster] ?? state.snapshotLog.entries.indexOf(e),
          snapshotTime: e.time,
          totalSnapshotsFound: Math.min(255, ofCause.length),
          commandIndex: 0,
          totalNumberOfCommands: 1,
          snapshotCause: e.cause,
          snapshotPayloadType: k.type,
          snapshotPayload: k.payload(e),
        },
        (call.ctx as ExecutionContext).encrypt,
        found++,
      ),
    );
    headers.push({ sequence, frameControl: FRAME_CONTROL });
  });
  return {
    response: { components },
    header: { components: headers },
    outcome: failed ? 'failed' : 'read',
    detail: { found, asked: asked.length },
  };
}
