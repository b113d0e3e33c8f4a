/**
 * PP-1 wiring: the PPMID on the in-process internet (same ACL and dispatcher as
 * the MQTT adapter): a supplier publishes a signed envelope to the PPMID's
 * inbox and reads the signed status reports from its status topic. And the
 * ATPS `ppmid-inbox` route helper.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import {
  InProcessInternet,
  type InternetMessage,
  inboxTopic,
  settleVirtual,
  statusTopic,
  supplierClientId,
} from '../../adapters/mqtt/index.ts';
import { decodeStatusReport, verifyStatusReport } from '../../delivery/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { INBOX_TAMPERS, injectPpmidInbox, makeSignedEnvelope } from './atps.ts';
import { attachStatusPublisher, ppmidInboxHandler } from './internet.ts';
import { makePpmidKit } from './testing.ts';

const ECS17B = rtdsMessages().find((m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX')!.bytes;
const SUPPLIER = RTDS_PARTIES.supplier;

describe('PP-1: the PPMID on the internet leg (in-process adapter, strict ACL)', () => {
  it('inbox -> PP-2 -> HAN, and signed status reports back on the status topic; a redelivery is idempotent', async () => {
    const kit = await makePpmidKit();
    const internet = new InProcessInternet({ clock: kit.clock, latencyMs: 20, authorization: 'strict' });
    const ppmidLink = await internet.connect(RTDS_DEVICES.ppmid, {
      handlers: [ppmidInboxHandler(kit.ppmid)],
    });
    attachStatusPublisher(kit.ppmid, ppmidLink);
    const got: InternetMessage[] = [];
    const supplier = await internet.connect(supplierClientId(SUPPLIER), {
      handlers: [{ filter: statusTopic(RTDS_DEVICES.ppmid), handler: (m) => void got.push(m) }],
    });
    const env = makeSignedEnvelope({
      gbcs: ECS17B,
      ppmid: RTDS_DEVICES.ppmid,
      supplierId: SUPPLIER,
      deliveryKey: kit.supplierKeys.get(SUPPLIER)!.privateKey,
      createdAt: kit.clock.now(),
    });
    void supplier.publish(inboxTopic(RTDS_DEVICES.ppmid), env);
    await settleVirtual(kit.clock, { until: () => got.length >= 2, horizonMs: 60_000 });
    const reports = got.map((m) => decodeStatusReport(m.payload));
    assert.deepEqual(
      reports.map((r) => r.outcome),
      ['accepted-queued', 'forwarded'],
    );
    assert.ok(reports.every((r) => verifyStatusReport(r, kit.reportingKey.publicKey)));
    assert.equal(toHex(kit.uplink.sent[0].bytes), toHex(ECS17B));
    // the supplier sends the same envelope again: its latest report again, nothing re-sent
    void supplier.publish(inboxTopic(RTDS_DEVICES.ppmid), env);
    await settleVirtual(kit.clock, { until: () => got.length >= 3, horizonMs: 60_000 });
    assert.equal(decodeStatusReport(got[2].payload).outcome, 'forwarded');
    assert.equal(kit.uplink.sent.length, 1);
    await settleVirtual(kit.clock, {
      until: () => kit.ppmid.metrics.snapshot().counters['ppmid.report.published'] === 3,
      horizonMs: 10_000,
    });
    assert.equal(
      kit.ppmid.metrics.snapshot().counters['ppmid.report.published'],
      3,
      'every PUBACK came back',
    );
    const closed = internet.close();
    await settleVirtual(kit.clock, { horizonMs: 10_000 });
    await closed;
  });
});

describe('ATPS route ppmid-inbox (injectPpmidInbox)', () => {
  it('a good body is accepted; every tamper mode is refused with its reason (ppmidDecision / ppmidReason)', async () => {
    const want: Record<(typeof INBOX_TAMPERS)[number], [string, string | null]> = {
      none: ['accepted-queued', null],
      signature: ['rejected', 'bad-signature'],
      unsigned: ['rejected', 'bad-signature'],
      'unknown-key': ['rejected', 'unknown-key'],
      'wrong-ppmid': ['rejected', 'wrong-ppmid'],
      expired: ['rejected', 'expired'],
      gbcs: ['rejected', 'bad-signature'],
    };
    for (const tamper of INBOX_TAMPERS) {
      const kit = await makePpmidKit();
      const out = injectPpmidInbox(
        kit.ppmid,
        { gbcs: toHex(ECS17B), tamper },
        { supplierId: SUPPLIER, deliveryKey: kit.supplierKeys.get(SUPPLIER)!.privateKey },
        kit.clock.now(),
      );
      assert.deepEqual([out.ppmidDecision, out.ppmidReason], want[tamper], `${tamper}: ${out.ppmidDetail}`);
      assert.equal(out.requestId, '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000');
      assert.equal(out.statusReport.outcome, out.ppmidDecision);
      assert.equal(JSON.parse(JSON.stringify(out)).ppmidDecision, out.ppmidDecision, 'JSON-safe');
    }
  });

  it('a target the CH would discard is refused at the PPMID first (target-is-chf)', async () => {
    const kit = await makePpmidKit();
    const chfCmd = rtdsMessages().find(
      (m) => m.kind === 'COMMAND' && m.useCase === 'CCS06' && m.bytes[0] === 0xdd,
    );
    assert.ok(chfCmd);
    const out = injectPpmidInbox(
      kit.ppmid,
      { gbcs: chfCmd.hex, requestId: '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A2:1' },
      { supplierId: SUPPLIER, deliveryKey: kit.supplierKeys.get(SUPPLIER)!.privateKey },
      kit.clock.now(),
    );
    assert.equal(out.ppmidDecision, 'rejected');
    assert.equal(out.ppmidReason, 'target-is-chf');
  });

  it('a body it cannot use is a typed error, not a decision', async () => {
    const kit = await makePpmidKit();
    const supplier = { supplierId: SUPPLIER, deliveryKey: kit.supplierKeys.get(SUPPLIER)!.privateKey };
    assert.throws(() => injectPpmidInbox(kit.ppmid, { gbcs: 'XYZ' }, supplier, kit.clock.now()), {
      code: 'PPMID_CONFIG',
    });
    assert.throws(
      () => injectPpmidInbox(kit.ppmid, { gbcs: '00', requestId: 'nope' }, supplier, kit.clock.now()),
      { code: 'PPMID_CONFIG' },
    );
  });
});
