/**
 * The estate at a glance, for the start page's live charts: a summary now
 * (each home's WAN, CH mode and uplink buffer; commands per route and state
 * at the supplier; PPMID relays at the CHs; alerts at the CHM) and a bounded
 * history of samples taken every `periodMs` on the system's Clock, pushed to
 * subscribers (the start page's Server-Sent Events).
 *
 * Sources: the estate and the SM WAN in this process; the supplier's command
 * table and the CHM's alert table when those parties run here (null
 * otherwise: a split deployment's start page shows what its process has).
 * PPMID relays are counted from the CHs' own routing events (source `ppmid`,
 * SECMP0038 CH-1 / CH-2 / CH-6), not from what the supplier believes.
 */
import type { Clock, TimerHandle } from '../runtime/clock.ts';
import { Logger } from '../runtime/logger.ts';
import { COMMAND_STATES, TERMINAL_STATES } from '../supplier/command-states.ts';
import type { RunningSystem } from './system.ts';

const OPEN_STATES: readonly string[] = COMMAND_STATES.filter((st) => !TERMINAL_STATES.has(st));

const log = Logger.get('system:estate-watch');

export interface EstateHomeRow {
  premisesId: string;
  name: string;
  /** The WAN class the estate models (reliable / intermittent / none). */
  wanClass: string;
  wanUp: boolean;
  /** CH-6: `standalone` while the CSP's Block Buffer Feed holds. */
  chMode: 'normal' | 'standalone';
  /** CH-4: responses and alerts waiting in the CH for the WAN. */
  uplinkBuffered: number;
  /** PPMID relays waiting at the CH (CH-7). */
  relayQueued: number;
  ppmid: { provisioning: string; joined: boolean; internet: string };
  esmeBalanceMillipence: number;
  gsmeBalanceMillipence: number;
}

export interface PpmidRelayCounts {
  delivered: number;
  queued: number;
  discarded: number;
}

export interface EstateSummary {
  at: number;
  homes: EstateHomeRow[];
  wan: { up: number; down: number };
  /** Supplier commands per route and state (null: no supplier in this process). */
  commands: Array<{ route: string; state: string; n: number }> | null;
  /** Every SU-2 command state in its table's order, and which of them are still open (not terminal). */
  states: readonly string[];
  openStates: readonly string[];
  relays: PpmidRelayCounts;
  /** CHM alerts per type (null: no CHM in this process). */
  alerts: Array<{ type: string; count: number }> | null;
}

export interface EstateSample {
  t: number;
  wanUp: number;
  wanDown: number;
  standalone: number;
  uplinkBuffered: number;
  relayDelivered: number;
  relayDiscarded: number;
  alerts: number;
  commandsOpen: number;
  commandsResponded: number;
}

export type EstateWatchListener = (u: { sample: EstateSample; summary: EstateSummary }) => void;

export class EstateWatch {
  private readonly samples: EstateSample[] = [];
  private readonly listeners = new Set<EstateWatchListener>();
  private readonly relays: PpmidRelayCounts = { delivered: 0, queued: 0, discarded: 0 };
  private readonly offs: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly clock: Clock;
  readonly periodMs: number;
  readonly capacity: number;

  constructor(
    private readonly sys: RunningSystem,
    o: { periodMs?: number; capacity?: number } = {},
  ) {
    this.clock = sys.clock;
    this.periodMs = o.periodMs ?? 5_000;
    this.capacity = o.capacity ?? 720;
    for (const h of sys.estate?.homes ?? [])
      this.offs.push(
        h.home.chf.onEvent((e) => {
          if (e.kind !== 'route' || e.source !== 'ppmid' || !e.decision) return;
          if (e.decision === 'delivered') this.relays.delivered++;
          else if (e.decision === 'queued') this.relays.queued++;
          else if (e.decision === 'discarded') this.relays.discarded++;
        }),
      );
    this.sampleNow();
  }

  history(): EstateSample[] {
    return [...this.samples];
  }

  subscribe(fn: EstateWatchListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The estate now. */
  async summary(): Promise<EstateSummary> {
    const sys = this.sys;
    const homes: EstateHomeRow[] = (sys.estate?.homes ?? []).map((h) => {
      const esme = h.esme.stateView;
      const gsme = h.gsme.stateView;
      return {
        premisesId: h.premisesId,
        name: h.plan.name,
        wanClass: h.plan.wanClass,
        wanUp: h.link.isUp(),
        chMode: h.home.chf.standalone ? 'standalone' : 'normal',
        uplinkBuffered: h.home.chf.uplinkDepth(),
        relayQueued: (h.home.chf.status() as { relayQueued: number }).relayQueued,
        ppmid: {
          provisioning: h.provisioning,
          joined: h.ppmidJoined,
          internet: h.ppmidLink ? (h.ppmidLink.connected ? 'online' : 'offline') : 'none',
        },
        esmeBalanceMillipence: esme.meterBalance,
        gsmeBalanceMillipence: gsme.meterBalance,
      };
    });
    const supplier = sys.supplier;
    const [commands, alerts] = await Promise.all([
      supplier
        ? supplier
            .commandStats(0)
            .then((s) => s.counts.map((c) => ({ route: c.route ?? 'none', state: c.state, n: c.n })))
        : Promise.resolve(null),
      sys.chm
        ? sys.chm.repo
            .alertCountsByType({})
            .then((r) => r.map((a) => ({ type: a.alertType, count: a.count })))
        : Promise.resolve(null),
    ]);
    const up = homes.filter((h) => h.wanUp).length;
    return {
      at: this.clock.now(),
      homes,
      wan: { up, down: homes.length - up },
      commands,
      states: COMMAND_STATES,
      openStates: OPEN_STATES,
      relays: { ...this.relays },
      alerts,
    };
  }

  /**
   * Takes a sample now (and re-arms the periodic one): after a change a user
   * made (the WAN backchannel), so the page shows it at once.
   */
  sampleNow(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.clock.setTimer(this.periodMs, () => this.sampleNow(), 'system:estate-watch');
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.take()
      .catch((err: unknown) => log.warn('estate sample failed', { error: String(err) }))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.sampleNow();
        }
      });
  }

  private async take(): Promise<void> {
    const summary = await this.summary();
    if (this.stopped) return;
    const by = (state: string) =>
      (summary.commands ?? []).filter((c) => c.state === state).reduce((a, c) => a + c.n, 0);
    const sample: EstateSample = {
      t: summary.at,
      wanUp: summary.wan.up,
      wanDown: summary.wan.down,
      standalone: summary.homes.filter((h) => h.chMode === 'standalone').length,
      uplinkBuffered: summary.homes.reduce((a, h) => a + h.uplinkBuffered, 0),
      relayDelivered: summary.relays.delivered,
      relayDiscarded: summary.relays.discarded,
      alerts: (summary.alerts ?? []).reduce((a, x) => a + x.count, 0),
      commandsOpen: OPEN_STATES.reduce((a, st) => a + by(st), 0),
      commandsResponded: by('responded'),
    };
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
    for (const fn of this.listeners) fn({ sample, summary });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    for (const off of this.offs) off();
    this.listeners.clear();
    await this.running;
  }
}
