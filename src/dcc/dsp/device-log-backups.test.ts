/**
 * The DSP service keeps a CH's Device Log backups (device-log-backups.ts):
 * from a GCS62 alert that reached it over the SM WAN with a valid MAC,
 * persisted across a restart, and restored by 8.12.2 (the GCS59 Command the
 * DSP sends carries the backed-up entries); from a CS14 alert (0x8F12 CHF
 * Device Log Changed to the ACB, kept by the DCC: alert-routing.ts). A
 * message whose MAC does not verify, or a replayed one, changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACB,
  CHF,
  ESME,
  GPF,
  GSME,
  openTestDsp,
  rtds,
  rtdsSecurity,
  SUPPLIER,
  supplierSigner,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import { decodeMessage, encodeApdu } from '../../gbcs/index.ts';
import { decodeCommand, encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { endpointForCommandVariant } from './service.ts';

const ALERT = rtds('NA_GCS62/GCS62_NA_8071_ALERT_GBCS.HEX');

describe('DSP service: Device Log backups (8.12.x)', () => {
  it('a GCS62 alert is backed up, survives a restart, and 8.12.2 restores it with GCS59', async () => {
    const t = await openTestDsp('sqlite');
    try {
      const bad = ALERT.slice();
      bad[bad.length - 1] ^= 1; // the MAC no longer verifies
      await t.dsp.onDeviceMessage({ chf: CHF, gbcs: bad, at: t.clock.now() });
      assert.equal(t.dsp.deviceLogBackups.get(GPF), undefined, 'a bad MAC makes no backup');
      await t.dsp.onDeviceMessage({ chf: CHF, gbcs: ALERT, at: t.clock.now() });
      assert.equal(t.dsp.deviceLogBackups.get(GPF)?.gpf?.entries.length, 6);
      const dsp = await t.restart();
      assert.equal(dsp.deviceLogBackups.get(GPF)?.gpf?.entries.length, 6, 'persisted');
      const reply = dsp.handleRequest(
        endpointForCommandVariant(1),
        templateRequest('GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML', {
          counter: 2000n,
          originator: SUPPLIER,
          signer: supplierSigner,
          target: GPF,
          edit: (x) => x.replace('00-DB-12-34-56-78-90-B3', '00-DB-12-34-56-78-90-A3'),
        }),
      );
      assert.match(reply.body, /<sr:ResponseCode>I99</, reply.body);
      const sent = t.downlink.sent.at(-1);
      assert.ok(sent, 'a command went to the CSP');
      const m = decodeMessage(sent.gbcs);
      assert.equal(m.recipient, GPF);
      const f = decodeCommand(m.messageCode, m.content).fields as { deviceLog: { deviceId: string }[] };
      assert.deepEqual(
        f.deviceLog.map((e) => e.deviceId),
        [
          '0102030405060708',
          '00DB123456789099',
          '00DB123456789097',
          '00DB123456789096',
          '00DB123456789098',
          '00DB12345678909B',
        ],
      );
    } finally {
      await t.close();
    }
  });
});

/** A CS14 alert (0x8F12 CHF Device Log Changed) from the CHF to the ACB carrying `entries`, MAC'd. */
function cs14(counter: bigint, entries: { deviceId: string; linkKey: string }[]): Uint8Array {
  const row = useCaseById('CS14')!;
  const content = encodeAlert(
    row,
    {
      alertCode: 0x8f12,
      timestamp: '2026-01-01T00:00:00.00',
      deviceLog: { lastChanged: '2026-01-01T00:00:00.00', chfId: CHF, entries },
    } as never,
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

describe('DSP service: a CS14 alert to the ACB is kept as the CHF Device Log backup', () => {
  it('backed up (recorded alert-kept, nothing posted); a replayed older log does not replace the newer', async () => {
    const t = await openTestDsp('sqlite');
    try {
      const one = [{ deviceId: ESME, linkKey: '00112233445566778899AABBCCDDEEFF' }];
      const two = [...one, { deviceId: GSME, linkKey: 'FFEEDDCCBBAA99887766554433221100' }];
      const send = async (gbcs: Uint8Array) => {
        await t.dsp.onDeviceMessage({ chf: CHF, gbcs, at: t.clock.now() });
        t.clock.advance(0);
        await t.dsp.idle();
      };
      const posts0 = t.transport.posts.length;
      const older = cs14(10n, one);
      await send(older);
      assert.deepEqual(
        t.dsp.deviceLogBackups.get(CHF)?.chf?.entries.map((e) => e.deviceId),
        [ESME],
      );
      await send(cs14(11n, two));
      assert.deepEqual(
        t.dsp.deviceLogBackups.get(CHF)?.chf?.entries.map((e) => e.deviceId),
        [ESME, GSME],
      );
      assert.equal(t.dsp.deviceLogBackups.get(CHF)?.chf?.logId, CHF);
      await send(older);
      assert.equal(t.dsp.deviceLogBackups.get(CHF)?.chf?.entries.length, 2, 'the replay changed nothing');
      assert.equal(t.dsp.metrics.counter('alerts.rejected.replay').value, 1);
      assert.equal(t.dsp.metrics.counter('alerts.kept').value, 2);
      assert.equal(t.transport.posts.length, posts0, 'no user told');
      await t.dsp.flush();
      const rows = await t.dsp.db
        .selectFrom('dsp_device_messages')
        .select(['disposition', 'reason'])
        .where('originator', '=', CHF)
        .execute();
      assert.deepEqual(
        rows.map((r) => r.disposition),
        ['alert-kept', 'alert-kept', 'rejected'],
      );
    } finally {
      await t.close();
    }
  });
});
