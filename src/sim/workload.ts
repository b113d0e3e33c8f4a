/**
 * A mixed workload for a live or simulated estate: top-ups (2.2), register
 * reads (4.1.1) and, when asked for, auxiliary load switchings (7.5 / 7.6)
 * placed with the supplier at random premises, as a Poisson process on the
 * Clock (exponential gaps, seeded). The supplier
 * chooses each route itself (SU-1), so homes whose WAN fails drift to the
 * PPMID route as the supplier's history of them grows.
 */
import type { Clock, TimerHandle } from '../runtime/clock.ts';
import { ConfigError } from '../runtime/errors.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics } from '../runtime/metrics.ts';
import { SeededRandom } from '../runtime/random.ts';
import type { SupplierPort, WorkloadOrder } from './ports.ts';

const log = Logger.get('sim:workload');

export type WorkloadName = 'none' | 'light' | 'busy';
export const WORKLOAD_NAMES: readonly WorkloadName[] = ['none', 'light', 'busy'];

export interface WorkloadSpec {
  /** Top-ups per home per hour (mean). */
  topUpsPerHomeHour: number;
  /** Register reads per home per hour (mean). */
  readsPerHomeHour: number;
  /** Top-up value range in pennies (inclusive). */
  topUpPennies: [number, number];
  /**
   * Auxiliary load orders per home per hour (mean; default 0): a 7.5 or 7.6
   * (even odds) for ALCS switch 2, the one an HCALCS is in a home that has
   * one (docs/sim.md), with a Duration of `auxLoadMinutes` (inclusive range,
   * default 30..120): the ESME holds the switch that long, then returns it to
   * calendar control (docs/devices.md "ALCS in time").
   */
  auxLoadPerHomeHour?: number;
  auxLoadMinutes?: [number, number];
}

/** The switch aux-load orders address: switch 2, an HCALCS where the home has one (sim/plan.ts). */
export const AUX_LOAD_SWITCH = 2;

/** A 7.5 (on) or 7.6 (off) order for switch `index` with a Duration of `minutes`. */
export function auxLoadOrder(on: boolean, index: number, minutes: number): WorkloadOrder {
  return on
    ? {
        kind: 'duis',
        srv: '7.5',
        body: { ActivateAuxiliaryLoad: { ActivateALCSHCALCS: { '@index': index, Duration: minutes } } },
      }
    : {
        kind: 'duis',
        srv: '7.6',
        body: { DeactivateAuxiliaryLoad: { DeactivateALCSHCALCS: { '@index': index, Duration: minutes } } },
      };
}

export const WORKLOADS: Readonly<Record<WorkloadName, WorkloadSpec>> = {
  none: { topUpsPerHomeHour: 0, readsPerHomeHour: 0, topUpPennies: [500, 2000] },
  light: { topUpsPerHomeHour: 0.25, readsPerHomeHour: 0.5, topUpPennies: [500, 2000] },
  busy: { topUpsPerHomeHour: 4, readsPerHomeHour: 8, topUpPennies: [100, 3000] },
};

export interface WorkloadOptions {
  clock: Clock;
  supplier: SupplierPort;
  premises: readonly string[];
  spec: WorkloadSpec | WorkloadName;
  random?: SeededRandom | string | number;
  metrics?: Metrics;
  /** Force a route on every order (the simulator's arms); default: the supplier chooses (SU-1). */
  route?: 'wan' | 'race' | 'ppmid';
}

export class Workload {
  readonly spec: WorkloadSpec;
  readonly metrics: Metrics;
  private readonly random: SeededRandom;
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly o: WorkloadOptions) {
    this.spec = typeof o.spec === 'string' ? WORKLOADS[o.spec] : o.spec;
    if (!this.spec)
      throw new ConfigError(`unknown workload ${String(o.spec)} (${WORKLOAD_NAMES.join(', ')})`);
    this.random = o.random instanceof SeededRandom ? o.random : new SeededRandom(o.random ?? 'workload');
    this.metrics = o.metrics ?? new Metrics('workload.');
  }

  /** Orders per hour over the whole estate. */
  get ratePerHour(): number {
    const s = this.spec;
    return this.o.premises.length * (s.topUpsPerHomeHour + s.readsPerHomeHour + (s.auxLoadPerHomeHour ?? 0));
  }

  start(): void {
    if (this.running || this.ratePerHour <= 0 || this.o.premises.length === 0) return;
    this.running = true;
    this.schedule();
  }

  private schedule(): void {
    const meanGapMs = 3_600_000 / this.ratePerHour;
    this.timer = this.o.clock.setTimer(
      this.random.exponential(meanGapMs),
      () => this.fire(),
      'workload:next',
    );
  }

  /** The next order (exposed for benchmarks that drive the workload by hand). */
  nextOrder(): { premisesId: string; order: WorkloadOrder } {
    const premisesId = this.random.pick(this.o.premises);
    const aux = this.spec.auxLoadPerHomeHour ?? 0;
    // no draw for aux-load orders when there are none: the other orders' random stream stays as it was
    if (aux > 0) {
      const all = this.spec.topUpsPerHomeHour + this.spec.readsPerHomeHour + aux;
      if (this.random.chance(aux / all)) {
        const [lo, hi] = this.spec.auxLoadMinutes ?? [30, 120];
        const on = this.random.chance(0.5);
        return { premisesId, order: auxLoadOrder(on, AUX_LOAD_SWITCH, lo + this.random.int(hi - lo + 1)) };
      }
    }
    const topUpShare =
      this.spec.topUpsPerHomeHour / (this.spec.topUpsPerHomeHour + this.spec.readsPerHomeHour);
    if (this.random.chance(topUpShare)) {
      const [lo, hi] = this.spec.topUpPennies;
      return {
        premisesId,
        order: { kind: 'top-up', value: lo + this.random.int(hi - lo + 1), valueClass: 'pennies' },
      };
    }
    return { premisesId, order: { kind: 'read-registers' } };
  }

  private fire(): void {
    if (!this.running) return;
    const { premisesId, order } = this.nextOrder();
    const p = this.o.supplier
      .submit({ premisesId, order, ...(this.o.route ? { route: this.o.route } : {}) })
      .then(
        (c) => {
          this.metrics.inc(`submitted.${order.kind}`);
          log.debug('order placed', { premisesId, kind: order.kind, command: c.id, route: c.route });
        },
        (err: unknown) => {
          this.metrics.inc(`refused.${order.kind}`);
          log.warn('order refused', { premisesId, kind: order.kind, error: String(err) });
        },
      );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await Promise.allSettled([...this.inflight]);
  }
}
