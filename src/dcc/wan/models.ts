/**
 * The SM WAN's per-CH models (SECMP0038 CSP-1): availability (always on,
 * intermittent as alternating exponential up/down periods, none), one-way
 * latency distributions and per-attempt loss. Pure descriptions plus the
 * sampling functions; all randomness comes from a SeededRandom the caller
 * owns, so a run is a function of its seed.
 */
import type { SeededRandom } from '../../runtime/random.ts';
import { WanError } from './errors.ts';

/**
 * Availability of one CH's WAN connection.
 * - `always`: up for good (a reliable WAN).
 * - `intermittent`: alternating up and down periods, each exponentially
 *   distributed with the given means (the 9 % of SECMP0038 "The problem");
 *   the long-run up share tends to meanUpMs / (meanUpMs + meanDownMs).
 * - `none`: never up (no WAN coverage at all).
 */
export type AvailabilityModel =
  | { kind: 'always' }
  | {
      kind: 'intermittent';
      meanUpMs: number;
      meanDownMs: number;
      /** Initial state; default: drawn from the stationary distribution (up with the long-run up share). */
      startUp?: boolean;
    }
  | { kind: 'none' };

/** The WAN class of a CH (SECMP0038 SU-1 words: reliable, intermittent, absent). */
export type WanClass = AvailabilityModel['kind'];

/** Default periods for `setClass(chf, 'intermittent')`: up 4 h on average, down 2 h. */
export const DEFAULT_INTERMITTENT: Extract<AvailabilityModel, { kind: 'intermittent' }> = {
  kind: 'intermittent',
  meanUpMs: 4 * 3_600_000,
  meanDownMs: 2 * 3_600_000,
};

/**
 * One-way transit time of one transmission attempt.
 * - `fixed`: always `ms`.
 * - `uniform`: uniform in [minMs, maxMs].
 * - `shifted-exponential`: minMs + Exp(meanExtraMs) (a floor plus a queueing tail).
 * - `lognormal`: median `medianMs`, shape `sigma` (cellular round trips are
 *   roughly log-normal), capped at `maxMs` when given.
 */
export type LatencyModel =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'shifted-exponential'; minMs: number; meanExtraMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number; maxMs?: number };

/** Default latency: 300 ms floor plus a 700 ms mean tail (a 2G/4G M2M bearer). */
export const DEFAULT_LATENCY: LatencyModel = { kind: 'shifted-exponential', minMs: 300, meanExtraMs: 700 };

export function checkAvailability(m: AvailabilityModel): AvailabilityModel {
  if (m.kind === 'intermittent') {
    if (!(m.meanUpMs > 0) || !(m.meanDownMs > 0))
      throw new WanError('WAN_CONFIG', 'intermittent availability needs meanUpMs > 0 and meanDownMs > 0');
  } else if (m.kind !== 'always' && m.kind !== 'none') {
    throw new WanError(
      'WAN_CONFIG',
      `unknown availability kind ${JSON.stringify((m as { kind: unknown }).kind)}`,
    );
  }
  return m;
}

export function checkLatency(m: LatencyModel): LatencyModel {
  const bad = (why: string) => new WanError('WAN_CONFIG', `latency ${m.kind}: ${why}`);
  switch (m.kind) {
    case 'fixed':
      if (!(m.ms >= 0)) throw bad('ms must be >= 0');
      break;
    case 'uniform':
      if (!(m.minMs >= 0) || !(m.maxMs >= m.minMs)) throw bad('needs 0 <= minMs <= maxMs');
      break;
    case 'shifted-exponential':
      if (!(m.minMs >= 0) || !(m.meanExtraMs >= 0)) throw bad('needs minMs >= 0 and meanExtraMs >= 0');
      break;
    case 'lognormal':
      if (!(m.medianMs > 0) || !(m.sigma >= 0)) throw bad('needs medianMs > 0 and sigma >= 0');
      if (m.maxMs !== undefined && !(m.maxMs >= 0)) throw bad('maxMs must be >= 0');
      break;
    default:
      throw new WanError(
        'WAN_CONFIG',
        `unknown latency kind ${JSON.stringify((m as { kind: unknown }).kind)}`,
      );
  }
  return m;
}

export function checkLoss(p: number, what = 'loss'): number {
  if (!(p >= 0 && p < 1)) throw new WanError('WAN_CONFIG', `${what} must be in [0, 1), got ${p}`);
  return p;
}

/** Draws one transit time (whole milliseconds, >= 0). */
export function sampleLatency(m: LatencyModel, rnd: SeededRandom): number {
  let v: number;
  switch (m.kind) {
    case 'fixed':
      v = m.ms;
      break;
    case 'uniform':
      v = m.minMs + rnd.next() * (m.maxMs - m.minMs);
      break;
    case 'shifted-exponential':
      v = m.minMs + (m.meanExtraMs > 0 ? rnd.exponential(m.meanExtraMs) : 0);
      break;
    case 'lognormal': {
      // Box-Muller from two seeded uniforms
      const u1 = 1 - rnd.next();
      const u2 = rnd.next();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      v = m.medianMs * Math.exp(m.sigma * z);
      if (m.maxMs !== undefined) v = Math.min(v, m.maxMs);
      break;
    }
  }
  return Math.max(0, Math.round(v));
}

/** The first state of a CH under a model. */
export function initialUp(m: AvailabilityModel, rnd: SeededRandom): boolean {
  if (m.kind === 'always') return true;
  if (m.kind === 'none') return false;
  if (m.startUp !== undefined) return m.startUp;
  return rnd.chance(m.meanUpMs / (m.meanUpMs + m.meanDownMs));
}

/** Length of the next period in `up` state under an intermittent model (at least 1 ms). */
export function samplePeriod(
  m: Extract<AvailabilityModel, { kind: 'intermittent' }>,
  up: boolean,
  rnd: SeededRandom,
): number {
  return Math.max(1, Math.round(rnd.exponential(up ? m.meanUpMs : m.meanDownMs)));
}

/** A model from a class name with default parameters (backchannel `setClass`). */
export function modelForClass(c: WanClass | AvailabilityModel): AvailabilityModel {
  if (typeof c !== 'string') return checkAvailability(c);
  if (c === 'always') return { kind: 'always' };
  if (c === 'none') return { kind: 'none' };
  if (c === 'intermittent') return { ...DEFAULT_INTERMITTENT };
  throw new WanError('WAN_CONFIG', `unknown WAN class ${JSON.stringify(c)} (always | intermittent | none)`);
}
