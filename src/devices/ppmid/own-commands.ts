/**
 * Remote Party Commands addressed to the PPMID itself (not relayed): the same
 * DeviceSecurity check as every meter, then the PPMID's own use cases on the
 * shared registry (han-device/own-use-cases.ts: CS08, CS03A2/CS03C, CS04AC,
 * CS07; any other row targeting it gets the family's "unsupported" answer).
 * The check and run are shared with the HCALCS (han-device/run-own-command.ts).
 */
import type { Clock } from '../../runtime/clock.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import { HanOwnUseCases } from '../han-device/own-use-cases.ts';
import { type OwnCommandHost, runOwnCommand as runShared } from '../han-device/run-own-command.ts';
import type { DeviceSecurity } from '../security/device-security.ts';

/** The PPMID's own use cases, on its security context and clock. */
export function ownUseCases(
  p: { security: DeviceSecurity; metrics: Metrics; clock: Clock },
  firmwareVersion: string | undefined,
  sendAlert?: (bytes: Uint8Array) => void,
): HanOwnUseCases {
  return new HanOwnUseCases({
    deviceType: 'PPMID',
    security: p.security,
    metrics: p.metrics,
    now: () => p.clock.now(),
    clock: p.clock,
    ...(sendAlert ? { sendAlert } : {}),
    ...(firmwareVersion ? { firmwareVersion } : {}),
  });
}

/** Checks and runs a command whose recipient is the PPMID (counted as `ppmid.own-command.*`); never throws. */
export function runOwnCommand(
  host: Omit<OwnCommandHost, 'metricPrefix'>,
  bytes: Uint8Array,
  base: Parameters<typeof runShared>[2],
): void {
  runShared({ ...host, metricPrefix: 'ppmid' }, bytes, base);
}
