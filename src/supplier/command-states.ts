/**
 * SECMP0038 SU-2: the command state machine, as one table. Every other view
 * of it (terminal states, which states hold the device, what the tracker
 * allows, the list of states of the API, docs/supplier.md "Command states")
 * is derived from this table.
 *
 * One truth per command: the meter's response is authoritative. A command
 * closed as `failed` or `expired` by what the supplier could observe (a PPMID
 * report, an expiry, a lost DUIS answer) moves to what the device response
 * says when that response arrives later; only `responded` is never left.
 */

export type CommandState =
  | 'queued'
  | 'sending'
  | 'in-flight'
  | 'response-overdue'
  | 'responded'
  | 'failed'
  | 'expired'
  | 'applied-unconfirmed';

/** What moves a command from one state to another (the column "when" of the table). */
export type Trigger =
  | 'dispatch'
  | 'dsp-accepted'
  | 'overdue'
  | 'device-response'
  | 'device-error-response'
  | 'failure'
  | 'expiry'
  /** the PPMID forwarded a PPMID-only command into a home without WAN, or it expired after that (unconfirmed.ts) */
  | 'unconfirmed';

export interface CommandStateRow {
  /** Closed: no timer runs, nothing more is sent; only a late device response may still move it. */
  terminal: boolean;
  /**
   * Occupies its target device (SupplierConfig.serialisePerDevice): later
   * commands to that device wait behind it. `response-overdue` does not: the
   * queue moves on and says so (an alert), rather than waiting silently.
   */
  holdsDevice: boolean;
  /** The moves out of this state and what makes each happen. */
  to: Partial<Record<CommandState, readonly Trigger[]>>;
  /** For people (docs, console). */
  meaning: string;
}

export const COMMAND_STATE_TABLE: Readonly<Record<CommandState, CommandStateRow>> = {
  queued: {
    terminal: false,
    holdsDevice: false,
    to: { sending: ['dispatch'], failed: ['failure'], expired: ['expiry'] },
    meaning: 'waiting for its turn at the target device',
  },
  sending: {
    terminal: false,
    holdsDevice: true,
    to: {
      'in-flight': ['dsp-accepted'],
      responded: ['device-response'],
      failed: ['failure', 'device-error-response'],
      expired: ['expiry'],
    },
    meaning: 'the DUIS exchange with the DSP is under way (CV 4, signing, the delivering CV)',
  },
  'in-flight': {
    terminal: false,
    holdsDevice: true,
    to: {
      'response-overdue': ['overdue'],
      responded: ['device-response'],
      failed: ['failure', 'device-error-response'],
      expired: ['expiry'],
      'applied-unconfirmed': ['unconfirmed'],
    },
    meaning: 'accepted by the DSP, waiting for the device response',
  },
  'response-overdue': {
    terminal: false,
    holdsDevice: false,
    to: {
      responded: ['device-response'],
      failed: ['failure', 'device-error-response'],
      expired: ['expiry'],
      'applied-unconfirmed': ['unconfirmed'],
    },
    meaning:
      'no device response within config.overdue: alert raised, the device queue moves on; still open until its response or expiry',
  },
  responded: {
    terminal: true,
    holdsDevice: false,
    to: {},
    meaning: 'the device answered (final: the meter is the truth)',
  },
  failed: {
    terminal: true,
    holdsDevice: false,
    to: { responded: ['device-response'] },
    meaning:
      'failed with a reason; a later genuine device response moves it to responded (the credit was applied)',
  },
  expired: {
    terminal: true,
    holdsDevice: false,
    to: { responded: ['device-response'], failed: ['device-error-response'] },
    meaning: 'no device response before expiry; a later device response moves it to what the meter said',
  },
  'applied-unconfirmed': {
    terminal: true,
    holdsDevice: false,
    to: { responded: ['device-response'], failed: ['device-error-response'] },
    meaning:
      'PPMID-only (CV 2/6), forwarded by the PPMID into a home without WAN: the response waits at the CH (CH-4); ' +
      'closed with the evidence the supplier has; the buffered response, if it ever arrives, moves it to what the meter said',
  },
};

export const COMMAND_STATES = Object.keys(COMMAND_STATE_TABLE) as readonly CommandState[];

/** The terminal rows of the table (a unit test holds the two together). */
export type TerminalState = 'responded' | 'failed' | 'expired' | 'applied-unconfirmed';

export const TERMINAL_STATES: ReadonlySet<CommandState> = new Set(
  COMMAND_STATES.filter((s) => COMMAND_STATE_TABLE[s].terminal),
);

export function isTerminal(s: CommandState): s is TerminalState {
  return TERMINAL_STATES.has(s);
}

/** Whether a command in `s` occupies its target device (SupplierConfig.serialisePerDevice). */
export function holdsDevice(s: CommandState): boolean {
  return COMMAND_STATE_TABLE[s].holdsDevice;
}

/** Whether the table allows `from -> to` on `trigger` (any trigger when omitted). */
export function allowsMove(from: CommandState, to: CommandState, trigger?: Trigger): boolean {
  const triggers = COMMAND_STATE_TABLE[from].to[to];
  if (!triggers) return false;
  return trigger === undefined || triggers.includes(trigger);
}
