/**
 * A mixed workload for a live or simulated estate: top-ups (2.2) and
 * register reads (4.1.1) placed with the supplier at random premises, as a
 * Poisson process on the Clock (exponential gaps, seeded). The supplier
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
    return this.o.premises.length * (this.spec.topUpsPerHomeHour + this.spec.readsPerHomeHour);
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
