import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AlcsScript, decodeAlcsScript, encodeAlcsScript } from './alcs-scripts.ts';

describe('ALCS state script ids', () => {
  it('encodes the RTDS ids (ECS47 activate switch 1, ECS47a / ECS46d controller 1)', () => {
    assert.equal(encodeAlcsScript({ kind: 'switch', n: 1, action: 'activate' }), 0x0111);
    // the ALCS schedule entries of the RTDS ECS61a response (what ECS46c writes)
    assert.equal(encodeAlcsScript({ kind: 'scheduledSwitch', n: 1, action: 'activate' }), 257);
    assert.equal(encodeAlcsScript({ kind: 'scheduledSwitch', n: 1, action: 'deactivate' }), 258);
    assert.equal(encodeAlcsScript({ kind: 'scheduledSwitch', n: 2, action: 'activate' }), 513);
    assert.equal(encodeAlcsScript({ kind: 'scheduledSwitch', n: 2, action: 'deactivate' }), 514);
    const c = (level: number, input: boolean, scheduled: boolean): AlcsScript => ({
      kind: 'controller',
      n: 1,
      level,
      input,
      scheduled,
    });
    assert.equal(encodeAlcsScript(c(100, false, false)), 0x1164);
    assert.equal(encodeAlcsScript(c(0, true, true)), 0x2180);
    assert.equal(encodeAlcsScript(c(50, false, true)), 0x11b2);
  });

  it('every script round-trips; deactivate and reset of each switch are distinct', () => {
    const ids = new Set<number>();
    for (let n = 1; n <= 5; n++) {
      for (const action of ['activate', 'deactivate', 'reset'] as const) {
        const s: AlcsScript = { kind: 'switch', n, action };
        const id = encodeAlcsScript(s);
        assert.deepEqual(decodeAlcsScript(id), s);
        ids.add(id);
      }
      for (const action of ['activate', 'deactivate'] as const) {
        const s: AlcsScript = { kind: 'scheduledSwitch', n, action };
        const id = encodeAlcsScript(s);
        assert.deepEqual(decodeAlcsScript(id), s);
        ids.add(id);
      }
      for (const level of [0, 1, 50, 99, 100])
        for (const input of [false, true])
          for (const scheduled of [false, true]) {
            const s: AlcsScript = { kind: 'controller', n, level, input, scheduled };
            const id = encodeAlcsScript(s);
            assert.deepEqual(decodeAlcsScript(id), s);
            ids.add(id);
          }
    }
    assert.equal(ids.size, 5 * 3 + 5 * 2 + 5 * 5 * 2 * 2);
  });

  it('anything else is no script of the table', () => {
    for (const id of [0, 0x0011, 0x0611, 0x0113, 0x0103, 0x0001, 0x1065, 0x3164, 0x10000, -1, 1.5])
      assert.equal(decodeAlcsScript(id), undefined, String(id));
    assert.throws(() => encodeAlcsScript({ kind: 'switch', n: 6, action: 'reset' }), RangeError);
    assert.throws(
      () => encodeAlcsScript({ kind: 'controller', n: 1, level: 101, input: false, scheduled: false }),
      RangeError,
    );
  });
});
