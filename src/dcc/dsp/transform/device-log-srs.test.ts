/**
 * Device Log restores (8.12.1 CCS03, 8.12.2 GCS59) beyond the template
 * comparison of test/dsp-transform.test.ts: the entries come from the
 * backup the DSP made of a CCS07 read or a GCS62 alert (device-log-backups.ts),
 * who originates, and the typed refusals (no backup, wrong or unknown old
 * device).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRtds, rtdsContext, TEMPLATES_DIR } from '../../../../test/support/dsp-transform.ts';
import { parseDuisRequest } from '../../../duis/index.ts';
import { decodeMessage } from '../../../gbcs/index.ts';
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { fromHex } from '../../../runtime/bytes.ts';
import { DeviceLogBackups } from '../device-log-backups.ts';
import {
  DspBodyInvalidError,
  DspUnknownDeviceError,
  type TransformContext,
  transformServiceRequest,
} from './index.ts';

const tpl = (f: string) => readFileSync(join(TEMPLATES_DIR, f), 'utf8');
const CCS03 = tpl('CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML');
const GCS59 = tpl('GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML');
const rtdsMessage = (name: string) => decodeMessage(fromHex(readRtds(name)!));

const ACB = '90B3D51F30000002';
const TYPES: Record<string, string> = {
  '00DB1234567890A2': 'CHF',
  '00DB1234567890A3': 'GPF',
  '00DB1234567890A4': 'PPMID',
};

/** Backups made from RTDS device messages, as the DSP service makes them. */
function backupsFrom(...names: string[]) {
  const writes: unknown[] = [];
  const b = new DeviceLogBackups((op) => writes.push(op), {
    deviceTypeOf: (e) => TYPES[e] as never,
    gpfOf: (chf) => (chf === '00DB1234567890A2' ? '00DB1234567890A3' : undefined),
  });
  const parts = names.map((n) => b.observe(rtdsMessage(n), 1000));
  return { b, parts, writes };
}

function transform(xml: string, ctx: TransformContext) {
  const r = transformServiceRequest(parseDuisRequest(xml), ctx);
  const m = decodeMessage(r.gbcs);
  return { r, m, fields: decodeCommand(m.messageCode, m.content).fields };
}

describe('Device Log backups and restores (8.12.1, 8.12.2)', () => {
  it('a CCS07 read backs up both logs; 8.12.1 restores the CHF entries with their link keys (the RTDS CCS03 entries)', () => {
    const { b, parts, writes } = backupsFrom('8.9_CCS07/CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX');
    assert.deepEqual(parts, [['chf', 'gpf']]);
    assert.equal(writes.length, 2, 'both parts persisted');
    assert.deepEqual(b.get('00DB1234567890A3')?.gpf?.entries, [
      { deviceId: '00DB1234567890A3', deviceType: 3 },
      { deviceId: '00DB1234567890A4', deviceType: 5 },
    ]);
    // restore the CHF ...A2's backup: OldCHFID ...A2
    const xml = CCS03.replace('00-DB-12-34-56-78-90-95', '00-DB-12-34-56-78-90-A2');
    const { r, m, fields } = transform(xml, { ...rtdsContext(), deviceLogBackupOf: b.get });
    assert.equal(r.useCase, 'CCS03');
    assert.equal(m.originator, ACB);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, '90B3D51F30010000');
    const rtds = rtdsMessage('8.12.1_CCS03/CCS03_8.12.1_SUCCESS_COMMAND_GBCS.HEX');
    const expected = decodeCommand(rtds.messageCode, rtds.content).fields as {
      zigbeeNetworkControl: { restoreDeviceLog: { entries: unknown } };
    };
    const got = fields as typeof expected & { zigbeeNetworkControl: { restoreDeviceLog: { chfId: string } } };
    assert.deepEqual(
      got.zigbeeNetworkControl.restoreDeviceLog.entries,
      expected.zigbeeNetworkControl.restoreDeviceLog.entries,
    );
    assert.equal(
      got.zigbeeNetworkControl.restoreDeviceLog.chfId,
      '0001020304050607',
      'the log id the CCS07 read gave',
    );
  });

  it('a GCS62 alert backs up the GPF log; 8.12.2 restores it with GCS59, the ACB the only party', () => {
    const { b, parts } = backupsFrom('NA_GCS62/GCS62_NA_8071_ALERT_GBCS.HEX');
    assert.deepEqual(parts, [['gpf']]);
    const xml = GCS59.replace('00-DB-12-34-56-78-90-B3', '00-DB-12-34-56-78-90-A3');
    const { r, m, fields } = transform(xml, { ...rtdsContext(), deviceLogBackupOf: b.get });
    assert.equal(r.useCase, 'GCS59');
    assert.equal(m.originator, ACB);
    assert.equal(m.originatorCounter, 1300n, 'the ACB sending the request itself: its RequestID counter');
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
    assert.equal((fields as { deviceLog: unknown[] }).deviceLog.length, 6);
    assert.deepEqual((fields as { deviceLog: unknown[] }).deviceLog[0], {
      deviceId: '0102030405060708',
      deviceType: 6,
    });
  });

  it('8.12.2 sent by a supplier: the DCC (ACB) originates with its own counter, no Supplementary Remote Party', () => {
    const xml = GCS59.replace('90-B3-D5-1F-30-00-00-02:', '90-B3-D5-1F-30-01-00-00:');
    const { m } = transform(xml, rtdsContext({ acbCounter: 5000n }));
    assert.equal(m.originator, ACB);
    assert.equal(m.originatorCounter, 5000n);
    assert.equal(m.otherInfo.supplementaryRemotePartyId, null);
  });

  it('an error response and other messages make no backup', () => {
    const { parts, writes } = backupsFrom(
      '8.9_CCS07/CCS07_8.9_ERROR_RESPONSE_GBCS.HEX',
      '8.9_CCS07/CCS07_8.9_SUCCESS_COMMAND_GBCS.HEX',
      '8.12.2_GCS59/GCS59_8.12.2_SUCCESS_RESPONSE_GBCS.HEX',
    );
    assert.deepEqual(parts, [[], [], []]);
    assert.equal(writes.length, 0);
  });

  it('refused, typed: no backup, an old device of another type, an unknown old device', () => {
    const none = { ...rtdsContext(), deviceLogBackupOf: () => undefined };
    assert.throws(() => transform(CCS03, none), DspBodyInvalidError);
    assert.throws(() => transform(GCS59, none), DspBodyInvalidError);
    assert.throws(
      () => transform(CCS03.replace('00-DB-12-34-56-78-90-95', '00-DB-12-34-56-78-90-A3'), rtdsContext()),
      DspBodyInvalidError,
    );
    const e = (() => {
      try {
        transform(GCS59.replace('00-DB-12-34-56-78-90-B3', '00-DB-12-34-56-78-90-EE'), rtdsContext());
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof DspUnknownDeviceError);
    assert.equal(e.responseCode, 'E19', 'any device the request names (BODY_REFUSALS)');
  });
});
