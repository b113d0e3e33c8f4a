/**
 * The DSP service keeps a CH's Device Log backups (device-log-backups.ts):
 * from a GCS62 alert that reached it over the SM WAN with a valid MAC,
 * persisted across a restart, and restored by 8.12.2 (the GCS59 Command the
 * DSP sends carries the backed-up entries). A message whose MAC does not
 * verify changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHF,
  GPF,
  openTestDsp,
  rtds,
  SUPPLIER,
  supplierSigner,
  templateRequest,
} from '../../../test/support/dsp-service.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeCommand } from '../../gbcs/use-cases/index.ts';
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
