import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allAttributes,
  attributeOverlay,
  getAttribute,
  hasAttribute,
  mutableAttribute,
  setAttribute,
} from './attribute-store.ts';
import { RTDS_ESME_ATTRIBUTES } from './rtds-attributes.ts';
import { defaultEsmeState } from './state.ts';

const PROFILE = 'averageRmsVoltageProfile.buffer';

describe('ESME attribute store (copy on write over the RTDS table)', () => {
  it('a new meter holds the RTDS attributes and no copy of them', () => {
    const s = defaultEsmeState();
    assert.deepEqual(s.attributes, {});
    for (const [k, v] of Object.entries(RTDS_ESME_ATTRIBUTES)) {
      assert.ok(hasAttribute(s, k), k);
      assert.deepEqual(getAttribute(s, k), v, k);
    }
    assert.equal(getAttribute(s, 'no.suchAttribute'), undefined);
    assert.equal(hasAttribute(s, 'no.suchAttribute'), false);
    assert.deepEqual(allAttributes(s), { ...RTDS_ESME_ATTRIBUTES });
  });

  it('a write is read back by that meter only; the other meters keep the RTDS value', () => {
    const a = defaultEsmeState();
    const b = defaultEsmeState();
    setAttribute(a, 'rmsVoltageSagCount.value', 5);
    setAttribute(a, 'new.member', { x: 1 });
    assert.equal(getAttribute(a, 'rmsVoltageSagCount.value'), 5);
    assert.deepEqual(getAttribute(a, 'new.member'), { x: 1 });
    assert.equal(
      getAttribute(b, 'rmsVoltageSagCount.value'),
      RTDS_ESME_ATTRIBUTES['rmsVoltageSagCount.value'],
    );
    assert.equal(hasAttribute(b, 'new.member'), false);
    assert.deepEqual(Object.keys(a.attributes).sort(), ['new.member', 'rmsVoltageSagCount.value']);
  });

  it('the shared table cannot be changed in place; mutableAttribute gives the meter its own copy', () => {
    const a = defaultEsmeState();
    const b = defaultEsmeState();
    const shared = getAttribute(a, PROFILE) as unknown[];
    assert.throws(() => shared.push({ time: 1, averageRmsVoltage: 1 }), TypeError);
    const own = mutableAttribute(a, PROFILE) as unknown[];
    const n = own.length;
    own.push({ time: 1, averageRmsVoltage: 1 });
    assert.equal((getAttribute(a, PROFILE) as unknown[]).length, n + 1);
    assert.equal((getAttribute(b, PROFILE) as unknown[]).length, n);
    assert.equal(mutableAttribute(a, PROFILE), own, 'copied once');
    assert.equal(mutableAttribute(a, 'no.suchAttribute'), undefined);
  });

  it('a stored full table (before copy on write) becomes the overlay of what differs', () => {
    const full = structuredClone(RTDS_ESME_ATTRIBUTES) as Record<string, unknown>;
    full['rmsVoltageSwellCount.value'] = 1;
    full['extra.member'] = 'x';
    assert.deepEqual(attributeOverlay(full), { 'rmsVoltageSwellCount.value': 1, 'extra.member': 'x' });
    assert.deepEqual(attributeOverlay(undefined), {});
  });
});
