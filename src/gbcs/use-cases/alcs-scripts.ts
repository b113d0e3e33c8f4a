/**
 * The script identifiers of the ESME's ALCS / HC ALCS / auxiliary controller
 * state script table (0-0:10.0.103.255, Blue Book class 9 `execute`): the
 * one place that encodes and decodes them, for the DSP (ECS47, ECS47a,
 * ECS47e, ECS46d schedule entries) and the ESME that runs them.
 *
 * Confirmed on RTDS (test/dsp-transform.test.ts):
 * - ECS47 Activate (SR 7.5) switch 1: 0x0111;
 * - ECS47a (SR 7.13) controller 1: 0x11LL (output, level LL), 0x21LL with
 *   InputFromControlledLoad; ECS46d schedule entries the same | 0x80.
 * - the ALCS schedule (0-0:12.0.2.255) the RTDS ESME returns to ECS61a
 *   (SR 7.7): entries switching switch 1 and 2 on and off at set times run
 *   0x0101 / 0x0102 and 0x0201 / 0x0202, i.e. switch N in the high byte
 *   and the ECS47 action without its 0x10 bit (0x01 on, 0x02 off): the
 *   scripts ECS46c (SR 6.14.2) writes into that schedule.
 *
 * Confirmed by the GBCS V3.1 use-case tables (ECS35f, the ALCS event log's
 * switchNumberAndAction, "the script identifier from the Remote Party
 * Command"): the first octet is the switch number N (1..5), the second the
 * action, 0x11 On, 0x12 Off, 0x20 revert to calendar control (0x00: an entry
 * for a message from HC ALCS N). So an ECS47 script (SR 7.5 / 7.6 / 7.8) is
 * N << 8 | action; for N = 1 activate this is the RTDS 0x0111.
 */

/** ECS47 switch actions and their low byte. */
export const ALCS_SWITCH_ACTIONS = { activate: 0x11, deactivate: 0x12, reset: 0x20 } as const;
export type AlcsSwitchAction = keyof typeof ALCS_SWITCH_ACTIONS;

/** The low byte of a schedule entry's switch script: the ECS47 action's without 0x10 (RTDS ECS61a). */
const SCHEDULED_SWITCH_ACTIONS = { activate: 0x01, deactivate: 0x02 } as const;
export type ScheduledSwitchAction = keyof typeof SCHEDULED_SWITCH_ACTIONS;

export type AlcsScript =
  /** ECS47: switch N on (for the Duration in the selector), off, or back to calendar control */
  | { kind: 'switch'; n: number; action: AlcsSwitchAction }
  /** an ALCS schedule entry (ECS46c, read by ECS61a): switch N on or off at the entry's time */
  | { kind: 'scheduledSwitch'; n: number; action: ScheduledSwitchAction }
  /** ECS47a / ECS47e / ECS46d: controller N to `level` percent (0 and 100 for a switch); `scheduled` in a schedule entry */
  | { kind: 'controller'; n: number; level: number; input: boolean; scheduled: boolean };

const inRange = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** The script id of `s` (throws a RangeError on a value out of range: a programming error). */
export function encodeAlcsScript(s: AlcsScript): number {
  if (!inRange(s.n, 1, 5)) throw new RangeError(`ALCS script: controller/switch ${s.n} is not 1..5`);
  if (s.kind === 'switch') return (s.n << 8) | ALCS_SWITCH_ACTIONS[s.action];
  if (s.kind === 'scheduledSwitch') return (s.n << 8) | SCHEDULED_SWITCH_ACTIONS[s.action];
  if (!inRange(s.level, 0, 100)) throw new RangeError(`ALCS script: level ${s.level} is not 0..100`);
  return (((s.input ? 0x20 : 0x10) | s.n) << 8) | (s.scheduled ? 0x80 : 0) | s.level;
}

/** What script `id` does, or undefined when it is no ALCS script of this table. */
export function decodeAlcsScript(id: number): AlcsScript | undefined {
  if (!inRange(id, 0, 0xffff)) return undefined;
  const hi = id >> 8;
  const lo = id & 0xff;
  const n = hi & 0x0f;
  if (!inRange(n, 1, 5)) return undefined;
  if (hi >> 4 === 0) {
    const action = (Object.keys(ALCS_SWITCH_ACTIONS) as AlcsSwitchAction[]).find(
      (a) => ALCS_SWITCH_ACTIONS[a] === lo,
    );
    if (action) return { kind: 'switch', n, action };
    const scheduled = (Object.keys(SCHEDULED_SWITCH_ACTIONS) as ScheduledSwitchAction[]).find(
      (a) => SCHEDULED_SWITCH_ACTIONS[a] === lo,
    );
    return scheduled ? { kind: 'scheduledSwitch', n, action: scheduled } : undefined;
  }
  if (hi >> 4 !== 1 && hi >> 4 !== 2) return undefined;
  const level = lo & 0x7f;
  if (level > 100) return undefined;
  return { kind: 'controller', n, level, input: hi >> 4 === 2, scheduled: (lo & 0x80) !== 0 };
}
