/**
 * The PPMID leg's pure parts: the envelope the supplier builds (read back
 * with src/delivery) and the folding of status reports (SU-2, PP-2):
 * redeliveries ignored, final outcomes kept, PPMID-only failures, the
 * `duplicate` rejection of a re-published envelope never failing a command.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type DeliveryOutcome,
  decodeEnvelope,
  decodeStatusReport,
  generateSigningKeyPair,
  type PpmidReason,
  signStatusReport,
  verifyEnvelopeSignature,
} from '../delivery/index.ts';
import type { Route } from './config.ts';
import type { PpmidLeg } from './model.ts';
import { buildPpmidLeg, checkStatusReport, foldStatusReport } from './ppmid-leg.ts';

const SUPPLIER = '90B3D51F30010000';
const PPMID = '00DB1234567890A4';
const RID = { originator: SUPPLIER, target: '00DB1234567890A0', counter: 4294967301n };
const reporting = generateSigningKeyPair();
const delivery = generateSigningKeyPair();

function report(
  outcome: DeliveryOutcome,
  reason: PpmidReason | null,
  sequence: number,
  key = reporting.privateKey,
) {
  return signStatusReport(
    {
      envelopeId: 'AB'.repeat(16),
      envelopeIdIsDigest: false,
      ppmid: PPMID,
      supplierId: SUPPLIER,
      requestId: RID,
      at: 1,
      outcome,
      reason,
      attempts: 0,
      sequence,
      detail: '',
    },
    key,
  );
}

const leg = (status: PpmidLeg['status'], lastSequence?: number): PpmidLeg => ({
  ppmid: PPMID,
  envelopeId: 'AB'.repeat(16),
  envelopeHex: '',
  expiresAt: 0,
  status,
  ...(lastSequence !== undefined ? { lastSequence } : {}),
});

describe('PPMID leg', () => {
  it('builds an envelope the PPMID reads and verifies with the delivery public key', () => {
    const gbcs = Uint8Array.of(0xdd, 0, 1, 2, 3);
    const { leg: l, envelope } = buildPpmidLeg({
      supplierEui: SUPPLIER,
      ppmid: PPMID,
      requestId: RID,
      gbcs,
      envelopeId: 'cd'.repeat(16),
      now: 1000,
      expiresAt: 5000,
      deliveryKey: delivery.privateKey,
    });
    const env = decodeEnvelope(envelope);
    assert.equal(verifyEnvelopeSignature(env, [delivery.publicKey]), 'valid');
    assert.deepEqual([env.ppmid, env.supplierId, env.requestId, env.expiresAt], [PPMID, SUPPLIER, RID, 5000]);
    assert.deepEqual(env.gbcs, gbcs);
    assert.equal(l.envelopeId, 'CD'.repeat(16));
    assert.equal(l.status, 'pending-publish');
    assert.equal(Buffer.from(envelope).toString('hex').toUpperCase(), l.envelopeHex);
  });

  it('checks reports: provisioned key, topic EUI, supplier', () => {
    assert.equal(
      checkStatusReport(report('forwarded', null, 1), PPMID, reporting.publicKey, SUPPLIER).ok,
      true,
    );
    const forged = checkStatusReport(
      report('forwarded', null, 1, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      PPMID,
      reporting.publicKey,
      SUPPLIER,
    );
    assert.deepEqual(
      [forged.ok, !forged.ok && forged.reason],
      [false, 'signature does not verify with the provisioned reporting key'],
    );
    const other = checkStatusReport(
      report('forwarded', null, 1),
      '00DB1234567890A9',
      reporting.publicKey,
      SUPPLIER,
    );
    assert.match(!other.ok ? other.reason : '', /on the topic of/);
    const unknown = checkStatusReport(report('forwarded', null, 1), PPMID, undefined, SUPPLIER);
    assert.match(!unknown.ok ? unknown.reason : '', /not provisioned/);
    const notOurs = checkStatusReport(
      report('forwarded', null, 1),
      PPMID,
      reporting.publicKey,
      '90B3D51F30020000',
    );
    assert.match(!notOurs.ok ? notOurs.reason : '', /for supplier/);
    const garbage = checkStatusReport(Uint8Array.of(1, 2, 3), PPMID, reporting.publicKey, SUPPLIER);
    assert.match(!garbage.ok ? garbage.reason : '', /^DELIVERY_/);
  });

  const table: Array<
    [
      string,
      PpmidLeg,
      DeliveryOutcome,
      PpmidReason | null,
      Route,
      { fresh: boolean; status: string; failure?: string },
    ]
  > = [
    [
      'accepted after publish',
      leg('published'),
      'accepted-queued',
      null,
      'ppmid',
      { fresh: true, status: 'accepted-queued' },
    ],
    [
      'forwarded',
      leg('accepted-queued', 1),
      'forwarded',
      null,
      'ppmid',
      { fresh: true, status: 'forwarded' },
    ],
    [
      'redelivery of an old sequence',
      leg('forwarded', 2),
      'accepted-queued',
      null,
      'ppmid',
      { fresh: false, status: 'forwarded' },
    ],
    [
      'final outcome kept',
      leg('forwarded', 2),
      'expired',
      'expired',
      'ppmid',
      { fresh: true, status: 'forwarded' },
    ],
    [
      'rejected, PPMID only: fails',
      leg('published'),
      'rejected',
      'target-is-chf',
      'ppmid',
      { fresh: true, status: 'rejected', failure: 'PPMID rejected (target-is-chf)' },
    ],
    [
      'rejected, race: WAN copy still counts',
      leg('published'),
      'rejected',
      'target-is-chf',
      'race',
      { fresh: true, status: 'rejected' },
    ],
    [
      'delivery-failed, PPMID only: fails',
      leg('accepted-queued', 1),
      'delivery-failed',
      'han-link-down',
      'ppmid',
      { fresh: true, status: 'delivery-failed', failure: 'PPMID delivery-failed (han-link-down)' },
    ],
    [
      'duplicate of a re-published envelope: never a failure',
      leg('accepted-queued', 1),
      'rejected',
      'duplicate',
      'ppmid',
      { fresh: true, status: 'accepted-queued' },
    ],
  ];
  for (const [name, l, outcome, reason, route, expect] of table) {
    it(`folds: ${name}`, () => {
      const seq = (l.lastSequence ?? 0) + (expect.fresh ? 1 : 0);
      const r = decodeStatusReport(report(outcome, reason, seq));
      const f = foldStatusReport(l, r, route);
      assert.equal(f.fresh, expect.fresh);
      assert.equal(f.status, expect.status);
      assert.equal(f.failure, expect.failure);
    });
  }
});
