/**
 * The PPMID's own HAN read of a meter's credit as supplier evidence (issue 15,
 * SU-2 without WAN): after a relayed top-up was forwarded the PPMID reads the
 * meter's Credit Remaining and reports it (status report flag bit3,
 * delivery/status.ts). The supplier folds the reading into the command's
 * PPMID leg (`PpmidLeg.creditRead`), hence into `evidence.creditRead` of an
 * `applied-unconfirmed` command (unconfirmed.ts).
 *
 * What the reading is compared with: the supplier does not know a meter's
 * balance, only the PPMID's earlier readings. `CreditLedger` keeps, per meter,
 * the last reading and the top-ups forwarded since (their values when the
 * supplier generated the UTRN). The expected credit is that reading plus those
 * top-ups; `difference` = read - expected. Consumption between two reads makes
 * it negative; a top-up the supplier does not know the value of (a UTRN given
 * by the caller), or no earlier reading, leaves `expected` null. Both clocks in
 * the comparison are the PPMID's (report times), never the supplier's.
 * In memory: after a restart the first reading of each meter has no baseline.
 */
import type { StatusCreditRead, StatusReport } from '../delivery/index.ts';
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import type { CommandOrder, CommandRecord } from './model.ts';

/** What the supplier records of a PPMID credit read (milli-pence; times: the PPMID's clock). */
export interface CreditReadEvidence {
  meter: Eui;
  creditRemaining: number;
  readAt: number;
  /** the PPMID report that carried it */
  sequence: number;
  /** the previous reading plus the top-ups forwarded since; null when unknown (see `basis`) */
  expected: number | null;
  /** creditRemaining - expected (null with expected) */
  difference: number | null;
  /** read === expected; null when there is nothing to compare with */
  matches: boolean | null;
  /** how `expected` was made, for people */
  basis: string;
}

/** Milli-pence of a top-up order whose value the supplier knows (it generated the UTRN); null otherwise. */
export function topUpMillipence(o: CommandOrder): number | null {
  if (o.kind !== 'top-up' || o.value === undefined) return null;
  return o.value * ((o.valueClass ?? 'pennies') === 'pounds' ? 100_000 : 1_000);
}

interface MeterLedger {
  last?: { creditRemaining: number; readAt: number };
  /** top-ups forwarded after `last` (or since the ledger started), PPMID report time */
  since: { commandId: string; value: number | null; forwardedAt: number }[];
}

/** Per-meter readings and forwarded top-ups (bounded: at most `maxMeters` meters, oldest forgotten). */
export class CreditLedger {
  private readonly meters = new Map<Eui, MeterLedger>();

  constructor(private readonly maxMeters = 10_000) {}

  /** A top-up to `meter` was forwarded by the PPMID at `forwardedAt` (its report time). Idempotent per command. */
  forwarded(meter: Eui, commandId: string, value: number | null, forwardedAt: number): void {
    const m = this.meter(meter);
    if (m.since.some((t) => t.commandId === commandId)) return;
    if (m.last && forwardedAt <= m.last.readAt) return;
    m.since.push({ commandId, value, forwardedAt });
    if (m.since.length > 64) m.since.shift();
  }

  /** A reading: its evidence, then it becomes the meter's baseline. */
  read(r: StatusCreditRead, sequence: number): CreditReadEvidence {
    const meter = normaliseEui(r.meter);
    const m = this.meter(meter);
    const before = m.since.filter((t) => t.forwardedAt <= r.readAt);
    let expected: number | null = null;
    let basis: string;
    if (!m.last) basis = 'no earlier PPMID reading of this meter to compare with';
    else if (before.some((t) => t.value === null))
      basis = 'a top-up since the previous reading has a value the supplier does not know';
    else {
      expected = m.last.creditRemaining + before.reduce((s, t) => s + (t.value ?? 0), 0);
      basis = `previous reading ${m.last.creditRemaining} at ${new Date(m.last.readAt).toISOString()} + ${before.length} top-up(s) forwarded since`;
    }
    if (!m.last || r.readAt >= m.last.readAt) {
      m.last = { creditRemaining: r.creditRemaining, readAt: r.readAt };
      m.since = m.since.filter((t) => t.forwardedAt > r.readAt);
    }
    return {
      meter,
      creditRemaining: r.creditRemaining,
      readAt: r.readAt,
      sequence,
      expected,
      difference: expected === null ? null : r.creditRemaining - expected,
      matches: expected === null ? null : r.creditRemaining === expected,
      basis,
    };
  }

  private meter(eui: Eui): MeterLedger {
    const key = normaliseEui(eui);
    let m = this.meters.get(key);
    if (!m) {
      m = { since: [] };
      this.meters.set(key, m);
      if (this.meters.size > this.maxMeters) this.meters.delete(this.meters.keys().next().value!);
    }
    return m;
  }
}

/**
 * What a fresh, authenticated status report about command `c` does to the
 * ledger and the command: a top-up's first `forwarded` enters the ledger; a
 * credit read of `c`'s target becomes `c.ppmid.creditRead` (and
 * `c.evidence.creditRead` once `applied-unconfirmed`). A reading of another
 * meter is not evidence for `c`: null, with `refused` saying why.
 */
export function foldCreditReport(
  ledger: CreditLedger,
  c: CommandRecord,
  report: StatusReport,
): { evidence: CreditReadEvidence | null; refused?: string } {
  if (report.outcome === 'forwarded' && c.order.kind === 'top-up' && c.ppmid?.status !== 'forwarded')
    ledger.forwarded(c.target, c.id, topUpMillipence(c.order), report.at);
  const read = report.creditRead;
  if (!read) return { evidence: null };
  if (normaliseEui(read.meter) !== normaliseEui(c.target))
    return {
      evidence: null,
      refused: `credit read of meter ${read.meter}, not the command's target ${c.target}`,
    };
  return { evidence: ledger.read(read, report.sequence) };
}

/** Records `e` on the command (its PPMID leg, and its evidence when it has one). */
export function applyCreditEvidence(c: CommandRecord, e: CreditReadEvidence): void {
  if (c.ppmid) c.ppmid.creditRead = e;
  if (c.evidence) c.evidence.creditRead = e;
}
