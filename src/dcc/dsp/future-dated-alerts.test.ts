/**
 * 8F66 / 8F67 alerts: the command each RTDS future-dated alert reports
 * (Originator Counter, Message Code where the payload carries it) and its
 * instruction number of the command's instructions (PROVISIONAL rule,
 * future-dated-alerts.ts), for every format (DLMS, GBZ, ASN.1 firmware and
 * credentials); any other alert is not one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import {
  futureDatedAlertNode,
  futureDatedReference,
  readFutureDatedAlertNode,
  srvOfMessageCode,
} from './future-dated-alerts.ts';

const ALERTS = rtdsMessages().filter((m) => /_8F6[67]_/.test(m.file));

// file -> [command counter, command Message Code (DLMS/GBZ), instruction, of]
const EXPECTED: Record<string, [bigint, number | undefined, number, number]> = {
  'ECS01c_1.1.2_8F66_FUTURE_DATED_SUCCESS_ALERT_SWITCHING_TABLE_GBCS.HEX': [1003n, 0x00b7, 1, 3],
  'ECS01c_1.1.2_8F66_FUTURE_DATED_SUCCESS_ALERT_PRICE_MATRIX_GBCS.HEX': [1003n, 0x00b7, 2, 3],
  'ECS01c_1.1.2_8F66_FUTURE_DATED_SUCCESS_ALERT_SPECIAL_DAYS_GBCS.HEX': [1003n, 0x00b7, 3, 3],
  'ECS01b_1.2.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_PRICE_MATRIX_GBCS.HEX': [1005n, 0x00a2, 2, 2],
  'ECS01b_1.2.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_STANDING_CHARGE_GBCS.HEX': [1005n, 0x00a2, 1, 2],
  'GCS01b_1.2.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_TARIFF_INFORMATION_GBCS.HEX': [
    1002n,
    0x00a3,
    1,
    2,
  ],
  'GCS01b_1.2.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_PUBLISH_PRICE_MATRIX_GBCS.HEX': [1002n, 0x00a3, 2, 2],
  'GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX': [1005n, 0x006d, 1, 1],
  'CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX': [1001n, undefined, 1, 1],
  'CS06_11.3_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX': [1004n, undefined, 1, 1],
  'CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX': [1001n, undefined, 1, 1],
  'CS02bSupplierBySupplier_6.15.1_8F67_FUTURE_DATED_ERROR_ALERT_GBCS.HEX': [1004n, undefined, 1, 1],
};

describe('future-dated alerts (8F66 / 8F67): the command they report', () => {
  assert.ok(ALERTS.length >= 20, 'the RTDS 8F66/8F67 alerts');
  for (const m of ALERTS)
    it(m.file, () => {
      const msg = decodeMessage(m.bytes);
      const ref = futureDatedReference(msg.messageCode, msg.content);
      assert.ok(ref, 'a future-dated alert');
      assert.equal(ref.alertCode, /_8F66_/.test(m.file) ? 0x8f66 : 0x8f67);
      assert.ok(ref.instructionNumber >= 1 && ref.instructionNumber <= ref.totalInstructions);
      const want = EXPECTED[m.file];
      if (want) {
        assert.equal(ref.commandCounter, want[0]);
        assert.equal(ref.commandMessageCode, want[1]);
        assert.deepEqual([ref.instructionNumber, ref.totalInstructions], [want[2], want[3]]);
      }
      if (ref.commandMessageCode !== undefined) assert.equal(srvOfMessageCode(ref.commandMessageCode), m.srv);
      const back = readFutureDatedAlertNode(futureDatedAlertNode(ref, m.bytes));
      assert.equal(back.alertCode, /_8F66_/.test(m.file) ? '8F66' : '8F67');
      assert.deepEqual(Buffer.from(back.gbcs), Buffer.from(m.bytes));
      assert.equal(back.instructionNumber, ref.instructionNumber);
    });

  it('another alert, or a payload that is not an alert, is not one', () => {
    const other = rtdsMessages().find((m) => m.kind === 'ALERT' && !/_8F6[67]_/.test(m.file))!;
    const msg = decodeMessage(other.bytes);
    assert.equal(futureDatedReference(msg.messageCode, msg.content), undefined);
    assert.equal(futureDatedReference(0x00cc, Uint8Array.of(1, 2, 3)), undefined);
  });
});
