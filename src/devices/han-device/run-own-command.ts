/**
 * Runs one Remote Party Command addressed to a HAN device that is not a
 * meter (PPMID, HCALCS): the DeviceSecurity check every meter makes, then
 * the device's own use cases (own-use-cases.ts). The response (and any 8F1E
 * alert) goes back over the HAN; a refused command gets no response (its
 * originator is not authenticated), an event and a count.
 */
import { lookupMessageCode } from '../../gbcs/codes/message-codes.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
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

/** What every event about a received message names. */
export interface HanMessageBase {
  useCase: string | null;
  messageCode: number;
  originator: Eui;
  originatorCounter: bigint;
}

/**
 * Decodes a GBCS message that reached a HAN device (PPMID, HCALCS); one that
 * does not decode is counted (`<prefix>.han.received.malformed`), logged as
 * MALFORMED and gives null.
 */
export function decodeHanMessage(
  host: Pick<OwnCommandHost, 'metrics' | 'event'>,
  prefix: string,
  bytes: Uint8Array,
): { m: GbcsMessage; base: HanMessageBase } | null {
  let m: GbcsMessage;
  try {
    m = decodeMessage(bytes);
  } catch (err) {
    host.metrics.inc(`${prefix}.han.received.malformed`);
    host.event({ kind: 'error', decision: 'rejected', reason: 'MALFORMED', detail: { error: String(err) } });
    return null;
  }
  const base = {
    useCase: lookupMessageCode(m.messageCode)?.useCase ?? null,
    messageCode: m.messageCode,
    originator: m.originator,
    originatorCounter: m.originatorCounter,
  };
  return { m, base };
}

/** Checks and runs a command whose recipient is the device; never throws. */
export function runOwnCommand(host: OwnCommandHost, bytes: Uint8Array, base: HanMessageBase): void {
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
