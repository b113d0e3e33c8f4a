import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../runtime/errors.ts';
import { defaultWanMix, estateEui, formatWanMix, parseWanMix, planEstate, planFingerprint } from './plan.ts';

describe('estate plan', () => {
  it('Entity IDs mirror the RTDS estate per home (A0 ESME ... A4 PPMID)', () => {
    assert.equal(estateEui(0, 0), '00DB12345A000000');
    assert.equal(estateEui(0, 4), '00DB12345A000004');
    assert.equal(estateEui(0x12345, 2), '00DB12345A123452');
    assert.throws(() => estateEui(1 << 20, 0), ConfigError);
  });

  it('parses counts and shares; refuses what does not add up', () => {
    assert.deepEqual(parseWanMix('reliable=17,intermittent=2,none=1', 20), {
      reliable: 17,
      intermittent: 2,
      none: 1,
    });
    assert.deepEqual(parseWanMix('always=3, absent=1', 4), { reliable: 3, intermittent: 0, none: 1 });
    assert.deepEqual(parseWanMix('reliable=0.9,intermittent=0.05,none=0.05', 100), {
      reliable: 90,
      intermittent: 5,
      none: 5,
    });
    assert.throws(() => parseWanMix('reliable=3', 4), /add up to 3 homes/);
    assert.throws(() => parseWanMix('wifi=3', 3), /not one of/);
    assert.throws(() => parseWanMix('reliable=0.5,none=0.2', 10), /add up to 0.7/);
    assert.throws(() => parseWanMix('', 1), /empty/);
  });

  it('default mix: one home without WAN and about 10 % intermittent', () => {
    assert.equal(formatWanMix(defaultWanMix(20)), 'reliable=17,intermittent=2,none=1');
    assert.equal(formatWanMix(defaultWanMix(2)), 'reliable=2,intermittent=0,none=0');
  });

  it('is a pure function of (homes, mix, seed); home 0 is reliable', () => {
    const a = planEstate({ homes: 50, seed: 's' });
    const b = planEstate({ homes: 50, seed: 's' });
    const c = planEstate({ homes: 50, seed: 't' });
    assert.deepEqual(a, b);
    assert.equal(planFingerprint(a), planFingerprint(b));
    assert.notEqual(planFingerprint(a), planFingerprint(c));
    assert.equal(a.homes[0].wanClass, 'reliable');
    const count = (cls: string) => a.homes.filter((h) => h.wanClass === cls).length;
    assert.deepEqual([count('reliable'), count('intermittent'), count('none')], [44, 5, 1]);
    assert.equal(new Set(a.homes.flatMap((h) => [h.esme, h.gsme, h.chf, h.gpf, h.ppmid])).size, 250);
    assert.equal(a.homes[7].premisesId, 'home-0007');
    assert.equal(a.homes[1].installCodes.ppmid.length, 16);
  });
});
