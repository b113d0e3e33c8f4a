/**
 * Remote Party Commands addressed to the PPMID itself (not relayed): the same
 * DeviceSecurity check as every meter, then the PPMID's own use cases on the
 * shared registry (han-device/own-use-cases.ts: CS08, CS03A2/CS03C, CS04AC,
 * CS07; any other row targeting it gets the family's "unsupported" answer).
 * The response goes back over the HAN like a meter's; a refused command gets
 * no response (its originator is not authenticated) and an event.
 */
import type { Eui } from '../../runtime/bytes.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { DeviceEvent } from '../contracts.ts';
import { HanOwnUseCases } from '../han-device/own-use-cases.ts';
import type { DeviceSecurity } from '../security/device-security.ts';

/** What the PPMID lends to run one of its own commands. */
export interface OwnCommandHost {
  security: DeviceSecurity;
  own: HanOwnUseCases;
  metrics: Metrics;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
  /** sends protected bytes over the HAN (false: no uplink) */
  send(bytes: Uint8Array, kind: 'response' | 'alert'): boolean;
}

/** The PPMID's own use cases, on its security context and clock. */
export function ownUseCases(
  p: { security: DeviceSecurity; metrics: Metrics; clock: { now(): number } },
  firmwareVersion: string | undefined,
): HanOwnUseCases {
  return new HanOwnUseCases({
    deviceType: 'PPMID',
    security: p.security,
    metrics: p.metrics,
    now: () => p.clock.now(),
    ...(firmwareVersion ? { firmwareVersion } : {}),
  });
}

/** Checks and runs a command whose recipient is the PPMID; never throws. */
export function runOwnCommand(
  host: OwnCommandHost,
  bytes: Uint8Array,
  base: { useCase: string | null; messageCode: number; originator: Eui; originatorCounter: bigint },
): void {
  const v = host.security.check(bytes);
  if (!v.ok) {
    host.metrics.inc(`ppmid.own-command.rejected.${v.reason}`);
    host.event({
      kind: 'command',
      decision: 'rejected',
      reason: v.reason,
      ...base,
      detail: { detail: v.detail },
    });
    return;
  }
  let r: ReturnType<HanOwnUseCases['run']>;
  try {
    r = host.own.run(v);
  } catch (err) {
    host.metrics.inc('ppmid.own-command.error');
    host.event({
      kind: 'error',
      decision: 'rejected',
      reason: 'INTERNAL',
      ...base,
      detail: { error: String(err) },
    });
    return;
  }
  host.event({
    kind: 'command',
    decision: 'accepted',
    reason: r.outcome === 'applied' || r.outcome === 'read' ? 'OK' : r.outcome.toUpperCase(),
    ...base,
    response: toHex(r.response),
    ...(r.detail ? { detail: r.detail } : {}),
  });
  if (!host.send(r.response, 'response')) host.metrics.inc('ppmid.own-command.no-uplink');
  for (const a of r.alerts) host.send(a, 'alert');
}
