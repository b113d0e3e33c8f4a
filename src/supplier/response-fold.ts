/**
 * SU-2, DSP-6: what a DUIS device response does to the command it answers
 * (pure; SupplierService applies the verdict). The meter's response is the
 * truth: it closes an open command, and it revises a command the supplier had
 * closed as `failed` or `expired` from what it could observe; a second answer
 * to a command already `responded` is only recorded (DSP-6: one answer per
 * request).
 */
import { type DuisResponseCode, responseCodeKind } from '../duis/index.ts';
import {
  allowsMove,
  type CommandState,
  isTerminal,
  type TerminalState,
  type Trigger,
} from './command-states.ts';

export type ResponseVerdict =
  /** I99 (acknowledgement): a hop, no state change */
  | { effect: 'recorded' }
  /** an open command closes in `to` */
  | { effect: 'close'; to: TerminalState; trigger: Trigger }
  /** a closed command moves to `to` (COMMAND_STATE_TABLE allows it) */
  | { effect: 'revise'; to: TerminalState; trigger: Trigger }
  /** nothing changes but the count of responses */
  | { effect: 'duplicate' };

export function foldDeviceResponse(state: CommandState, code: DuisResponseCode): ResponseVerdict {
  const error = responseCodeKind(code) === 'error';
  const to: TerminalState = error ? 'failed' : 'responded';
  const trigger: Trigger = error ? 'device-error-response' : 'device-response';
  if (!isTerminal(state)) {
    if (code === 'I99') return { effect: 'recorded' };
    return { effect: 'close', to, trigger };
  }
  if (code === 'I99') return { effect: 'duplicate' };
  return allowsMove(state, to, trigger) ? { effect: 'revise', to, trigger } : { effect: 'duplicate' };
}
