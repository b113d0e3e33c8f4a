import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZigbeeMalformedError, ZigbeeUnsupportedError } from './errors.ts';
import { decodeZclHeader } from './zcl.ts';
import { decodeOnOffCommand, encodeOnOffCommand } from './zcl-onoff.ts';

describe('ZCL On/Off cluster: On and Off', () => {
  it('encodes the 3-byte cluster command frames and decodes them back', () => {
    assert.deepEqual([...encodeOnOffCommand({ transactionSequenceNumber: 7, on: true })], [0x01, 7, 0x01]);
    assert.deepEqual([...encodeOnOffCommand({ transactionSequenceNumber: 8, on: false })], [0x01, 8, 0x00]);
    for (const on of [true, false])
      for (const tsn of [0, 1, 255])
        assert.deepEqual(decodeOnOffCommand(encodeOnOffCommand({ transactionSequenceNumber: tsn, on })), {
          transactionSequenceNumber: tsn,
          on,
        });
    assert.equal(
      decodeZclHeader(encodeOnOffCommand({ transactionSequenceNumber: 1, on: true })).value
        .disableDefaultResponse,
      false,
    );
  });

  it('refuses Toggle, a payload, a global frame, the server-to-client direction and a truncated frame', () => {
    assert.throws(() => decodeOnOffCommand(Uint8Array.of(0x01, 1, 0x02)), ZigbeeUnsupportedError);
    assert.throws(() => decodeOnOffCommand(Uint8Array.of(0x01, 1, 0x01, 0x00)), ZigbeeMalformedError);
    assert.throws(() => decodeOnOffCommand(Uint8Array.of(0x00, 1, 0x01)), ZigbeeMalformedError);
    assert.throws(() => decodeOnOffCommand(Uint8Array.of(0x09, 1, 0x01)), ZigbeeMalformedError);
    assert.throws(() => decodeOnOffCommand(Uint8Array.of(0x01, 1)));
  });
});
