/**
 * The execution date-time of a future-dated Service Request and the DSP's
 * check that it has not passed.
 *
 * A future-dated SR carries `ExecutionDateTime` (DUIS FutureDatedAbstractType,
 * MandatoryFutureDatedAbstractType for 8.5); a Signed Pre-Command (CV 5/6/7)
 * carries it again, or the DSP takes it from the CV 4 request it issued the
 * Pre-Command for. `3000-12-31` is the DUIS cancellation of a future-dated
 * command, not a date. A request whose execution date-time lies before the
 * DSP's clock cannot be executed as asked (a device future-dated command
 * would run at once, a DSP-held one would never be held): the DSP refuses it.
 *
 * PROVISIONAL response code: no DUIS text available here names the code for
 * an ExecutionDateTime in the past (the XSD carries no annotations and the
 * public copies of the DUIS common codes seen stop at E30). The nearest
 * documented code is E30, "Time-out – Future Dated Command" (the execution
 * time of a future-dated command went by), used until the DUIS wording is
 * established (docs/dsp-transform.md "Future dating").
 */
import { type DuisNode, executionDateTime } from '../../duis/index.ts';
import { DspServiceError } from './errors.ts';

/** PROVISIONAL: the DUIS Response Code of a request whose ExecutionDateTime has passed (see above). */
export const EXECUTION_IN_PAST_RESPONSE_CODE = 'E30' as const;

/** The year DUIS uses for a cancellation (`3000-12-31T00:00:00Z`). */
const CANCELLATION_YEAR = 3000;

/**
 * The execution time (ms) of a request: its body's ExecutionDateTime, else
 * the one recorded for the CV 4 request a Signed Pre-Command answers
 * (`issuedExecutionAt`); undefined for an on-demand request or a cancellation.
 * A body whose ExecutionDateTime does not parse gives undefined: the
 * transform reports the bad body.
 */
export function requestExecutionAt(body: DuisNode, issuedExecutionAt?: number | null): number | undefined {
  if (issuedExecutionAt != null) return issuedExecutionAt;
  let at: Date | undefined;
  try {
    at = executionDateTime(body);
  } catch {
    return undefined;
  }
  if (at === undefined || at.getUTCFullYear() >= CANCELLATION_YEAR) return undefined;
  return at.getTime();
}

/** A future-dated request whose execution date-time is before the DSP's clock (PROVISIONAL E30). */
export const executionInPast = (srv: string, at: number, now: number) =>
  new DspServiceError(
    'DSP_EXECUTION_IN_PAST',
    `SR ${srv}: ExecutionDateTime ${new Date(at).toISOString()} is before the DSP's time ${new Date(now).toISOString()}`,
    { responseCode: EXECUTION_IN_PAST_RESPONSE_CODE },
  );

/** Throws `executionInPast` when the request is future dated to a time before `now`. */
export function checkExecutionNotPast(srv: string, at: number | undefined, now: number): void {
  if (at !== undefined && at < now) throw executionInPast(srv, at, now);
}
