import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeStatusReport, generateSigningKeyPair, signStatusReport } from '../delivery/index.ts';
import { applyCreditEvidence, CreditLedger, foldCreditReport, topUpMillipence } from './credit-evidence.ts';
import type { CommandRecord } from './model.ts';
import { unconfirmedEvidence } from './unconfirmed.ts';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const PPMID = '00DB1234567890A4';
const SUPPLIER = '90B3D51F30010000';
const key = generateSigningKeyPair();
const T0 = Date.UTC(2026, 5, 1, 9, 0);

function command(id: string, order: CommandRecord['order'], target = ESME): CommandRecord {
  return {
    id,
    premisesId: 'p',
    target,
    srv: '2.2',
    order,
    state: 'in-flight',
    route: 'ppmid',
    wanClass: 'none',
    createdAt: T0,
    updatedAt: T0,
    expiresAt: T0 + 3600_000,
    responses: 0,
    hops: 0,
    ppmid: {
      ppmid: PPMID,
      envelopeId: id.padStart(32, '0'),
      envelopeHex: '',
      expiresAt: T0 + 1,
      status: 'published',
    },
  };
}

let seq = 0;
function report(c: CommandRecord, at: number, credit?: { value: number; meter?: string }) {
  return decodeStatusReport(
    signStatusReport(
      {
        envelopeId: c.ppmid!.envelopeId,
        envelopeIdIsDigest: false,
        ppmid: PPMID,
        supplierId: SUPPLIER,
        requestId: { originator: SUPPLIER, target: c.target, counter: BigInt(c.id) },
        at,
        outcome: 'forwarded',
        reason: null,
        attempts: 1,
        sequence: ++seq,
        detail: '',
        creditRead: credit
          ? { meter: credit.meter ?? c.target, creditRemaining: credit.value, readAt: at }
          : null,
      },
      key.privateKey,
    ),
  );
}

/** forwarded at `at`, then the PPMID's read 5 s later */
function topUp(ledger: CreditLedger, c: CommandRecord, at: number, read: number | null) {
  foldCreditReport(ledger, c, report(c, at));
  c.ppmid!.status = 'forwarded';
  c.ppmid!.forwardedAt = at;
  if (read === null) return null;
  const r = foldCreditReport(ledger, c, report(c, at + 5_000, { value: read }));
  if (r.evidence) applyCreditEvidence(c, r.evidence);
  return r;
}

describe('PPMID credit reads as supplier evidence (issue 15)', () => {
  it('values: pennies and pounds in milli-pence; unknown for a given UTRN or another order', () => {
    assert.equal(topUpMillipence({ kind: 'top-up', value: 750 }), 750_000);
    assert.equal(topUpMillipence({ kind: 'top-up', value: 20, valueClass: 'pounds' }), 2_000_000);
    assert.equal(topUpMillipence({ kind: 'top-up', utrn: '73232150301300000084' }), null);
    assert.equal(topUpMillipence({ kind: 'supply', action: 'Arm' }), null);
  });

  it('first read has no baseline; later reads match the previous one plus the top-ups forwarded since', () => {
    const ledger = new CreditLedger();
    const a = command('1', { kind: 'top-up', value: 100 });
    const first = topUp(ledger, a, T0, 5_100_000)!.evidence!;
    assert.deepEqual(
      { expected: first.expected, matches: first.matches, difference: first.difference },
      { expected: null, matches: null, difference: null },
    );
    assert.match(first.basis, /no earlier/);
    assert.equal(a.ppmid?.creditRead, first);
    const b = command('2', { kind: 'top-up', value: 200 });
    const second = topUp(ledger, b, T0 + 10_000, 5_300_000)!.evidence!;
    assert.equal(second.expected, 5_300_000);
    assert.equal(second.matches, true);
    assert.equal(second.difference, 0);
    assert.equal(second.readAt, T0 + 15_000);
    // consumption (or a missing credit) between two reads: below the expected figure, said so
    const c = command('3', { kind: 'top-up', value: 300 });
    const third = topUp(ledger, c, T0 + 20_000, 5_550_000)!.evidence!;
    assert.equal(third.expected, 5_600_000);
    assert.equal(third.matches, false);
    assert.equal(third.difference, -50_000);
  });

  it('two top-ups forwarded before one read: the read covers both', () => {
    const ledger = new CreditLedger();
    topUp(ledger, command('1', { kind: 'top-up', value: 100 }), T0, 100_000);
    const b = command('2', { kind: 'top-up', value: 200 });
    const c = command('3', { kind: 'top-up', value: 300 });
    foldCreditReport(ledger, b, report(b, T0 + 10_000));
    b.ppmid!.status = 'forwarded';
    const cRead = topUp(ledger, c, T0 + 11_000, 600_000)!.evidence!;
    assert.equal(cRead.expected, 600_000);
    assert.equal(cRead.matches, true);
    // b's own read, later: already covered by c's read, baseline is c's read
    const bRead = foldCreditReport(ledger, b, report(b, T0 + 17_000, { value: 600_000 })).evidence!;
    assert.equal(bRead.expected, 600_000);
    assert.equal(bRead.matches, true);
  });

  it('a top-up whose value the supplier does not know leaves the comparison open', () => {
    const ledger = new CreditLedger();
    topUp(ledger, command('1', { kind: 'top-up', value: 100 }), T0, 100_000);
    const e = topUp(
      ledger,
      command('2', { kind: 'top-up', utrn: '73232150301300000084' }),
      T0 + 10_000,
      900_000,
    )!.evidence!;
    assert.equal(e.expected, null);
    assert.equal(e.matches, null);
    assert.match(e.basis, /does not know/);
  });

  it('a reading of another meter is no evidence for the command (the ledger is untouched)', () => {
    const ledger = new CreditLedger();
    const a = command('1', { kind: 'top-up', value: 100 });
    foldCreditReport(ledger, a, report(a, T0));
    a.ppmid!.status = 'forwarded';
    const r = foldCreditReport(ledger, a, report(a, T0 + 5_000, { value: 1, meter: GSME }));
    assert.equal(r.evidence, null);
    assert.match(r.refused!, /not the command's target/);
    assert.equal(a.ppmid?.creditRead, undefined);
  });

  it('becomes evidence.creditRead of an applied-unconfirmed command, before or after it settled', () => {
    const ledger = new CreditLedger();
    const a = command('1', { kind: 'top-up', value: 100 });
    topUp(ledger, a, T0, 100_000);
    assert.equal(unconfirmedEvidence(a, 'forwarded-without-wan')?.creditRead?.creditRemaining, 100_000);
    const b = command('2', { kind: 'top-up', value: 100 });
    topUp(ledger, b, T0 + 10_000, null);
    b.evidence = unconfirmedEvidence(b, 'forwarded-without-wan')!;
    assert.equal(b.evidence.creditRead, undefined);
    const r = foldCreditReport(ledger, b, report(b, T0 + 15_000, { value: 200_000 }));
    applyCreditEvidence(b, r.evidence!);
    const after = b.evidence as CommandRecord['evidence'];
    assert.equal(after?.creditRead?.creditRemaining, 200_000);
    assert.equal(after?.creditRead?.matches, true);
  });
});
