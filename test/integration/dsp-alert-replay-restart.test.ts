/**
 * The DSP's replay check of device alerts addressed to the ACB
 * (src/dcc/dsp/alert-integrity.ts) survives a restart: the highest
 * Originator Counter accepted from each device is persisted
 * (dsp_alert_counters, migration 039), so a genuine DBCH07 replayed after
 * the DSP restarts is still rejected (`replay`, nothing posted), while a
 * later one goes on. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STORE_KINDS } from '../../src/adapters/store/testing.ts';
import { parseDuisResponse } from '../../src/duis/index.ts';
import { encodeApdu } from '../../src/gbcs/index.ts';
import { encodeAlert, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';
import {
  ACB,
  CHF,
  ESME,
  openTestDsp,
  rtdsSecurity,
  SUPPLIER,
  SUPPLIER_USER,
} from '../support/dsp-service.ts';

/** A DBCH07 from the CHF to the ACB with Originator Counter `counter`, MAC'd as the CHF seals it. */
function dbch07(counter: bigint): Uint8Array {
  const row = useCaseById('DBCH07')!;
  const content = encodeAlert(
    row,
    { alertCode: 0x8f26, timestamp: '2026-01-01T00:00:00.00', channel: '00000000000000000000000000010000' },
    { originatorCounter: counter },
  );
  return rtdsSecurity().wrap(
    encodeApdu({
      cra: 'alert',
      originatorCounter: counter,
      originator: CHF,
      recipient: ACB,
      dateTime: null,
      otherInfo: { messageCode: row.code },
      content,
      signature: null,
    }),
  );
}

for (const kind of STORE_KINDS)
  describe(`DSP alert replay high-water marks survive a restart (${kind})`, () => {
    it('a genuine alert replayed after a restart is rejected; a later one is forwarded', async () => {
      const clock = new VirtualClock(Date.UTC(2026, 0, 1));
      const t = await openTestDsp(kind, { clock });
      try {
        t.dsp.registration.set(ESME, SUPPLIER, clock.now());
        const send = async (gbcs: Uint8Array) => {
          const from = t.transport.posts.length;
          await t.dsp.onDeviceMessage({ chf: CHF, gbcs, at: clock.now() });
          clock.advance(0);
          await t.dsp.idle();
          return t.transport.posts.slice(from);
        };
        const replayed = () => t.dsp.metrics.counter('alerts.rejected.replay').value;
        const genuine = dbch07(1_000n);
        const first = await send(genuine);
        assert.deepEqual(
          first.map((p) => p.url),
          [SUPPLIER_USER.receiveUrl],
        );
        assert.equal(parseDuisResponse(first[0]!.xml).body.kind, 'DCCAlertMessage');
        await t.dsp.flush();
        const rows = await t.dsp.db.selectFrom('dsp_alert_counters').selectAll().execute();
        assert.deepEqual(
          rows.map((r) => [r.device, r.counter]),
          [[CHF, '00000000000000001000']],
        );

        const dsp = await t.restart();
        assert.equal(dsp.acbAlerts.highestAccepted(CHF), 1_000n);
        assert.equal(replayed(), 0, 'a fresh DSP instance');
        assert.deepEqual(await send(genuine), [], 'the replay is not posted');
        assert.deepEqual(await send(dbch07(999n)), [], 'nor an older counter');
        assert.equal(replayed(), 2);
        const later = await send(dbch07(1_001n));
        assert.deepEqual(
          later.map((p) => p.url),
          [SUPPLIER_USER.receiveUrl],
        );
        await t.dsp.flush();
        const after = await t.dsp.db.selectFrom('dsp_alert_counters').selectAll().execute();
        assert.deepEqual(
          after.map((r) => r.counter),
          ['00000000000000001001'],
        );
      } finally {
        await t.close();
      }
    });
  });
