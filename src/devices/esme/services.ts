/**
 * What the ESME's use-case handlers (handlers/) get of the meter: its state
 * and the meter services they use (device clock, future-dated execution,
 * event log, security context for UTRNs). The Esme class builds one and
 * passes it with every call; handlers are plain functions of (call, services).
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { DeviceKeyHolder } from '../meter-common/device-credentials.ts';
import type { FutureDatedEntry } from '../meter-common/meter-device.ts';
import type { TimeStatus } from '../meter-common/time.ts';
import type { RegistryDevice } from '../meter-common/use-case-registry.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import type { AlcsControl } from './alcs.ts';
import type { BillingCalendarControl } from './billing-control.ts';
import type { BlockCounterDailyReset } from './block-reset-control.ts';
import type { EsmeState } from './state.ts';

export interface EsmeServices extends RegistryDevice, DeviceKeyHolder {
  readonly eui: Eui;
  /** the live state (replaced on restore: always read through this) */
  readonly state: EsmeState;
  readonly security: DeviceSecurity;
  /** device clock, epoch ms */
  now(): number;
  timeStatus(): TimeStatus;
  /** the CH's time, and whether it may be adopted (Set Clock) */
  networkTime(): number;
  networkTimeReliable(): boolean;
  setDeviceTime(epochMs: number, status: TimeStatus): void;
  scheduleFutureDated(entry: FutureDatedEntry): void;
  cancelFutureDated(key: string): boolean;
  /**
   * appends a GBCS event code to the device event log (`messageCode`: the use case that caused it, when
   * logged with one; `at`: the device time it happened, when not now: catch-up accounting)
   */
  logEvent(code: number, messageCode?: number, at?: number): void;
  /** the ALCS switches in time: calendar, timed overrides, log, HCALCS, alerts (alcs.ts) */
  readonly alcs?: AlcsControl;
  /** the billing calendar in time: ECS30 / ECS30a start it (billing-control.ts) */
  readonly billing?: BillingCalendarControl;
  /** the block counters' daily reset: ECS48 starts it (block-reset-control.ts) */
  readonly blockReset?: BlockCounterDailyReset;
}
