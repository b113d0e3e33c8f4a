/**
 * What the target of an injected command decided, whichever it is: a HAN
 * device application (ESME, GSME, PPMID: its DeviceEvent), the GPF inside the
 * CH (its application's DeviceEvent), or the CHF itself (its own-command
 * event in the CH log, and its response as the CSP received it).
 */
import type { ChEvent } from '../devices/chf/chf.ts';
import type { DeviceEvent } from '../devices/contracts.ts';
import type { Home } from '../devices/home/home.ts';
import type { Eui } from '../runtime/bytes.ts';
import type { CspTap } from './csp-tap.ts';

export interface TargetOutcome {
  decision: 'accepted' | 'rejected' | null;
  reason: string | null;
  useCase: string | null;
  response: string | null;
}

export interface OutcomeMark {
  apps: Map<Eui, number>;
  gpfEvents: number;
}

export function targetOutcome(
  home: Home,
  tap: CspTap,
  targetType: string | null,
  target: Eui,
  mark: OutcomeMark,
  chEvents: readonly ChEvent[],
): TargetOutcome | null {
  const chf = home.chf;
  if (targetType === 'CHF' || target === chf.eui) return chfOutcome(chf.eui, tap, chEvents);
  const gpf = targetType === 'GPF' || target === chf.gpfEui;
  const app = gpf ? chf.gpf : home.deviceEuis().includes(target) ? home.device(target) : undefined;
  if (!app) return null;
  const from = gpf ? mark.gpfEvents : (mark.apps.get(target) ?? 0);
  const ev = app.events.slice(from).find((e: DeviceEvent) => e.kind === 'command');
  if (!ev) return null;
  return {
    decision: ev.decision ?? null,
    reason: ev.reason ?? null,
    useCase: ev.useCase ?? null,
    response: ev.response ?? null,
  };
}

function chfOutcome(chfEui: Eui, tap: CspTap, events: readonly ChEvent[]): TargetOutcome | null {
  const ev = events.find((e) => e.kind === 'command' && e.target === chfEui);
  if (!ev) return null;
  const useCase = (ev.detail as { useCase?: string | null } | undefined)?.useCase ?? null;
  const accepted = ev.decision === 'delivered';
  const resp = accepted
    ? tap.uplink.find(
        (u) =>
          u.cra === 'response' &&
          u.originator === chfEui &&
          u.counter === ev.counter &&
          u.recipient === ev.originator,
      )
    : undefined;
  return {
    decision: accepted ? 'accepted' : 'rejected',
    reason: ev.reason,
    useCase,
    response: resp?.hex ?? null,
  };
}
