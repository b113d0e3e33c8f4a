/**
 * The DSP's record of one Service Request and its state machine.
 *
 *   CV 1/5        sent ─────────────┐
 *   CV 2/6        issued-local ─────┤──> responded
 *   CV 3/7        sent-and-issued ──┤──> expired (no device response in time: E21 for WAN variants;
 *                                        a CV 2/6 request expired silently still takes its one response)
 *   DSP-dated     scheduled ─> sent ┘
 *   CV 4          pre-command-issued ─> (CV 5/6/7 with the same Request ID) sent | issued-local | sent-and-issued
 *   CV 8          completed
 *
 * (`received` is the transient state while the synchronous checks run; it
 * is never persisted: a request that fails a check leaves no record.)
 * A response that arrives for a request already `responded` is a duplicate
 * (SECMP0038 DSP-6): recorded, never forwarded.
 */
import type { CommandVariant, ServiceRequestClass } from '../../duis/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { DspServiceError } from './errors.ts';

export type DspRequestState =
  | 'received'
  | 'pre-command-issued'
  | 'scheduled'
  | 'sent'
  | 'issued-local'
  | 'sent-and-issued'
  | 'responded'
  | 'expired'
  | 'completed';

/** States in which a device response is awaited. */
export const AWAITING_RESPONSE: ReadonlySet<DspRequestState> = new Set([
  'scheduled',
  'sent',
  'issued-local',
  'sent-and-issued',
]);

export const TERMINAL: ReadonlySet<DspRequestState> = new Set(['responded', 'expired', 'completed']);

const TRANSITIONS: Readonly<Record<DspRequestState, readonly DspRequestState[]>> = {
  received: ['pre-command-issued', 'scheduled', 'sent', 'issued-local', 'sent-and-issued', 'completed'],
  'pre-command-issued': ['sent', 'issued-local', 'sent-and-issued', 'expired'],
  scheduled: ['sent', 'expired'],
  sent: ['responded', 'expired'],
  'issued-local': ['responded', 'expired'],
  'sent-and-issued': ['responded', 'expired'],
  responded: [],
  // a CV 2/6 request expired silently; its device response still answers it once (service.ts lateLocalAnswer)
  expired: ['responded'],
  completed: [],
};

export function canTransition(from: DspRequestState, to: DspRequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export type ResponseRoute = 'wan' | 'local';

export interface DspRequestRecord {
  /** DUIS form `originator:target:counter`. */
  requestId: string;
  user: Eui;
  target: Eui;
  counter: bigint;
  srv: string;
  srClass: ServiceRequestClass;
  cv: CommandVariant;
  state: DspRequestState;
  chf: Eui | null;
  csp: string | null;
  /** `originator>recipient#counter` of the GBCS command (the key its response matches on). */
  gbcsKey: string | null;
  useCase: string | null;
  messageCode: number | null;
  /** The command went (or is to go) over the SM WAN. */
  wan: boolean;
  /** The command was handed out for local delivery. */
  localCopy: boolean;
  /** The CH ran isolated at request or response time (DSP-5 performance exclusion). */
  chIsolated: boolean;
  commandSha256: string | null;
  /** Command bytes, kept only while a DSP-future-dated command waits to be sent. */
  commandHex: string | null;
  /** The Pre-Command issued for CV 4 (hex): a Signed Pre-Command must sign exactly it. */
  preCommandHex: string | null;
  /** DUIS 9.1: the CIN the DSP drew and sent; the device's response reaches the user as CINMessage with it. */
  cin: string | null;
  responseCode: string | null;
  responseRoute: ResponseRoute | null;
  /** Device responses seen for this request (more than one: duplicates, DSP-6). */
  responseCount: number;
  createdAt: number;
  updatedAt: number;
  scheduledAt: number | null;
  /** When the command executes, if future dated (on the device, or by the DSP holding it). */
  executionAt: number | null;
  expiresAt: number | null;
  respondedAt: number | null;
}

/** Moves a record to `to`, or throws DSP_STATE. */
export function transition(r: DspRequestRecord, to: DspRequestState, at: number): void {
  if (!canTransition(r.state, to))
    throw new DspServiceError(
      'DSP_STATE',
      `request ${r.requestId}: ${r.state} -> ${to} is not a transition`,
      {
        httpStatus: 500,
      },
    );
  r.state = to;
  r.updatedAt = at;
}

/** The key a command and its response share: command originator, recipient, Originator Counter (GBCS.md 2). */
export function gbcsKey(originator: Eui, recipient: Eui, counter: bigint): string {
  return `${originator}>${recipient}#${counter}`;
}
