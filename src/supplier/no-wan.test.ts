/**
 * no-wan.ts (SECMP0038 3.1.1, DSP-3, decision C8): the route of an 8.1.1
 * Commission Device, the policy-opened Command Variants and the 8.1.1 body.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDuisRequest, signedPreCommandBody, synchroniseClock } from '../duis/index.ts';
import { bodyOfOrder, srvOfOrder } from './model.ts';
import { COMMISSION_TOLERANCE_S, commissionRoute, policyOpenedCv } from './no-wan.ts';

describe('commissionRoute (decision C8)', () => {
  it('a premises installed without WAN with a relay-enabled PPMID: CV 4 then 6 through the PPMID', () => {
    const r = commissionRoute({ wanClass: 'none', hasEnhancedPpmid: true });
    assert.equal(r.route, 'ppmid');
    assert.deepEqual(r.commandVariants, [4, 6]);
    assert.equal(r.critical, true);
    assert.deepEqual(commissionRoute({ wanClass: 'none', hasEnhancedPpmid: true, forced: 'ppmid' }), r);
  });
  it('otherwise the catalogue route over the WAN (CV 4 then 5)', () => {
    for (const i of [
      { wanClass: 'none' as const, hasEnhancedPpmid: false },
      { wanClass: 'absent' as const, hasEnhancedPpmid: true },
      { wanClass: 'intermittent' as const, hasEnhancedPpmid: true },
      { wanClass: 'none' as const, hasEnhancedPpmid: true, forced: 'wan' as const },
    ]) {
      const r = commissionRoute(i);
      assert.equal(r.route, 'wan', JSON.stringify(i));
      assert.deepEqual(r.commandVariants, [4, 5]);
    }
  });
  it('a forced local route elsewhere is refused', () => {
    assert.throws(() => commissionRoute({ wanClass: 'absent', hasEnhancedPpmid: true, forced: 'ppmid' }), {
      code: 'SUPPLIER_BAD_REQUEST',
    });
    assert.throws(() => commissionRoute({ wanClass: 'none', hasEnhancedPpmid: true, forced: 'race' }), {
      code: 'SUPPLIER_BAD_REQUEST',
    });
    assert.throws(() => commissionRoute({ wanClass: 'none', hasEnhancedPpmid: false, forced: 'ppmid' }), {
      code: 'SUPPLIER_BAD_REQUEST',
    });
  });
});

describe('the 8.1.1 order', () => {
  it('becomes a CommissionDeviceSynchroniseClock body with its CurrentDateTime and TolerancePeriod', () => {
    const order = { kind: 'commission-device' as const, currentDateTime: '2026-06-01T09:00:00Z' };
    assert.equal(srvOfOrder(order), '8.1.1');
    const body = bodyOfOrder(order);
    assert.equal(body.name, 'CommissionDeviceSynchroniseClock');
    assert.deepEqual(synchroniseClock(body), {
      currentDateTime: new Date('2026-06-01T09:00:00Z'),
      tolerancePeriod: COMMISSION_TOLERANCE_S,
    });
    assert.throws(() => bodyOfOrder({ kind: 'commission-device' }), { code: 'SUPPLIER_STATE' });
    assert.throws(() => bodyOfOrder({ ...order, currentDateTime: 'soon' }), { code: 'SUPPLIER_BAD_REQUEST' });
  });
  it('CV 6/7 of 8.1.1 are built only because a DSP user policy may open them', () => {
    assert.equal(policyOpenedCv('8.1.1', 6), true);
    assert.equal(policyOpenedCv('8.1.1', 7), true);
    assert.equal(policyOpenedCv('8.1.1', 5), false);
    assert.equal(policyOpenedCv('6.11', 6), false);
    const body = signedPreCommandBody({ gbcsPayload: new Uint8Array(16).fill(0xdf) });
    const header = {
      requestId: { originator: '90B3D51F30010000', target: '0001020304050607', counter: 1n << 32n },
      commandVariant: 6 as const,
      serviceReferenceVariant: '8.1.1',
    };
    // the catalogue lists 8.1.1 as CV 4/5 only
    assert.throws(() => buildDuisRequest({ header, body }), { code: 'DUIS_COMMAND_VARIANT_NOT_ALLOWED' });
  });
});
