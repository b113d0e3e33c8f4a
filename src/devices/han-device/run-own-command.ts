/**
 * Runs one Remote Party Command addressed to a HAN device that is not a
 * meter (PPMID, HCALCS): the DeviceSecurity check every meter makes, then
 * the device's own use cases (own-use-cases.ts). The response (and any 8F1E
 * alert) goes back over the HAN; a refused command gets no response (its
 * originator is not authenticated), an event and a count.
 */
import type { Eui } from '../../runtime/bytes.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import type { DeviceEvent } from '../contracts.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import type { HanOwnUseCases } from './own-use-cases.ts';

/** What the device lends to run one of its own commands. */
export interface OwnCommandHost {
  /** metric prefix (`ppmid`, `hcalcs`): counts `<prefix>.own-command.*` */
  metricPrefix: string;
  security: DeviceSecurity;
  own: HanOwnUseCases;
  metrics: Metrics;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
  /** sends protected bytes over the HAN (false: no uplink) */
  send(bytes: Uint8Array, kind: 'response' | 'alert'): boolean;
}

/** Checks and runs a command whose recipient is the device; never throws. */
export function runOwnCommand(
  host: OwnCommandHost,
  bytes: Uint8Array,
  base: { useCase: string | null; messageCode: number; originator: Eui; originatorCounter: bigint },
): void {
  const p = host.metricPrefix;
  const v = host.security.check(bytes);
  if (!v.ok) {
    host.metrics.inc(`${p}.own-command.rejected.${v.reason}`);
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
    host.metrics.inc(`${p}.own-command.error`);
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
  if (!host.send(r.response, 'response')) host.metrics.inc(`${p}.own-command.no-uplink`);
  for (const a of r.alerts) host.send(a, 'alert');
}
