/**
 * SECMP0038 SU-1: per premises, classify the SM WAN as reliable,
 * intermittent or absent from what this supplier observed (decision C7), and
 * choose the route of a command: WAN only (CV 1, or CV 4 then 5 for a
 * critical SR), race WAN and PPMID (CV 3 / 4 then 7), PPMID only (CV 2 / 4
 * then 6). Pure functions: history and time in, decision with its reasons out.
 *
 * Classification (thresholds in `WanClassificationConfig`, docs/supplier.md):
 * 0. What the supplier knows from the installation: a CH installed without an
 *    SM WAN (the installer's DUIS 8.14.2 Install Success No SM WAN) is `none`
 *    until a response of any kind arrives over the WAN after the installation
 *    ended (the later of that report and the end of the commissioning 8.11 of
 *    the premises' PPMID); from then on its delivery history decides.
 * 1. The window: the last N WAN commands (CV 1, 3, 5, 7) of the premises
 *    sent in the last D days.
 * 2. `absent` if a WAN command of the window has waited at least X for its
 *    answer and no response of any kind (to any command, by any route, or a
 *    device alert: all of them come back over the WAN, CH-4) has arrived
 *    since it was sent.
 * 3. Otherwise the decided commands of the window (answered, or unanswered
 *    for at least T) give the share answered within T. Fewer than
 *    `minSamples` decided: `reliable` (no evidence against the WAN). Share at
 *    or above `reliableShare`: `reliable`; below: `intermittent`.
 */
import { srvEntry } from '../dcc/dsp/srv-table.ts';
import { type CommandVariant, type ServiceRequestDefinition, serviceRequest } from '../duis/index.ts';
import type { Route, WanClass, WanClassificationConfig } from './config.ts';
import { SupplierError } from './errors.ts';

const DAY = 24 * 3600_000;

/** One WAN command of a premises, as the delivery history keeps it. */
export interface WanObservation {
  /** When the DUIS request that put the command on the WAN was sent. */
  sentAt: number;
  /** When its device response arrived; undefined while (or if never) answered. */
  answeredAt?: number;
}

/** What the supplier knows of the premises' SM WAN from its installation (SU-1 day one). */
export interface InstallationPrior {
  /** The CH installation outcome reported to the DCC: DUIS 8.14.1 (SM WAN) or 8.14.2 (No SM WAN). */
  smWan: 'connected' | 'none';
  /** When the installation ended: its report, or the end of the premises' commissioning 8.11 (SU-3), whichever is later. */
  endedAt: number;
}

export interface PremisesHistory {
  /** The installation's facts, when the supplier has them. */
  installation?: InstallationPrior;
  /** The premises' WAN commands (any order). */
  observations: readonly WanObservation[];
  /** The last time any device response or alert of the premises arrived (over the WAN, CH-4). */
  lastWanResponseAt?: number;
}

export interface WanClassification {
  wanClass: WanClass;
  /** Why, in words a supplier's operator reads (the decision is recorded with them). */
  reasons: string[];
  stats: {
    /** WAN commands in the window (last N within D days). */
    window: number;
    /** Of those, decided: answered, or waiting for at least T. */
    decided: number;
    /** Answered within T. */
    inTime: number;
    /** inTime / decided, or null when nothing is decided. */
    share: number | null;
    lastWanResponseAt: number | null;
    /** Age of the most recent unanswered WAN command that has waited at least X, if any. */
    unansweredForMs: number | null;
  };
}

/** Classifies a premises' WAN at `now` (SU-1). */
export function classifyWan(
  history: PremisesHistory,
  now: number,
  cfg: WanClassificationConfig,
): WanClassification {
  const since = now - cfg.windowDays * DAY;
  const window = history.observations
    .filter((o) => o.sentAt >= since && o.sentAt <= now)
    .sort((a, b) => b.sentAt - a.sentAt)
    .slice(0, cfg.windowCommands);
  const last = history.lastWanResponseAt;
  // 2. absent: the most recent WAN command that has waited at least X, with no WAN response since.
  const waitedLong = window.find((o) => o.answeredAt === undefined && now - o.sentAt >= cfg.absentAfterMs);
  const stats: WanClassification['stats'] = {
    window: window.length,
    decided: 0,
    inTime: 0,
    share: null,
    lastWanResponseAt: last ?? null,
    unansweredForMs: waitedLong ? now - waitedLong.sentAt : null,
  };
  const hours = (ms: number) => `${Math.round((ms / 3600_000) * 10) / 10} h`;
  const inst = history.installation;
  // 0. the installation: no SM WAN, and nothing has come over the WAN since it ended.
  if (inst?.smWan === 'none' && (last === undefined || last <= inst.endedAt))
    return {
      wanClass: 'none',
      reasons: [
        `the CH was installed without an SM WAN (DUIS 8.14.2, installation ended ${new Date(inst.endedAt).toISOString()})`,
        last === undefined
          ? 'no response has ever arrived over the WAN'
          : 'no response has arrived over the WAN since the installation',
      ],
      stats,
    };
  const installationNote =
    inst?.smWan === 'none'
      ? [
          `installed without an SM WAN, but a response arrived over the WAN at ${new Date(last!).toISOString()}: judged on the delivery history`,
        ]
      : [];
  if (waitedLong && (last === undefined || last < waitedLong.sentAt)) {
    return {
      wanClass: 'absent',
      reasons: [
        ...installationNote,
        `a WAN command sent ${hours(now - waitedLong.sentAt)} ago is unanswered (X = ${hours(cfg.absentAfterMs)})`,
        last === undefined
          ? 'no response has ever arrived over the WAN'
          : `no response over the WAN since ${new Date(last).toISOString()}`,
      ],
      stats,
    };
  }
  // 3. share answered within T among the decided commands.
  for (const o of window) {
    if (o.answeredAt !== undefined) {
      stats.decided++;
      if (o.answeredAt - o.sentAt <= cfg.answerWithinMs) stats.inTime++;
    } else if (now - o.sentAt >= cfg.answerWithinMs) stats.decided++;
  }
  stats.share = stats.decided === 0 ? null : stats.inTime / stats.decided;
  const tWords = `T = ${Math.round(cfg.answerWithinMs / 1000)} s`;
  if (stats.decided < cfg.minSamples) {
    return {
      wanClass: 'reliable',
      reasons: [
        ...installationNote,
        `${stats.decided} decided WAN command(s) in the last ${cfg.windowCommands} / ${cfg.windowDays} d, fewer than ${cfg.minSamples}: no evidence against the WAN`,
      ],
      stats,
    };
  }
  const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
  const line = `${stats.inTime} of ${stats.decided} WAN commands answered within ${tWords} (${pct(stats.share!)})`;
  return stats.share! >= cfg.reliableShare
    ? {
        wanClass: 'reliable',
        reasons: [...installationNote, `${line}, at or above ${pct(cfg.reliableShare)}`],
        stats,
      }
    : {
        wanClass: 'intermittent',
        reasons: [...installationNote, `${line}, below ${pct(cfg.reliableShare)}`],
        stats,
      };
}

export interface RouteInput {
  srv: string;
  wanClass: WanClass;
  /** The premises has an enhanced PPMID whose relay flag is set (SU-3, C3). */
  hasEnhancedPpmid: boolean;
  /** The SR carries an ExecutionDateTime (future dated). */
  futureDated: boolean;
  /** The command is addressed to the CHF: the CH discards PPMID relays addressed to it (CH-2), so WAN only. */
  targetIsChf?: boolean;
  /** A route the caller insists on (recorded as the reason); checked against what the SR allows. */
  forced?: Route;
}

export interface RouteDecision {
  route: Route;
  /** The Command Variants, in order: `[1]`, `[3]`, `[2]`, `[8]`, or `[4, 5]`, `[4, 7]`, `[4, 6]`. */
  commandVariants: CommandVariant[];
  /** The variant that delivers (the last one). */
  deliveringCv: CommandVariant;
  critical: boolean;
  reasons: string[];
}

const CVS: Record<'critical' | 'non-critical', Record<'wan' | 'race' | 'ppmid', CommandVariant[]>> = {
  'non-critical': { wan: [1], race: [3], ppmid: [2] },
  critical: { wan: [4, 5], race: [4, 7], ppmid: [4, 6] },
};

/**
 * The SR allows local delivery: CV 2/3 or 6/7 offered by the DSP's SRV table (the XSD's, less what
 * DSP-3 refuses: 8.1.1, firmware 11.1/11.4).
 */
export function allowsLocalDelivery(def: ServiceRequestDefinition): boolean {
  const cvs = srvEntry(def.srv)?.commandVariants ?? def.commandVariants;
  return def.class === 'critical' ? cvs.includes(6) && cvs.includes(7) : cvs.includes(2) && cvs.includes(3);
}

/** Chooses the route and Command Variants of one command (SU-1). Throws SUPPLIER_BAD_REQUEST for an impossible forced route. */
export function chooseRoute(input: RouteInput): RouteDecision {
  const def = serviceRequest(input.srv);
  if (!def) throw new SupplierError('SUPPLIER_BAD_REQUEST', `unknown Service Reference Variant ${input.srv}`);
  if (def.class === 'non-device') {
    if (input.forced && input.forced !== 'dcc')
      throw new SupplierError(
        'SUPPLIER_BAD_REQUEST',
        `SR ${def.srv} is a non-device request: route dcc (CV 8) only`,
      );
    return {
      route: 'dcc',
      commandVariants: [8],
      deliveringCv: 8,
      critical: false,
      reasons: [`SR ${def.srv} is a non-device request, answered by the DCC (CV 8)`],
    };
  }
  const cls = def.class;
  const make = (route: 'wan' | 'race' | 'ppmid', reasons: string[]): RouteDecision => {
    const cvs = CVS[cls][route];
    const out = [...reasons];
    if (cls === 'critical')
      out.push(
        `SR ${def.srv} is critical: Pre-Command (CV 4), signed with the supplier's DS key, then CV ${cvs[1]}`,
      );
    return {
      route,
      commandVariants: [...cvs],
      deliveringCv: cvs[cvs.length - 1],
      critical: cls === 'critical',
      reasons: out,
    };
  };
  const local = allowsLocalDelivery(def);
  if (input.forced) {
    if (input.forced === 'dcc')
      throw new SupplierError(
        'SUPPLIER_BAD_REQUEST',
        `SR ${def.srv} is a device request: route dcc is for CV 8`,
      );
    if (input.forced !== 'wan') {
      if (!input.hasEnhancedPpmid)
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          `route ${input.forced} needs an enhanced PPMID with its relay flag set at the premises`,
        );
      if (!local)
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          `SR ${def.srv} is not available for local delivery (SECMP0038 DSP-3)`,
        );
      if (input.futureDated)
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          'future-dated work is not offered for local delivery',
        );
      if (input.targetIsChf)
        throw new SupplierError(
          'SUPPLIER_BAD_REQUEST',
          'a command to the CHF goes over the WAN only (CH-2 discards PPMID relays addressed to the CHF)',
        );
    }
    return make(input.forced, [
      `route ${input.forced} requested by the caller (WAN class ${input.wanClass})`,
    ]);
  }
  if (!input.hasEnhancedPpmid)
    return make('wan', ['no enhanced PPMID with its relay flag at the premises: WAN only']);
  if (!local)
    return make('wan', [`SR ${def.srv} is not available for local delivery (SECMP0038 DSP-3): WAN only`]);
  if (input.targetIsChf)
    return make('wan', ['a command to the CHF: WAN only (CH-2 discards PPMID relays addressed to the CHF)']);
  if (input.futureDated)
    return make('wan', [
      'future-dated work is not offered for local delivery (SECMP0038, time without WAN): WAN only',
    ]);
  switch (input.wanClass) {
    case 'reliable':
      return make('wan', ['WAN reliable: WAN only']);
    case 'intermittent':
      return make('race', ['WAN intermittent: race the WAN and the PPMID (the DSP answers once, DSP-6)']);
    case 'absent':
      return make('ppmid', [
        'WAN absent: PPMID only (the response still returns over the WAN when it is back, CH-4)',
      ]);
    case 'none':
      return make('ppmid', [
        'no SM WAN since the installation: PPMID only (the response waits in the CH for a WAN, CH-4)',
      ]);
  }
}
