import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { WanError } from './errors.ts';
import type { DownlinkOutcome, SmWanConfig, WanChOptions } from './sm-wan.ts';
import { SmWan } from './sm-wan.ts';

const CHF = '00DB1234567890A2';
const CHF2 = '00DB1234567890B2';
const H = 3_600_000;

function setup(config: Partial<SmWanConfig> = {}, ch: Partial<WanChOptions> = {}, seed: string | number = 1) {
  const clock = new VirtualClock();
  const wan = new SmWan({ clock, random: seed, config: { latency: { kind: 'fixed', ms: 500 }, ...config } });
  const received: Array<{ at: number; bytes: Uint8Array }> = [];
  const link = wan.addCh({ chf: CHF, ...ch });
  link.attachReceiver((bytes) => received.push({ at: clock.now(), bytes }));
  const outcomes: DownlinkOutcome[] = [];
  wan.onDownlinkOutcome((o) => outcomes.push(o));
  return { clock, wan, link, received, outcomes };
}

const cmd = (n: number) => Uint8Array.from([0xdf, n]);

describe('SmWan availability models (CSP-1)', () => {
  it('intermittent: long-run up share is close to meanUp / (meanUp + meanDown)', () => {
    for (const [up, down] of [
      [4 * H, 2 * H],
      [30 * 60_000, 90 * 60_000],
    ]) {
      const { clock, wan } = setup(
        {},
        { availability: { kind: 'intermittent', meanUpMs: up, meanDownMs: down } },
      );
      clock.advance(4000 * 24 * H);
      const m = wan.chMetrics(CHF);
      const expected = up / (up + down);
      assert.ok(
        Math.abs(m.availabilityShare - expected) < 0.02,
        `share ${m.availabilityShare} vs ${expected} over ${m.transitions} transitions`,
      );
      assert.ok(m.transitions > 1000);
      assert.equal(m.upMs + m.downMs, 4000 * 24 * H);
    }
  });

  it('always: up, every command delivered after the transit time', () => {
    const { clock, wan, received, outcomes } = setup();
    for (let i = 0; i < 5; i++) wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    clock.advance(499);
    assert.equal(received.length, 0);
    clock.advance(1);
    assert.equal(received.length, 5);
    assert.deepEqual(
      received.map((r) => r.bytes[1]),
      [0, 1, 2, 3, 4],
    );
    assert.ok(outcomes.every((o) => o.outcome === 'delivered' && o.attempts === 1 && o.elapsedMs === 500));
    assert.equal(wan.chMetrics(CHF).availabilityShare, 1);
  });

  it('none: never delivers; commands expire at their TTL and are reported', () => {
    const { clock, wan, link, received, outcomes } = setup(
      { downlinkTtlMs: 6 * H },
      { availability: { kind: 'none' } },
    );
    assert.equal(link.isUp(), false);
    assert.equal(link.send(cmd(1)), false, 'the CH cannot send up');
    wan.sendCommand({ requestId: 'a', target: CHF, chf: CHF, gbcs: cmd(1) });
    clock.advance(30 * 24 * H);
    assert.equal(received.length, 0);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].outcome, 'expired');
    assert.equal(outcomes[0].elapsedMs, 6 * H);
    const m = wan.chMetrics(CHF);
    assert.equal(m.availabilityShare, 0);
    assert.equal(m.downlink.expired, 1);
    assert.equal(m.downlink.held, 0);
  });
});

describe('SmWan downlink queue, TTL, loss and retry', () => {
  it('holds commands while the WAN is down, in a bounded queue with counters; flushes in order on up', () => {
    const { clock, wan, received, outcomes } = setup({ downlinkQueueCapacity: 3 });
    wan.backchannel.forceDown(CHF);
    for (let i = 0; i < 5; i++) wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    assert.deepEqual(
      outcomes.map((o) => [o.requestId, o.outcome]),
      [
        ['r3', 'dropped'],
        ['r4', 'dropped'],
      ],
    );
    clock.advance(H);
    assert.equal(received.length, 0);
    wan.backchannel.forceUp(CHF);
    clock.advance(500);
    assert.deepEqual(
      received.map((r) => r.bytes[1]),
      [0, 1, 2],
    );
    const m = wan.chMetrics(CHF);
    assert.equal(m.downlink.heldHighWater, 3);
    assert.equal(m.downlink.dropped, 2);
    assert.equal(m.downlink.delivered, 3);
    assert.equal(m.downlink.endToEnd.maxMs, H + 500);
    assert.equal(wan.metrics.snapshot().counters['wan.down.dropped'], 2);
  });

  it('expires queued commands at the TTL while down (per-message TTL honoured)', () => {
    const { clock, wan, received, outcomes } = setup({ downlinkTtlMs: 2 * H });
    wan.backchannel.forceDown(CHF);
    wan.send({ chf: CHF, gbcs: cmd(1), requestId: 'short', ttlMs: H });
    wan.send({ chf: CHF, gbcs: cmd(2), requestId: 'long' });
    clock.advance(H + 1);
    assert.deepEqual(
      outcomes.map((o) => o.requestId),
      ['short'],
    );
    wan.backchannel.forceUp(CHF);
    clock.advance(1000);
    assert.deepEqual(
      received.map((r) => r.bytes[1]),
      [2],
    );
    assert.deepEqual(
      outcomes.map((o) => `${o.requestId}:${o.outcome}`),
      ['short:expired', 'long:delivered'],
    );
  });

  it('a lost attempt is retried after retryIntervalMs until delivered', () => {
    const { clock, wan, received, outcomes } = setup(
      { lossDown: 0.5, retryIntervalMs: 30_000, downlinkQueueCapacity: 1000 },
      {},
      'loss',
    );
    for (let i = 0; i < 200; i++)
      wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    clock.advance(24 * H);
    assert.equal(received.length, 200);
    assert.deepEqual(
      received.map((r) => r.bytes[1]),
      Array.from({ length: 200 }, (_, i) => i & 0xff),
      'handed over in order despite losses',
    );
    const m = wan.chMetrics(CHF).downlink;
    assert.ok(m.lost > 50 && m.lost < 400, `lost ${m.lost}`);
    assert.equal(m.retried, m.lost);
    assert.equal(m.attempts, 200 + m.lost);
    assert.ok(outcomes.some((o) => o.attempts > 1));
    // every retry costs a retry interval
    const retried = outcomes.find((o) => o.attempts === 3);
    if (retried) assert.ok(retried.elapsedMs >= 2 * 30_000 + 500);
  });

  it('a command that keeps being lost expires at its TTL', () => {
    const { clock, wan, received, outcomes } = setup({
      lossDown: 0.999,
      retryIntervalMs: 60_000,
      downlinkTtlMs: H,
    });
    wan.sendCommand({ requestId: 'x', target: CHF, chf: CHF, gbcs: cmd(1) });
    clock.advance(2 * H);
    assert.equal(received.length, 0);
    assert.equal(outcomes[0].outcome, 'expired');
    assert.ok(outcomes[0].attempts >= 55 && outcomes[0].attempts <= 61, `attempts ${outcomes[0].attempts}`);
  });

  it('an attempt in flight when the WAN drops is lost and retried once the WAN is back', () => {
    const { clock, wan, received, outcomes } = setup({ retryIntervalMs: 10_000 }, {}, 2);
    wan.sendCommand({ requestId: 'x', target: CHF, chf: CHF, gbcs: cmd(7) });
    clock.advance(200);
    wan.backchannel.forceDown(CHF);
    clock.advance(60_000);
    assert.equal(received.length, 0);
    wan.backchannel.forceUp(CHF);
    clock.advance(500);
    assert.equal(received.length, 1);
    assert.equal(outcomes[0].attempts, 2);
    assert.equal(wan.chMetrics(CHF).downlink.lost, 1);
  });

  it('a CH that fails on a message does not stop the WAN', () => {
    const { clock, wan, link, outcomes } = setup();
    let n = 0;
    link.attachReceiver(() => {
      n++;
      if (n === 1) throw new Error('CH bug');
    });
    wan.sendCommand({ requestId: 'a', target: CHF, chf: CHF, gbcs: cmd(1) });
    wan.sendCommand({ requestId: 'b', target: CHF, chf: CHF, gbcs: cmd(2) });
    clock.advance(1000);
    assert.equal(n, 2);
    assert.deepEqual(
      outcomes.map((o) => o.outcome),
      ['delivered', 'delivered'],
    );
    assert.equal(wan.metrics.snapshot().counters['wan.down.receiverFailed'], 1);
  });

  it('a command for a CH not on the WAN is reported unknown-ch at once', () => {
    const { wan, outcomes } = setup();
    wan.sendCommand({ requestId: 'u', target: CHF2, chf: CHF2, gbcs: cmd(1) });
    assert.equal(outcomes[0].outcome, 'unknown-ch');
    assert.equal(wan.metrics.snapshot().counters['wan.down.unknownCh'], 1);
  });

  it('latency models: uniform stays within bounds; statistics are kept', () => {
    const { clock, wan } = setup({
      latency: { kind: 'uniform', minMs: 100, maxMs: 900 },
      downlinkQueueCapacity: 1000,
    });
    for (let i = 0; i < 500; i++)
      wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    clock.advance(H);
    const t = wan.chMetrics(CHF).downlink.transit;
    assert.equal(t.count, 500);
    assert.ok(t.minMs >= 100 && t.maxMs <= 900);
    assert.ok(Math.abs(t.meanMs - 500) < 40, `mean ${t.meanMs}`);
    assert.ok(t.p50Ms > 350 && t.p50Ms < 650);
  });

  it('lognormal latency has the configured median', () => {
    const { clock, wan } = setup({
      latency: { kind: 'lognormal', medianMs: 800, sigma: 0.5 },
      downlinkQueueCapacity: 1000,
    });
    for (let i = 0; i < 1000; i++)
      wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    clock.advance(H);
    const t = wan.chMetrics(CHF).downlink.transit;
    assert.equal(t.count, 1000);
    assert.ok(Math.abs(t.p50Ms - 800) < 80, `p50 ${t.p50Ms}`);
  });

  it('rejects bad configuration with typed errors', () => {
    const clock = new VirtualClock();
    assert.throws(() => new SmWan({ clock, config: { lossDown: 1 } }), WanError);
    assert.throws(
      () => new SmWan({ clock, config: { latency: { kind: 'uniform', minMs: 5, maxMs: 1 } } }),
      (e: unknown) => e instanceof WanError && e.code === 'WAN_CONFIG',
    );
    const wan = new SmWan({ clock });
    wan.addCh({ chf: CHF });
    assert.throws(
      () => wan.addCh({ chf: CHF.toLowerCase() }),
      (e: unknown) => (e as WanError).code === 'WAN_DUPLICATE_CH',
    );
    assert.throws(
      () => wan.backchannel.forceDown(CHF2),
      (e: unknown) => (e as WanError).code === 'WAN_UNKNOWN_CH',
    );
    assert.throws(
      () => wan.addCh({ chf: CHF2, availability: { kind: 'intermittent', meanUpMs: 0, meanDownMs: 1 } }),
      WanError,
    );
  });
});

describe('SmWan backchannel and the CH side (ChWanPort)', () => {
  it('notifies state changes; send returns false while down', () => {
    const { wan, link } = setup();
    const states: boolean[] = [];
    link.onStateChange((up) => states.push(up));
    assert.equal(link.send(cmd(1)), true);
    wan.backchannel.forceDown(CHF);
    assert.equal(link.send(cmd(2)), false);
    wan.backchannel.forceDown(CHF);
    wan.backchannel.forceUp(CHF);
    wan.backchannel.release(CHF);
    wan.backchannel.setClass(CHF, 'none');
    wan.backchannel.setClass(CHF, 'always');
    assert.deepEqual(states, [false, true, false, true]);
    assert.equal(wan.metrics.snapshot().counters['wan.up.refusedDown'], 1);
  });

  it('a forced state holds while the model keeps changing underneath', () => {
    const { clock, wan, link } = setup(
      {},
      { availability: { kind: 'intermittent', meanUpMs: H, meanDownMs: H } },
    );
    wan.backchannel.forceUp(CHF);
    const states: boolean[] = [];
    link.onStateChange((up) => states.push(up));
    clock.advance(100 * H);
    assert.deepEqual(states, []);
    wan.backchannel.release(CHF);
    clock.advance(100 * H);
    assert.ok(states.length > 10);
  });

  it('the modem refuses uplink beyond its capacity (the CH keeps it in its own buffer)', () => {
    const { wan, link } = setup({ uplinkQueueCapacity: 2 });
    assert.equal(link.send(cmd(1)), true);
    assert.equal(link.send(cmd(2)), true);
    assert.equal(link.send(cmd(3)), false);
    assert.equal(wan.chMetrics(CHF).uplink.dropped, 1);
    assert.equal(wan.chMetrics(CHF).uplink.heldHighWater, 2);
  });
});

describe('SmWan determinism', () => {
  function trace(seed: string | number): string {
    const { clock, wan, received, outcomes } = setup(
      { lossDown: 0.2, latency: { kind: 'shifted-exponential', minMs: 200, meanExtraMs: 800 } },
      { availability: { kind: 'intermittent', meanUpMs: 2 * H, meanDownMs: H } },
      seed,
    );
    for (let i = 0; i < 100; i++) {
      clock.advance(7 * 60_000);
      wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    }
    clock.advance(48 * H);
    return JSON.stringify([
      received.map((r) => r.at),
      outcomes.map((o) => [o.requestId, o.outcome, o.at, o.attempts]),
      wan.chMetrics(CHF),
    ]);
  }
  it('the same seed gives the same run; another seed another run', () => {
    assert.equal(trace('s1'), trace('s1'));
    assert.notEqual(trace('s1'), trace('s2'));
  });

  it("a CH's availability does not depend on which other CHs exist", () => {
    const run = (others: number) => {
      const clock = new VirtualClock();
      const wan = new SmWan({ clock, random: 'x' });
      for (let i = 0; i < others; i++)
        wan.addCh({
          chf: `00DB0000000000${i.toString(16).padStart(2, '0')}`,
          availability: { kind: 'intermittent', meanUpMs: H, meanDownMs: H },
        });
      const link = wan.addCh({
        chf: CHF,
        availability: { kind: 'intermittent', meanUpMs: H, meanDownMs: H },
      });
      const changes: number[] = [];
      link.onStateChange(() => changes.push(clock.now()));
      clock.advance(100 * H);
      return changes;
    };
    assert.deepEqual(run(0), run(5));
  });
});
