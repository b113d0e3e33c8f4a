/**
 * Runs one arm of a scenario (src/sim/scenario.ts) on one slice of an
 * estate, in virtual time, through the same composition `ppmid-relay up`
 * runs (src/system, `transport: 'in-process'`): every DUIS document is
 * signed and verified, every GBCS command carries its ACB MAC, every HAN
 * frame is APS-secured, every response crosses the SM WAN model. Nothing
 * here shortcuts a hop; it only watches (supplier events, meter events, CH
 * buffer sizes, HAN airtime, CHM alerts) and counts.
 *
 * Slices (`--shard i/N`): the estate of H homes is cut into N slices of
 * about H/N homes; slice i runs with the seed `<seed>/shard-i-of-N`, and its
 * own instance of every party (a regional supplier, DSP and CSP per slice).
 * Every figure is kept as additive counts (plus the raw distributions), so
 * slices merge exactly (src/sim/results.ts).
 */
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { encodeApdu } from '../gbcs/encode.ts';
import { VirtualClock as VClock, type VirtualClock } from '../runtime/clock.ts';
import { SeededRandom } from '../runtime/random.ts';
import { InProcessSupplierPort } from '../system/ports.ts';
import { startSystem } from '../system/system.ts';
import type { EstatePlan } from './plan.ts';
import { type PumpProgress, pumpPromise, pumpUntil } from './pump.ts';
import { type ArmCounts, emptyCounts } from './results.ts';
import type { Arm, Scenario } from './scenario.ts';
import { Workload } from './workload.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** CH-7 switched off: limits no flood reaches (the attack scenario's `ch7: false` arm). */
const CH7_OFF = { ppmidRelayBurst: 1e9, ppmidRelayPerMinute: 1e9, ppmidAirtimeShareCap: 1 };

export interface Slice {
  index: number;
  count: number;
}

export interface ArmRunOptions {
  homes: number;
  days: number;
  seed: string;
  slice?: Slice;
  signal?: AbortSignal;
  onProgress?: (p: PumpProgress & { arm: string; homes: number }) => void;
}

/** How many homes slice i of N holds (the first H mod N slices one more). */
export function sliceHomes(homes: number, s: Slice): number {
  return Math.floor(homes / s.count) + (s.index < homes % s.count ? 1 : 0);
}

export function sliceSeed(seed: string, s: Slice): string {
  return s.count === 1 ? seed : `${seed}/shard-${s.index}-of-${s.count}`;
}

function wanMix(s: Scenario, homes: number) {
  const intermittent = Math.round(s.wan.intermittentShare * homes);
  const none = Math.min(homes - intermittent, Math.round(s.wan.noneShare * homes));
  return { reliable: homes - intermittent - none, intermittent, none };
}

/** Runs one arm on one slice; resolves with its counts (partial when stopped by `signal`). */
export async function runArm(s: Scenario, arm: Arm, o: ArmRunOptions): Promise<ArmCounts> {
  const slice = o.slice ?? { index: 0, count: 1 };
  const homes = sliceHomes(o.homes, slice);
  const seed = sliceSeed(o.seed, slice);
  const counts = emptyCounts();
  if (homes === 0) return counts;
  const vc: VirtualClock = new VClock();
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const sys = await pumpPromise(
    vc,
    startSystem({
      clock: vc,
      transport: 'in-process',
      ephemeral: true,
      homes,
      wanMix: wanMix(s, homes),
      ...(s.hcalcsShare ? { hcalcsShare: s.hcalcsShare } : {}),
      seed,
      workload: 'none',
      xsdValidation: false,
      intermittent: { meanUpMs: s.wan.meanUpHours * HOUR, meanDownMs: s.wan.meanDownHours * HOUR },
      chf: {
        ...(arm.ch7 === false ? CH7_OFF : {}),
        ...(arm.uplinkCapacity ? { uplinkCapacity: arm.uplinkCapacity } : {}),
      },
      ...(arm.band ? { han: { band: arm.band } } : {}),
    }),
    { signal: o.signal },
  );
  try {
    const setupDone = (p: PumpProgress) => o.onProgress?.({ ...p, arm: `${arm.name} (set-up)`, homes });
    const failures = await pumpPromise(vc, sys.provisioned, { signal: o.signal, onProgress: setupDone });
    if (failures.length)
      throw new Error(`PPMID provisioning failed in ${failures.length} home(s): ${failures[0].error}`);
    counts.setupCpuMs = cpuNow() - cpu0;
    counts.homes = homes;
    const start = vc.now();
    const watch = new Watch(s, sys, vc, start, counts);
    const auxPerDay = s.workload.auxLoadPerHomeDay ?? 0;
    const perHour = (s.workload.topUpsPerHomeDay + s.workload.readsPerHomeDay + auxPerDay) / 24;
    const w = new Workload({
      clock: sys.clock,
      supplier: new InProcessSupplierPort(() => sys.supplier!),
      premises: sys.plan.homes.map((h) => h.premisesId),
      spec: {
        topUpsPerHomeHour: s.workload.topUpsPerHomeDay / 24,
        readsPerHomeHour: s.workload.readsPerHomeDay / 24,
        topUpPennies: [100, 3000],
        ...(auxPerDay > 0 ? { auxLoadPerHomeHour: auxPerDay / 24 } : {}),
      },
      random: new SeededRandom(`${seed}:workload`),
      ...(arm.route === 'auto' ? {} : { route: arm.route }),
    });
    if (perHour > 0) w.start();
    const end = start + o.days * DAY;
    const cpu1 = cpuNow();
    const r = await pumpUntil(vc, () => vc.now() >= end, {
      signal: o.signal,
      onProgress: (p) => o.onProgress?.({ ...p, arm: arm.name, homes }),
      start,
      end,
    });
    counts.runCpuMs = cpuNow() - cpu1;
    counts.events = r.events;
    counts.simulatedMs = vc.now() - start;
    counts.partial = r.stopped;
    await w.stop();
    watch.finish(sys.plan);
    counts.wallMs = performance.now() - t0;
    counts.heapBytes = process.memoryUsage().heapUsed;
    return counts;
  } finally {
    await pumpPromise(vc, sys.stop());
  }
}

/** CPU ms of the whole process (user + system, every thread). */
export function processCpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * CPU ms of this thread only, where the system tells it (Linux: the first
 * field of /proc/thread-self/schedstat, ns on CPU); undefined elsewhere.
 * A worker thread's `process.cpuUsage()` is the whole process's: two slices
 * on two workers each counted both.
 */
export function threadCpuMs(): number | undefined {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The slice's CPU clock: the process's on the main thread (V8's helper
 * threads included, as the bench measures); on a worker thread its own
 * (`runSlicesInWorkers` spreads the process's total over the slices in
 * proportion to it).
 */
function cpuNow(): number {
  return (!isMainThread && threadCpuMs()) || processCpuMs();
}

interface CommandObs {
  kind: string;
  premisesId: string;
  createdAt: number;
  route?: string;
  state?: string;
  terminalAt?: number;
  key?: string;
}

/** What the simulator watches in one arm run. */
class Watch {
  private readonly commands = new Map<string, CommandObs>();
  private readonly applied = new Map<string, number>();
  private readonly homeIndex = new Map<string, number>();
  private readonly attacked = new Set<string>();
  /** per home: last uplink size seen, and the max per simulated day */
  private readonly uplinkLast: number[] = [];
  private readonly uplinkDayMax: number[][] = [];

  constructor(
    private readonly s: Scenario,
    private readonly sys: Awaited<ReturnType<typeof startSystem>>,
    private readonly vc: VirtualClock,
    private readonly start: number,
    private readonly c: ArmCounts,
  ) {
    const supplier = sys.supplier!;
    supplier.subscribe((e) => {
      if (e.type !== 'command') return;
      const cmd = e.command;
      let ob = this.commands.get(cmd.id);
      if (!ob) {
        if (cmd.createdAt < start) return; // provisioning (SU-3) commands
        ob = { kind: cmd.order.kind, premisesId: cmd.premisesId, createdAt: cmd.createdAt };
        this.commands.set(cmd.id, ob);
      }
      ob.route = cmd.route ?? ob.route;
      ob.state = cmd.state;
      if (cmd.terminalAt !== undefined) ob.terminalAt = cmd.terminalAt;
      if (cmd.requestId) ob.key = `${cmd.requestId.target}:${cmd.requestId.counter}`;
    });
    const estate = sys.estate!;
    estate.homes.forEach((h, i) => {
      this.homeIndex.set(h.premisesId, i);
      for (const m of [h.esme, h.gsme])
        m.onEvent((ev) => {
          if (ev.kind !== 'command' || ev.originatorCounter === undefined) return;
          if (ev.decision === 'accepted') {
            const k = `${ev.device}:${ev.originatorCounter}`;
            if (!this.applied.has(k)) this.applied.set(k, ev.at);
          } else if (this.attacked.has(h.premisesId)) this.c.attackRejectedAtMeter++;
        });
      this.uplinkLast.push(0);
      this.uplinkDayMax.push([]);
      const chf = h.home.chf;
      chf.onEvent(() => {
        const n = chf.uplinkBuffered;
        const last = this.uplinkLast[i];
        // each message offered while `k` waited (k = last .. n-1): the occupancy histogram of offers
        for (let k = last; k < n; k++)
          this.c.uplinkOfferHistogram[k] = (this.c.uplinkOfferHistogram[k] ?? 0) + 1;
        this.uplinkLast[i] = n;
        const day = Math.floor((this.vc.now() - this.start) / DAY);
        const days = this.uplinkDayMax[i];
        if ((days[day] ?? 0) < n) days[day] = n;
      });
    });
    sys.chm?.onEvent((ev) => {
      if (ev.type === 'alert') {
        const t = ev.alert.alertType;
        this.c.chmAlerts[t] = (this.c.chmAlerts[t] ?? 0) + 1;
      }
    });
    if (s.kind === 'attack' && s.attack) this.startAttack();
  }

  /** attack: the first `compromisedHomes` homes' PPMIDs flood their HAN tunnel (R4). */
  private startAttack(): void {
    const a = this.s.attack!;
    const homes = this.sys.estate!.homes.slice(0, a.compromisedHomes);
    const supplierEui = this.sys.supplier!.supplierEui;
    const gapMs = 60_000 / a.commandsPerMinute;
    const startAt = a.startHour * HOUR;
    const endAt = startAt + a.durationHours * HOUR;
    for (const h of homes) {
      this.attacked.add(h.premisesId);
      const tunnel = h.home.tunnelNode(h.plan.ppmid);
      let counter = 1n << 50n;
      const random = new SeededRandom(`attack:${h.plan.ppmid}`);
      const fire = () => {
        const t = this.vc.now() - this.start;
        if (t >= endAt) return;
        // A well-formed GBCS command for the home's ESME whose MAC the PPMID cannot compute.
        const bytes = encodeApdu({
          cra: 'command',
          originatorCounter: counter++,
          originator: supplierEui,
          recipient: h.plan.esme,
          otherInfo: { messageCode: 0x0008 },
          content: random.bytes(40),
          signature: null,
        });
        this.c.attackSent++;
        tunnel.send(bytes);
        this.sys.clock.setTimer(gapMs, fire, 'sim:attack');
      };
      this.sys.clock.setTimer(startAt, fire, 'sim:attack');
      // a minute-by-minute view of the attacked HAN: the PPMID's airtime share and the channel's
      const sample = () => {
        const t = this.vc.now() - this.start;
        const shares = h.home.medium.airtimeShares(60_000);
        this.c.series.attackAirtime.push({
          minute: Math.round(t / 60_000),
          home: h.premisesId,
          ppmidShare: round4(shares.perDevice[h.plan.ppmid]?.share ?? 0),
          channelShare: round4(shares.total),
        });
        if (t + 60_000 <= endAt + HOUR) this.sys.clock.setTimer(60_000, sample, 'sim:attack-sample');
      };
      this.sys.clock.setTimer(Math.max(0, startAt - HOUR), sample, 'sim:attack-sample');
    }
  }

  /** Whether a command ordered at `at` was ordered while the attack ran. */
  private duringFlood(at: number): boolean {
    const a = this.s.attack;
    if (!a) return false;
    const t = at - this.start;
    return t >= a.startHour * HOUR && t < (a.startHour + a.durationHours) * HOUR;
  }

  finish(plan: EstatePlan): void {
    const c = this.c;
    const targets = this.s.targetSeconds;
    for (const ob of this.commands.values()) {
      const applied = ob.key ? this.applied.get(ob.key) : undefined;
      const latency = applied === undefined ? undefined : applied - ob.createdAt;
      const target = (targets[ob.kind as keyof typeof targets] ?? 30) * 1000;
      const wanClass = plan.homes[this.homeIndex.get(ob.premisesId) ?? 0]?.wanClass ?? 'reliable';
      const attacked = this.attacked.has(ob.premisesId);
      const keys = [`all`, `kind:${ob.kind}`, `wan:${wanClass}`, `scope:${attacked ? 'attacked' : 'other'}`];
      // the attacked home's commands ordered while its PPMID flooded the HAN, and the rest
      if (attacked) keys.push(`attacked:${this.duringFlood(ob.createdAt) ? 'during' : 'outside'}-flood`);
      for (const k of keys) {
        c.byGroup[k] ??= { orders: 0, applied: 0, onTime: 0, responded: 0, respondedOnTime: 0 };
        const b = c.byGroup[k];
        b.orders++;
        if (latency !== undefined) b.applied++;
        if (latency !== undefined && latency <= target) b.onTime++;
        if (ob.state === 'responded') {
          b.responded++;
          if (ob.terminalAt !== undefined && ob.terminalAt - ob.createdAt <= target) b.respondedOnTime++;
        }
      }
      if (latency !== undefined) c.appliedLatencyMs.push(latency);
      if (ob.route) c.routes[ob.route] = (c.routes[ob.route] ?? 0) + 1;
      if (ob.route === 'ppmid' || ob.route === 'race') c.localDeliveries++;
    }
    const estate = this.sys.estate!;
    estate.homes.forEach((h, i) => {
      const m = h.home.medium;
      const ppmid = m.lifetimeAirtimeMs(h.plan.ppmid);
      let total = 0;
      for (const eui of [h.plan.chf, h.plan.esme, h.plan.gsme, h.plan.ppmid])
        total += m.lifetimeAirtimeMs(eui);
      c.hanAirtimeMs += total;
      c.ppmidAirtimeMs += ppmid;
      for (const n of this.uplinkDayMax[i]) if (n !== undefined) c.uplinkDayMax.push(n);
      const fullDays = Math.floor((this.vc.now() - this.start) / DAY);
      for (let d = 0; d < fullDays; d++) if (this.uplinkDayMax[i][d] === undefined) c.uplinkDayMax.push(0);
    });
    // device counters live in each home's registry: the estate sums them
    const snap = estate.metricsSnapshot().counters;
    for (const [k, v] of Object.entries(snap)) {
      if (k.startsWith('han.dutyCycle.')) c.dutyCycle[k.slice('han.dutyCycle.'.length)] = v;
      if (k.startsWith('chf.discard.') || k.startsWith('chf.relay.') || k === 'chf.uplink.dropped')
        c.chfDiscards[k] = v;
    }
    c.appliedLatencyMs.sort((a, b) => a - b);
    c.uplinkDayMax.sort((a, b) => a - b);
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
