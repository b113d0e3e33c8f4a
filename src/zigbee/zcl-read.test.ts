import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZigbeeError } from './errors.ts';
import {
  decodeReadAttributes,
  decodeReadAttributesResponse,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  ZCL_STATUS_UNSUPPORTED_ATTRIBUTE,
  ZCL_TYPE,
} from './zcl-read.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ZCL Read Attributes', () => {
  it('encodes the request as ZCL 2.5.1 bytes', () => {
    const b = encodeReadAttributes({ transactionSequenceNumber: 0x2a, attributeIds: [0x0001, 0x0203] });
    // global, c2s, disable default response (0x10); TSN; command 0x00; ids LE
    assert.equal(hex(b), '102a0001000302');
    assert.deepEqual(decodeReadAttributes(b), { transactionSequenceNumber: 0x2a, attributeIds: [1, 0x0203] });
  });

  it('encodes a response with int32, uint48 and an unsupported attribute', () => {
    const b = encodeReadAttributesResponse({
      transactionSequenceNumber: 7,
      records: [
        { attributeId: 0x0001, status: 0, dataType: ZCL_TYPE.int32, value: -2 },
        { attributeId: 0x0000, status: 0, dataType: ZCL_TYPE.uint48, value: 0x010203040506 },
        { attributeId: 0x0009, status: ZCL_STATUS_UNSUPPORTED_ATTRIBUTE },
      ],
    });
    // s2c + disable default response = 0x18; command 0x01
    assert.equal(hex(b), '1807010100002bfeffffff000000250605040302010900' + '86');
    const d = decodeReadAttributesResponse(b);
    assert.equal(d.transactionSequenceNumber, 7);
    assert.deepEqual(d.records, [
      { attributeId: 1, status: 0, dataType: 0x2b, value: -2 },
      { attributeId: 0, status: 0, dataType: 0x25, value: 0x010203040506 },
      { attributeId: 9, status: 0x86 },
    ]);
  });

  it('refuses bad frames with typed errors', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof ZigbeeError, String(e));
        return e.code;
      }
      assert.fail('no error');
    };
    assert.equal(
      codeOf(() => decodeReadAttributes(Uint8Array.from([0x10, 1, 0x00, 0x01]))),
      'ZIGBEE_MALFORMED',
    );
    assert.equal(
      codeOf(() => decodeReadAttributes(Uint8Array.from([0x10, 1, 0x01, 0x01, 0x00]))),
      'ZIGBEE_MALFORMED',
    );
    // truncated int32 value
    assert.equal(
      codeOf(() => decodeReadAttributesResponse(Uint8Array.from([0x18, 1, 1, 1, 0, 0, 0x2b, 1, 2]))),
      'ZIGBEE_TRUNCATED',
    );
    // a data type this codec cannot size
    assert.equal(
      codeOf(() => decodeReadAttributesResponse(Uint8Array.from([0x18, 1, 1, 1, 0, 0, 0x42, 1, 0x41]))),
      'ZIGBEE_UNSUPPORTED',
    );
    // a request where a response is expected (direction c2s)
    assert.equal(
      codeOf(() => decodeReadAttributesResponse(Uint8Array.from([0x10, 1, 1, 1, 0, 0x86]))),
      'ZIGBEE_MALFORMED',
    );
    assert.throws(
      () =>
        encodeReadAttributesResponse({
          transactionSequenceNumber: 0,
          records: [{ attributeId: 1, status: 0, dataType: ZCL_TYPE.int32, value: 2 ** 31 }],
        }),
      RangeError,
    );
  });
});
