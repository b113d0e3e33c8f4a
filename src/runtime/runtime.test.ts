import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { euiToDuis, fromHex, normaliseEui, toHex, u64be } from './bytes.ts';
import { configureLogging, Logger, type LogRecord } from './logger.ts';
import { BoundedQueue, Metrics } from './metrics.ts';
import { SeededRandom } from './random.ts';

describe('SeededRandom', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new SeededRandom('x');
    const b = new SeededRandom('x');
    const c = new SeededRandom('y');
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    assert.deepEqual(
      sa,
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    assert.notDeepEqual(
      sa,
      Array.from({ length: 5 }, () => c.nextUint32()),
    );
  });
  it('forks stable independent streams', () => {
    const r = new SeededRandom(7);
    const f1 = r.fork('home-1').next();
    r.next();
    assert.equal(new SeededRandom(7).fork('home-1').next(), f1);
  });
  it('stays in range', () => {
    const r = new SeededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(10);
      assert.ok(v >= 0 && v < 10);
      assert.ok(r.exponential(5) >= 0);
    }
    assert.throws(() => r.int(0), RangeError);
  });
});

describe('Logger', () => {
  it('filters per facility with longest-prefix levels and uses the injected clock', () => {
    const seen: LogRecord[] = [];
    configureLogging({ spec: 'warn,chf=debug,chf:tunnel=error', sink: (r) => seen.push(r) });
    Logger.get('chf').debug('kept');
    Logger.get('chf:tunnel').warn('dropped');
    Logger.get('chf:tunnel').error('kept too');
    Logger.get('dsp').info('dropped');
    Logger.withClock('esme', () => 42).warn('stamped', { a: 1 });
    assert.deepEqual(
      seen.map((r) => r.msg),
      ['kept', 'kept too', 'stamped'],
    );
    assert.equal(seen[2].time, 42);
    configureLogging({ spec: 'silent' });
  });
});

describe('BoundedQueue', () => {
  it('refuses beyond capacity, counts drops and keeps a high-water mark', () => {
    const m = new Metrics();
    const q = new BoundedQueue<number>('uplink', 2, m);
    assert.equal(q.offer(1), true);
    assert.equal(q.offer(2), true);
    assert.equal(q.offer(3), false);
    assert.throws(() => q.push(4), /full/);
    assert.equal(q.shift(), 1);
    assert.equal(q.size, 1);
    const s = m.snapshot();
    assert.equal(s.counters['uplink.dropped'], 2);
    assert.equal(s.gauges['uplink.depth'].highWater, 2);
    assert.deepEqual(
      q.removeWhere((x) => x === 2),
      [2],
    );
    assert.equal(q.size, 0);
  });
});

describe('bytes', () => {
  it('round-trips hex and EUIs', () => {
    assert.equal(toHex(fromHex('00db 12:34')), '00DB1234');
    assert.throws(() => fromHex('abc'), RangeError);
    assert.equal(normaliseEui('00-db-12-34-56-78-90-a0'), '00DB1234567890A0');
    assert.equal(euiToDuis('00DB1234567890A0'), '00-DB-12-34-56-78-90-A0');
    assert.equal(toHex(u64be(12884901888n)), '0000000300000000');
  });
  it('writes upper-case hex of every length and of a view into a larger buffer (every length goes through the same scratch buffer)', () => {
    const r = new SeededRandom('to-hex');
    const all = Uint8Array.from({ length: 300 }, () => r.nextUint32() & 0xff);
    const ref = (b: Uint8Array) =>
      Array.from(b, (x) => x.toString(16).padStart(2, '0').toUpperCase()).join('');
    for (let len = 0; len <= 80; len++)
      for (const off of [0, 1, 7]) {
        const view = all.subarray(off, off + len);
        assert.equal(toHex(view), ref(view), `${len} bytes at ${off}`);
      }
    assert.equal(toHex(all), ref(all));
    assert.equal(toHex(Buffer.from([0xde, 0xad, 0xbe, 0xef])), 'DEADBEEF');
  });

  it('writes every byte value, a view inside a larger buffer and long inputs as upper-case hex', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(toHex(all), Buffer.from(all).toString('hex').toUpperCase());
    assert.equal(toHex(all.subarray(250, 253)), 'FAFBFC');
    assert.equal(toHex(new Uint8Array(0)), '');
    const long = Uint8Array.from({ length: 5000 }, (_, i) => (i * 37) & 0xff);
    assert.equal(toHex(long), Buffer.from(long).toString('hex').toUpperCase());
    // a short one after a long one reads only its own digits
    assert.equal(toHex(Uint8Array.of(0x0a)), '0A');
  });
});
