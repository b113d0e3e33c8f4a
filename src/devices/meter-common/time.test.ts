/**
 * The meters' time status (SECMP0038 3.1.1): a meter takes UTC and its time
 * status from the CH (`syncWithNetworkTime`, pure), through the CH's WAN
 * being lost, regained, and a Set CH Time accepted or refused (ch-time.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { ChClock, DEFAULT_CH_TIME_CONFIG } from '../chf/ch-time.ts';
import { syncWithNetworkTime } from './time.ts';

const T0 = Date.UTC(2026, 0, 1);
const H = 3_600_000;

describe('syncWithNetworkTime (pure)', () => {
  it('a Reliable CH time is adopted (offset and status)', () =>
    assert.deepEqual(
      syncWithNetworkTime({ offsetMs: -5 * H }, { time: T0 + 2_000, status: 'reliable' }, T0),
      {
        offsetMs: 2_000,
        status: 'reliable',
      },
    ));
  it('an Unreliable CH time is not: the meter keeps its own clock, Unreliable', () =>
    assert.deepEqual(syncWithNetworkTime({ offsetMs: -5 * H }, { time: T0, status: 'unreliable' }, T0), {
      offsetMs: -5 * H,
      status: 'unreliable',
    }));
});

describe('a meter following its CH: WAN lost, regained, Set CH Time accepted / refused', () => {
  const clock = new VirtualClock(T0);
  const wan = { up: true, isUp: () => wan.up };
  const ch = new ChClock(clock, wan, DEFAULT_CH_TIME_CONFIG, -5 * H);
  let meter = { offsetMs: -7 * H, status: 'unreliable' as 'reliable' | 'unreliable' };
  const follow = () => {
    meter = syncWithNetworkTime(meter, { time: ch.now(), status: ch.status() }, clock.now());
    return meter.status;
  };

  it('WAN up: Reliable on the WAN time', () => {
    assert.equal(follow(), 'reliable');
    assert.equal(meter.offsetMs, 0);
  });
  it('WAN lost: Reliable through the holdover, then Unreliable and the meter keeps its last time', () => {
    wan.up = false;
    ch.syncFromWan();
    clock.advance(DEFAULT_CH_TIME_CONFIG.timeHoldoverMs);
    assert.equal(follow(), 'reliable');
    clock.advance(1);
    assert.equal(follow(), 'unreliable');
    assert.equal(meter.offsetMs, 0, 'its own clock, last set from the CH');
  });
  it('a refused Set CH Time (validity too long) changes nothing: still Unreliable', () => {
    const preset = clock.now();
    assert.equal(ch.applyTimeCommand({ preset, validFrom: preset, validTo: preset + 2 * H }), 'malformed');
    assert.equal(follow(), 'unreliable');
  });
  it('an accepted Set CH Time: Reliable on its preset', () => {
    const preset = clock.now() + 1_500;
    assert.equal(ch.applyTimeCommand({ preset, validFrom: preset - 60_000, validTo: preset + 60_000 }), null);
    assert.equal(follow(), 'reliable');
    assert.equal(meter.offsetMs, 1_500);
  });
  it('WAN regained: Reliable on the WAN time again', () => {
    clock.advance(3 * DEFAULT_CH_TIME_CONFIG.timeHoldoverMs);
    assert.equal(follow(), 'unreliable');
    wan.up = true;
    assert.equal(follow(), 'reliable');
    assert.equal(meter.offsetMs, 0);
  });
});
