import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../../runtime/bytes.ts';
import {
  cosemCommandDateTime,
  cosemExecutionDateTime,
  DUIS_CANCELLATION_DATE_TIME,
  executionOf,
  GENERALIZED_TIME_CANCEL,
  generalizedTime,
  zigbeeExecutionTime,
  zigbeeUtcTime,
} from './encoding.ts';
import { DspBodyInvalidError } from './errors.ts';

describe('DSP transform encodings (values from the RTDS payloads)', () => {
  it('DUIS ExecutionDateTime: absent = immediate, 3000-12-31T00:00:00Z = cancel, else a date', () => {
    assert.equal(executionOf(undefined).kind, 'immediate');
    assert.equal(executionOf(new Date(DUIS_CANCELLATION_DATE_TIME)).kind, 'cancel');
    assert.equal(executionOf(new Date('3000-12-31T00:00:00.001Z')).kind, 'at');
  });

  it('COSEM command date-time: UTC, day of week and deviation unspecified (RTDS ECS70)', () => {
    assert.equal(toHex(cosemCommandDateTime(new Date('2014-12-31T23:59:10Z'))), '07DE0C1FFF173B0A008000FF');
    assert.equal(
      toHex(cosemCommandDateTime(new Date('2015-01-01T00:00:10.57Z'))),
      '07DF0101FF00000A398000FF',
    );
    assert.throws(() => cosemCommandDateTime(new Date(Number.NaN)), DspBodyInvalidError);
  });

  it('COSEM execution date-time: immediate zeros, cancellation FFs (RTDS ECS02/ECS03)', () => {
    assert.equal(toHex(cosemExecutionDateTime(executionOf(undefined))), '0000000000000000008000FF');
    assert.equal(
      toHex(cosemExecutionDateTime(executionOf(new Date(DUIS_CANCELLATION_DATE_TIME)))),
      'FFFFFFFFFFFFFFFFFF8000FF',
    );
    assert.equal(
      toHex(cosemExecutionDateTime(executionOf(new Date('2030-01-15T09:00:00Z')))),
      '07EE010FFF090000008000FF',
    );
  });

  it('ZigBee UTCTime: seconds since 2000 (RTDS Issuer Event ID 0x1C374A80 = 2015-01-01)', () => {
    assert.equal(zigbeeUtcTime(new Date('2015-01-01T00:00:00Z')), 0x1c374a80);
    assert.equal(zigbeeExecutionTime(executionOf(undefined)), 0);
    assert.equal(zigbeeExecutionTime(executionOf(new Date(DUIS_CANCELLATION_DATE_TIME))), 0xffffffff);
    assert.equal(zigbeeExecutionTime(executionOf(new Date('2030-01-15T00:00:00Z'))), 0x38810a00);
    assert.throws(() => zigbeeUtcTime(new Date('1999-12-31T23:59:59Z')), DspBodyInvalidError);
    assert.throws(() => zigbeeUtcTime(new Date('2200-01-01T00:00:00Z')), DspBodyInvalidError);
  });

  it('GeneralizedTime, seconds precision (RTDS GCS28, CS06)', () => {
    assert.equal(generalizedTime(new Date('2030-01-15T09:00:00.999Z')), '20300115090000Z');
    assert.equal(GENERALIZED_TIME_CANCEL, '99991231235959Z');
    assert.throws(() => generalizedTime(new Date('+010000-01-01T00:00:00Z')), DspBodyInvalidError);
  });
});
