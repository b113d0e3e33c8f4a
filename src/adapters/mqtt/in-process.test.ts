/**
 * InProcessInternet behaviour that only virtual time can pin down exactly:
 * hop latencies, session expiry, bounded offline queues, takeover,
 * determinism. (Shared semantics with the MQTT adapter: test/integration/internet-conformance.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { InProcessInternet, settleVirtual } from './in-process.ts';
import type { InternetMessage } from './link.ts';
import { inboxTopic, presenceTopic, statusTopic, supplierClientId } from './topics.ts';

const P = '00DB1234567890A0';
const S = supplierClientId('90B3D51F30010000');
const T0 = Date.UTC(2026, 0, 1);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (m: InternetMessage) => new TextDecoder().decode(m.payload);

function setup(opts: Partial<ConstructorParameters<typeof InProcessInternet>[0]> = {}) {
  const clock = new VirtualClock(T0);
  const net = new InProcessInternet({ clock, latencyMs: 40, ...opts });
  return { clock, net };
}

describe('InProcessInternet (virtual time)', () => {
  it('each hop takes latencyMs: delivery at +2L, PUBACK at +2L, subscriber ack reaches the broker at +3L', async () => {
    const { clock, net } = setup();
    const seen: number[] = [];
    await net.connect(P, {
      presence: false,
      handlers: [{ filter: inboxTopic(P), handler: () => void seen.push(clock.now() - T0) }],
    });
    const s = await net.connect(S);
    let acked = -1;
    s.publish(inboxTopic(P), bytes('x')).then(() => {
      acked = clock.now() - T0;
    });
    await settleVirtual(clock, { until: () => seen.length === 1 && acked >= 0 });
    assert.deepEqual(seen, [80]);
    assert.equal(acked, 80);
    assert.equal(net.session(P)?.inflight, 1); // the subscriber's PUBACK is still on the way
    await settleVirtual(clock);
    assert.equal(clock.now() - T0, 120);
    assert.equal(net.session(P)?.inflight, 0);
  });

  it('a session expires sessionExpirySec after the disconnect; then the broker keeps nothing for it', async () => {
    const { clock, net } = setup();
    const got: string[] = [];
    const handlers = [{ filter: inboxTopic(P), handler: (m: InternetMessage) => void got.push(text(m)) }];
    const p = await net.connect(P, { presence: false, sessionExpirySec: 60, handlers });
    const s = await net.connect(S);
    await p.close();
    await settleVirtual(clock, { horizonMs: 1000 });
    const kept = s.publish(inboxTopic(P), bytes('kept'));
    await settleVirtual(clock, { horizonMs: 1000 });
    await kept;
    assert.equal(net.session(P)?.queued, 1);
    clock.advance(60_000);
    assert.equal(net.session(P), undefined);
    assert.equal(net.metrics.counter('sessions.expired').value, 1);
    await net.connect(P, { presence: false, sessionExpirySec: 60, handlers });
    await settleVirtual(clock, { horizonMs: 1000 });
    assert.deepEqual(got, []);
    assert.deepEqual(net.session(P), {
      subscriptions: [inboxTopic(P)],
      queued: 0,
      inflight: 0,
      online: true,
    });
  });

  it('offline queues are bounded (maxQueuedPerSession); QoS 0 is not kept for an offline client', async () => {
    const { clock, net } = setup({ maxQueuedPerSession: 3 });
    const got: string[] = [];
    const handlers = [{ filter: inboxTopic(P), handler: (m: InternetMessage) => void got.push(text(m)) }];
    const p = await net.connect(P, { presence: false, handlers });
    await p.close();
    const s = await net.connect(S);
    const sent = ['1', '2', '3', '4', '5'].map((x) => s.publish(inboxTopic(P), bytes(x)));
    const q0 = s.publish(inboxTopic(P), bytes('qos0'), { qos: 0 });
    await settleVirtual(clock);
    await Promise.all([...sent, q0]);
    assert.equal(net.metrics.counter('queue.dropped').value, 2);
    assert.equal(net.metrics.gauge('session.queue').highWater, 3);
    await net.connect(P, { presence: false, handlers });
    await settleVirtual(clock);
    assert.deepEqual(got, ['1', '2', '3']);
  });

  it('clean start discards the session and what was queued in it', async () => {
    const { clock, net } = setup();
    const got: string[] = [];
    const handlers = [{ filter: inboxTopic(P), handler: (m: InternetMessage) => void got.push(text(m)) }];
    const p = await net.connect(P, { presence: false, handlers });
    await p.close();
    const s = await net.connect(S);
    await settleVirtual(clock);
    const pub = s.publish(inboxTopic(P), bytes('stale'));
    await settleVirtual(clock);
    await pub;
    await net.connect(P, { presence: false, cleanStart: true, handlers });
    await settleVirtual(clock);
    assert.deepEqual(got, []);
  });

  it('a second connection with the same client id takes the session over; the first link is closed', async () => {
    const { clock, net } = setup();
    const first = await net.connect(P, { presence: false });
    const reasons: string[] = [];
    first.on('offline', (i) => reasons.push(i.reason));
    const second = await net.connect(P, { presence: false });
    assert.deepEqual(reasons, ['session taken over by another connection']);
    assert.equal(first.connected, false);
    assert.equal(second.connected, true);
    await assert.rejects(first.publish(statusTopic(P), bytes('x')), { code: 'MQTT_LINK_CLOSED' });
    await settleVirtual(clock);
  });

  it('interrupt(downForMs): offline for exactly that long, the will in between, then back with the session', async () => {
    const { clock, net } = setup({ latencyMs: 0 });
    const p = await net.connect(P);
    const events: string[] = [];
    p.on('offline', () => events.push(`offline@${clock.now() - T0}`));
    p.on('online', (i) => events.push(`online@${clock.now() - T0} session=${i.sessionPresent}`));
    await settleVirtual(clock);
    p.interrupt(3_600_000);
    await settleVirtual(clock, { horizonMs: 2 * 3_600_000 });
    assert.deepEqual(events, ['offline@0', 'online@3600000 session=true']);
    assert.equal(net.metrics.counter('wills').value, 1);
    assert.match(new TextDecoder().decode(net.retainedOn(presenceTopic(P))), /"online"/);
  });

  it('an empty retained payload clears the retained message', async () => {
    const { clock, net } = setup();
    const p = await net.connect(P);
    await settleVirtual(clock);
    assert.ok(net.retainedOn(presenceTopic(P)));
    await p.close();
    await settleVirtual(clock);
    const c = await net.connect(P, { presence: false });
    const cleared = c.publish(presenceTopic(P), new Uint8Array(0), { retain: true });
    await settleVirtual(clock);
    await cleared;
    assert.equal(net.retainedOn(presenceTopic(P)), undefined);
  });

  it('strict authorization refuses client ids outside the scheme', async () => {
    const { net } = setup({ authorization: 'strict' });
    await assert.rejects(net.connect('monitor'), { code: 'MQTT_CONNECT_REFUSED' });
    await assert.rejects(
      net.connect(P, { handlers: [{ filter: inboxTopic('00DB1234567890A1'), handler: () => {} }] }),
      {
        code: 'MQTT_SUBSCRIBE_REFUSED',
      },
    );
  });

  it('beyond maxUnclaimed, messages without a handler are left unacknowledged and come back after a reconnect', async () => {
    const { clock, net } = setup();
    const p = await net.connect(P, {
      presence: false,
      handlers: [{ filter: inboxTopic(P), handler: () => {} }],
    });
    await p.close();
    const s = await net.connect(S);
    for (const x of ['a', 'b', 'c']) void s.publish(inboxTopic(P), bytes(x));
    await settleVirtual(clock);
    const again = await net.connect(P, { presence: false, maxUnclaimed: 2 });
    const errors: string[] = [];
    again.on('error', (e) => errors.push(e.code));
    await settleVirtual(clock);
    assert.deepEqual(errors, ['MQTT_UNCLAIMED_OVERFLOW']);
    assert.equal(net.session(P)?.inflight, 3);
    const got: string[] = [];
    const subscribed = again.subscribe(inboxTopic(P), (m) => void got.push(text(m)));
    await settleVirtual(clock);
    await subscribed;
    assert.deepEqual(got, ['a', 'b']);
    again.interrupt(1000);
    await settleVirtual(clock);
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.equal(net.session(P)?.inflight, 0);
  });

  it('is deterministic: the same run gives the same trace', async () => {
    const run = async () => {
      const { clock, net } = setup({ latencyMs: 7 });
      const trace: string[] = [];
      const ids = ['00DB1234567890A0', '00DB1234567890A1', '00DB1234567890A2'];
      const s = await net.connect(S, {
        handlers: [
          {
            filter: 'ppmid/v1/+/status',
            handler: (m) => void trace.push(`${clock.now() - T0} ${m.topic} ${text(m)}`),
          },
        ],
      });
      for (const id of ids) {
        const l = await net.connect(id, {
          presence: false,
          handlers: [
            {
              filter: inboxTopic(id),
              handler: async (m) => {
                trace.push(`${clock.now() - T0} ${m.topic} ${text(m)}`);
                await l.publish(statusTopic(id), bytes(`ok ${text(m)}`));
              },
            },
          ],
        });
      }
      for (let i = 0; i < 5; i++) for (const id of ids) void s.publish(inboxTopic(id), bytes(`cmd${i}`));
      await settleVirtual(clock);
      return trace;
    };
    const a = await run();
    const b = await run();
    assert.equal(a.length, 30);
    assert.deepEqual(a, b);
  });
});
