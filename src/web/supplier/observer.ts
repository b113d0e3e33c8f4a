/**
 * What happened to a supplier's command inside the home, for the supplier
 * console's timeline: the CH's routing decision (GBCS 10.8.2; SECMP0038 CH-1,
 * CH-2, CH-6 standalone discards), the meter's decision (accepted or rejected
 * with the reason of its GBCS checks) and the CH's handling of the response
 * (sent over the WAN, or held in its bounded uplink buffer while the WAN is
 * down, CH-4).
 *
 * A real supplier sees none of this: the command's only evidence is the PPMID
 * status report and the response over the WAN. The simulator can show it, so
 * the console shows it under "observed in the simulated home". Nothing here
 * feeds the supplier's decisions (SU-1, SU-2 use only what a supplier sees).
 *
 * Correlation is by DUIS Request ID (`originator:target:counter`): a GBCS
 * command carries its originator, target and Originator Counter, and a
 * device's response carries the same counter with the roles swapped.
 */

import type { ChEvent } from '../../devices/chf/chf.ts';
import type { DeviceEvent, GbcsDevice } from '../../devices/contracts.ts';
import { formatRequestId, type RequestId } from '../../duis/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';

const log = Logger.get('web:supplier:observer');

export type ObservedHopKind = 'ch-route' | 'meter-decision' | 'ch-response';

/** One thing observed in a simulated home about one command. */
export interface ObservedHop {
  /** Monotonic over the observer's life (SSE id, ordering). */
  seq: number;
  /** DUIS Request ID of the command (`originator:target:counter`, EUIs as DUIS writes them). */
  requestId: string;
  /** Clock time of the home (epoch ms). */
  at: number;
  kind: ObservedHopKind;
  /** The home's name. */
  home: string;
  detail: Record<string, unknown>;
}

/** An enhanced PPMID application (devices/ppmid `Ppmid`) as far as the observer reads it: its status reports. */
export interface ObservablePpmid {
  readonly eui: Eui;
  onStatusReport(
    listener: (bytes: Uint8Array, report: { outcome: string; requestId?: RequestId | null }) => void,
  ): () => void;
}

/** The parts of a Home (devices/home) the observer reads; structural so an ATPS home fits too. */
export interface ObservableHome {
  readonly name: string;
  readonly chf: { onEvent(listener: (e: ChEvent) => void): () => void };
  deviceEuis(): Eui[];
  device(eui: Eui): GbcsDevice | undefined;
}

export interface EstateObserverOptions {
  /** Keep only commands from these originators (e.g. the supplier's EUI); default: every originator. */
  originators?: Iterable<Eui>;
  /** Request IDs remembered (oldest forgotten first), default 5000. */
  capacity?: number;
  /** Hops remembered per Request ID, default 32. */
  perRequest?: number;
}

function requestIdOf(originator: Eui, target: Eui, counter: string | bigint): string | undefined {
  try {
    return formatRequestId({ originator, target, counter: BigInt(counter) });
  } catch {
    return undefined;
  }
}

/** Watches homes and remembers, per Request ID, what their CH and meters did with each command. */
export class EstateObserver {
  private readonly originators: Set<Eui> | undefined;
  private readonly capacity: number;
  private readonly perRequest: number;
  private readonly byRequest = new Map<string, ObservedHop[]>();
  private readonly listeners = new Set<(h: ObservedHop) => void>();
  /**
   * CH decisions on PPMID traffic taken before the header was read (standalone
   * mode discards everything from a PPMID unread, CH-6), per PPMID, until the
   * PPMID's `forwarded` report names the command that HAN transfer carried.
   */
  private readonly unattributed = new Map<Eui, Array<{ home: string; e: ChEvent }>>();
  private seq = 0;

  constructor(o: EstateObserverOptions = {}) {
    this.originators = o.originators ? new Set(o.originators) : undefined;
    this.capacity = o.capacity ?? 5000;
    this.perRequest = o.perRequest ?? 32;
  }

  /** Starts watching a home; returns a function that stops. */
  watchHome(home: ObservableHome): () => void {
    const seen = new WeakSet<DeviceEvent>();
    // Events logged before watching started are not news.
    for (const eui of home.deviceEuis()) for (const e of home.device(eui)?.events ?? []) seen.add(e);
    const scanDevices = () => {
      for (const eui of home.deviceEuis()) {
        const events = home.device(eui)?.events;
        if (!events) continue;
        let i = events.length;
        while (i > 0 && !seen.has(events[i - 1])) i--;
        for (; i < events.length; i++) {
          const e = events[i];
          seen.add(e);
          this.onDeviceEvent(home.name, e);
        }
      }
    };
    const offs: Array<() => void> = [];
    // PPMID applications attach when they are provisioned (after watching started): look for new ones.
    const watched = new WeakSet<object>();
    const scanPpmids = () => {
      for (const eui of home.deviceEuis()) {
        const d = home.device(eui) as unknown as Partial<ObservablePpmid> | undefined;
        if (d && typeof d.onStatusReport === 'function' && !watched.has(d)) {
          watched.add(d);
          offs.push(this.watchPpmid(home.name, d as ObservablePpmid));
        }
      }
    };
    scanPpmids();
    offs.push(
      home.chf.onEvent((e) => {
        try {
          scanPpmids();
          // A meter's decision precedes what it sends the CH (its response or its security alert).
          scanDevices();
          this.onChEvent(home.name, e);
        } catch (err) {
          log.error('could not observe a CH event', { home: home.name, error: String(err) });
        }
      }),
    );
    return () => {
      for (const off of offs) off();
    };
  }

  /**
   * Watches an enhanced PPMID's status reports (watchHome does it for the PPMIDs
   * attached to the home then): a `forwarded` report names the command whose HAN
   * transfer the CH just decided on, also when the CH did not read its header.
   */
  watchPpmid(home: string, ppmid: ObservablePpmid): () => void {
    return ppmid.onStatusReport((_bytes, report) => {
      // The CH saw the transfer: it completed, or it ended in a HAN failure after reaching the CH.
      if (report.outcome !== 'forwarded' && report.outcome !== 'delivery-failed') return;
      const pending = this.unattributed.get(ppmid.eui);
      this.unattributed.delete(ppmid.eui);
      if (!pending || !report.requestId) return;
      const rid = (() => {
        try {
          return formatRequestId(report.requestId);
        } catch {
          return undefined;
        }
      })();
      if (!rid || !this.wanted(report.requestId.originator)) return;
      for (const p of pending) this.add(rid, p.e.at, 'ch-route', p.home || home, this.routeDetail(p.e));
    });
  }

  /** Live observed hops; returns a function that removes the listener. */
  subscribe(listener: (h: ObservedHop) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What was observed for one Request ID, oldest first. */
  forRequest(requestId: string): ObservedHop[] {
    return [...(this.byRequest.get(requestId) ?? [])];
  }

  private wanted(originator: Eui | null | undefined): originator is Eui {
    return !!originator && (this.originators === undefined || this.originators.has(originator));
  }

  private routeDetail(e: ChEvent): Record<string, unknown> {
    return {
      source: e.source ?? null,
      decision: e.decision ?? null,
      action: e.action ?? null,
      reason: e.reason,
      relayed: e.relayed ?? false,
      from: e.from ?? null,
      target: e.target ?? null,
      targetType: e.targetType ?? null,
      messageCode: e.messageCode ?? null,
      size: e.size ?? null,
    };
  }

  private onChEvent(home: string, e: ChEvent): void {
    if (e.kind !== 'route') return;
    if (e.source === 'ppmid' && e.from && !e.counter) {
      // Decided without reading the header (e.g. standalone mode): attributed when the PPMID reports.
      const list = this.unattributed.get(e.from) ?? [];
      list.push({ home, e });
      if (list.length > this.perRequest) list.shift();
      this.unattributed.set(e.from, list);
      return;
    }
    if (!e.counter || !e.originator || !e.target) return;
    if (e.cra === 'command') {
      if (!this.wanted(e.originator)) return;
      const rid = requestIdOf(e.originator, e.target, e.counter);
      if (rid) this.add(rid, e.at, 'ch-route', home, this.routeDetail(e));
      return;
    }
    if (e.cra === 'response' && this.wanted(e.target)) {
      // A device response: originator is the device, target the command's originator.
      const rid = requestIdOf(e.target, e.originator, e.counter);
      const d = (e.detail ?? {}) as { wan?: string; ppmidCaused?: boolean };
      if (rid)
        this.add(rid, e.at, 'ch-response', home, {
          decision: e.decision ?? null,
          reason: e.reason,
          wan: d.wan ?? null,
          ppmidCaused: d.ppmidCaused ?? null,
          device: e.originator,
          size: e.size ?? null,
        });
    }
  }

  private onDeviceEvent(home: string, e: DeviceEvent): void {
    if (e.kind !== 'command' || !e.decision || e.originatorCounter === undefined) return;
    if (!this.wanted(e.originator)) return;
    const rid = requestIdOf(e.originator, e.device, e.originatorCounter);
    if (rid)
      this.add(rid, e.at, 'meter-decision', home, {
        device: e.device,
        decision: e.decision,
        reason: e.reason ?? null,
        useCase: e.useCase ?? null,
        messageCode: e.messageCode ?? null,
        ...(e.detail ? { detail: e.detail } : {}),
      });
  }

  private add(
    requestId: string,
    at: number,
    kind: ObservedHopKind,
    home: string,
    detail: Record<string, unknown>,
  ) {
    const hop: ObservedHop = { seq: ++this.seq, requestId, at, kind, home, detail };
    let list = this.byRequest.get(requestId);
    if (!list) {
      list = [];
      this.byRequest.set(requestId, list);
      if (this.byRequest.size > this.capacity) this.byRequest.delete(this.byRequest.keys().next().value!);
    }
    list.push(hop);
    if (list.length > this.perRequest) list.shift();
    for (const l of this.listeners) {
      try {
        l(hop);
      } catch (err) {
        log.error('observer listener threw', { error: String(err) });
      }
    }
  }
}
