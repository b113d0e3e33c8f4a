import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRequestId, originatorCounterBytes, parseRequestId, sameRequestId } from './request-id.ts';
import { isDccAlertCode } from './response.ts';
import {
  DUIS_RESPONSE_CODES,
  isDuisResponseCode,
  RESPONSE_CODE_MEANINGS,
  responseCodeKind,
  responseCodeServiceReference,
} from './response-codes.ts';
import { serviceRequest } from './service-requests.ts';
import { enumeration } from './xsd-facts.test-support.ts';

describe('DUIS response codes', () => {
  it('are exactly the XSD ResponseCode enumeration, in order', () => {
    assert.deepEqual(
      [...DUIS_RESPONSE_CODES],
      enumeration('ResponseCode').map((e) => e.value),
    );
  });
  it('classify I0, I99, E and W codes', () => {
    assert.equal(responseCodeKind('I0'), 'success');
    assert.equal(responseCodeKind('I99'), 'acknowledgement');
    assert.equal(responseCodeKind('E12'), 'error');
    assert.equal(responseCodeKind('W110101'), 'warning');
    assert.ok(!isDuisResponseCode('E999'));
    for (const c of Object.keys(RESPONSE_CODE_MEANINGS)) assert.ok(isDuisResponseCode(c), c);
  });
  it('SR-specific codes name a Service Reference that exists', () => {
    assert.equal(responseCodeServiceReference('E081301'), '8.13');
    assert.equal(responseCodeServiceReference('E12'), undefined);
    for (const c of DUIS_RESPONSE_CODES) {
      const sr = responseCodeServiceReference(c);
      if (sr === undefined) continue;
      const known =
        serviceRequest(sr) ?? [...Array(10).keys()].map((i) => serviceRequest(`${sr}.${i}`)).find(Boolean);
      assert.ok(known, `${c} -> ${sr}`);
    }
  });
  it('DCC alert codes match the XSD DCCAlertCode enumeration', () => {
    const xsd = new Set([
      'AD1',
      'N999',
      ...Array.from({ length: 65 }, (_, i) => `N${i + 1}`).filter((c) => c !== 'N32'),
    ]);
    for (const c of [...xsd, 'N32', 'N66', 'N0', 'AD2', 'n1']) assert.equal(isDccAlertCode(c), xsd.has(c), c);
  });
});

describe('Request IDs', () => {
  it('parse and format (DUIS form, counter as bigint, GBCS originator counter bytes)', () => {
    const id = parseRequestId('90-b3-d5-1f-30-01-00-00:00-DB-12-34-56-78-90-A0:12884901888');
    assert.deepEqual(id, {
      originator: '90B3D51F30010000',
      target: '00DB1234567890A0',
      counter: 12884901888n,
    });
    assert.equal(formatRequestId(id), '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:12884901888');
    assert.deepEqual([...originatorCounterBytes(id)], [0, 0, 0, 3, 0, 0, 0, 0]);
    assert.ok(sameRequestId(id, { ...id }));
    assert.ok(!sameRequestId(id, { ...id, counter: 1n }));
    assert.throws(() => formatRequestId({ ...id, counter: -1n }));
    assert.throws(() => formatRequestId({ ...id, counter: 2n ** 64n }));
  });
});
