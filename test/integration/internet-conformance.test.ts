/**
 * InternetLink conformance (SECMP0038 PP-1): the same tests against every
 * adapter — in-process (virtual time), embedded aedes over TCP and TLS, and
 * Mosquitto — so code written against the port behaves the same on each.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  ALL_STATUS_FILTER,
  decodePresence,
  type InternetLink,
  type InternetMessage,
  inboxTopic,
  presenceTopic,
  statusTopic,
  supplierClientId,
} from '../../src/adapters/mqtt/index.ts';
import { internetTargets, type TargetRun, uniqueEuis } from '../support/internet-targets.ts';

const text = (m: InternetMessage) => Buffer.from(m.payload).toString('utf8');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

for (const target of internetTargets()) {
  describe(`InternetLink conformance: ${target.name}`, target.skip ? { skip: target.skip } : {}, () => {
    after(() => target.dispose?.());

    /** One test body with a fresh run of the target, always closed. */
    const test = (
      name: string,
      body: (r: TargetRun) => Promise<void>,
      opts: { skip?: string | false } = {},
    ) =>
      it(name, opts.skip ? { skip: opts.skip } : {}, async () => {
        const r = await target.start();
        try {
          await body(r);
        } finally {
          await r.close();
        }
      });

    test('QoS 1 round trip supplier → PPMID inbox with exact bytes', async (r) => {
      const [P, S] = uniqueEuis(2);
      const got: InternetMessage[] = [];
      const ppmid = await r.run(
        r.internet.connect(P, { handlers: [{ filter: inboxTopic(P), handler: (m) => void got.push(m) }] }),
        'PPMID connected',
      );
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      const payload = new Uint8Array(256).map((_, i) => i);
      await r.run(supplier.publish(inboxTopic(P), payload), 'PUBACK');
      await r.until(() => got.length === 1, 'delivery to the PPMID');
      assert.equal(got[0].topic, inboxTopic(P));
      assert.deepEqual(got[0].payload, payload);
      assert.equal(got[0].qos, 1);
      assert.equal(got[0].retain, false);
      assert.equal(got[0].dup, false);
      assert.equal(ppmid.connected, true);
    });

    test('messages from one publisher arrive in order', async (r) => {
      const [P, S] = uniqueEuis(2);
      const got: string[] = [];
      await r.run(
        r.internet.connect(P, {
          handlers: [{ filter: inboxTopic(P), handler: (m) => void got.push(text(m)) }],
        }),
        'PPMID connected',
      );
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      const sent = Array.from({ length: 25 }, (_, i) => `cmd-${i}`);
      await r.run(Promise.all(sent.map((s) => supplier.publish(inboxTopic(P), bytes(s)))), 'all PUBACKs');
      await r.until(() => got.length === sent.length, `${sent.length} deliveries`);
      assert.deepEqual(got, sent);
    });

    test('`+` wildcard: a supplier sees every PPMID status report, not their presence', async (r) => {
      const [A, B, S] = uniqueEuis(3);
      const mine = new Set([A, B]);
      const got: string[] = [];
      await r.run(
        r.internet.connect(supplierClientId(S), {
          handlers: [
            {
              filter: ALL_STATUS_FILTER,
              handler: (m) => {
                const eui = m.topic.split('/')[2];
                if (mine.has(eui)) got.push(`${m.topic}=${text(m)}`); // a shared broker carries other runs too
              },
            },
          ],
        }),
        'supplier connected',
      );
      const a = await r.run(r.internet.connect(A, { presence: true }), 'PPMID A connected');
      const b = await r.run(r.internet.connect(B, { presence: true }), 'PPMID B connected');
      await r.run(a.publish(statusTopic(A), bytes('delivered')), 'A status PUBACK');
      await r.run(b.publish(statusTopic(B), bytes('rejected')), 'B status PUBACK');
      await r.until(() => got.length === 2, 'two status reports');
      assert.deepEqual(got.sort(), [`${statusTopic(A)}=delivered`, `${statusTopic(B)}=rejected`]);
      await r.run(a.close(), 'A closed');
      await r.run(b.close(), 'B closed');
      await clearPresence(r, [A, B]);
    });

    test(
      '`#` and `+` on free topics (open listeners)',
      async (r) => {
        const [run] = uniqueEuis(1);
        const root = `conformance/${run}`;
        const hash: string[] = [];
        const plus: string[] = [];
        await r.run(
          r.internet.connect(`conf-sub-${run}`, {
            handlers: [
              { filter: `${root}/#`, handler: (m) => void hash.push(m.topic) },
              { filter: `${root}/+/x`, handler: (m) => void plus.push(m.topic) },
            ],
          }),
          'subscriber connected',
        );
        const pub = await r.run(r.internet.connect(`conf-pub-${run}`), 'publisher connected');
        for (const t of [root, `${root}/a/x`, `${root}/a/b/x`, `${root}/a/y`, `${root}x/a/x`])
          await r.run(pub.publish(t, bytes(t)), `PUBACK ${t}`);
        await r.until(() => hash.length === 4 && plus.length === 1, 'the matching deliveries');
        // `#` also matches its parent level (MQTT-4.7.1-2); `+` exactly one level.
        assert.deepEqual(hash, [root, `${root}/a/x`, `${root}/a/b/x`, `${root}/a/y`]);
        assert.deepEqual(plus, [`${root}/a/x`]);
      },
      { skip: target.allowsUnscopedIds ? false : 'this listener refuses client ids outside the scheme' },
    );

    test('persistent session: QoS 1 published while the PPMID is offline arrives after it reconnects', async (r) => {
      const [P, S] = uniqueEuis(2);
      const got: string[] = [];
      const handlers = [{ filter: inboxTopic(P), handler: (m: InternetMessage) => void got.push(text(m)) }];
      const first = await r.run(r.internet.connect(P, { handlers, presence: false }), 'PPMID connected');
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      await r.run(supplier.publish(inboxTopic(P), bytes('before')), 'PUBACK before');
      await r.until(() => got.length === 1, 'first delivery');
      await r.run(first.close(), 'PPMID closed');
      for (const s of ['offline-1', 'offline-2', 'offline-3'])
        await r.run(supplier.publish(inboxTopic(P), bytes(s)), `PUBACK ${s}`);
      const again = await r.run(r.internet.connect(P, { handlers, presence: false }), 'PPMID reconnected');
      await r.until(() => got.length === 4, 'the three queued deliveries');
      assert.deepEqual(got, ['before', 'offline-1', 'offline-2', 'offline-3']);
      await r.run(again.close(), 'PPMID closed');
    });

    test('a reconnecting PPMID that adds its handler late still gets its queued messages (held, not lost)', async (r) => {
      const [P, S] = uniqueEuis(2);
      const first = await r.run(
        r.internet.connect(P, { handlers: [{ filter: inboxTopic(P), handler: () => {} }], presence: false }),
        'PPMID connected',
      );
      await r.run(first.close(), 'PPMID closed');
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      await r.run(supplier.publish(inboxTopic(P), bytes('queued')), 'PUBACK');
      const again = await r.run(
        r.internet.connect(P, { presence: false }),
        'PPMID reconnected without handlers',
      );
      const got: string[] = [];
      await r.run(
        again.subscribe(inboxTopic(P), (m) => void got.push(text(m))),
        'SUBACK',
      );
      await r.until(() => got.includes('queued'), 'the queued message');
      assert.equal(got.filter((g) => g === 'queued').length, 1);
    });

    test('at-least-once: a handler that throws leaves the message unacknowledged; it comes again after a reconnect', async (r) => {
      const [P, S] = uniqueEuis(2);
      const seen: { text: string; dup: boolean }[] = [];
      let failNext = true;
      const errors: string[] = [];
      let online = 0;
      const ppmid = await r.run(
        r.internet.connect(P, {
          presence: false,
          handlers: [
            {
              filter: inboxTopic(P),
              handler: (m) => {
                seen.push({ text: text(m), dup: m.dup });
                if (text(m) === 'cmd' && failNext) {
                  failNext = false;
                  throw new Error('HAN link down');
                }
              },
            },
          ],
        }),
        'PPMID connected',
      );
      ppmid.on('error', (e) => errors.push(e.code));
      ppmid.on('online', () => online++);
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      await r.run(supplier.publish(inboxTopic(P), bytes('cmd')), 'PUBACK');
      await r.until(() => seen.length === 1 && errors.length === 1, 'the failing delivery');
      assert.deepEqual(errors, ['MQTT_HANDLER_FAILED']);
      await r.interrupt(ppmid);
      await r.until(() => seen.length === 2, 'the redelivery after reconnect');
      assert.equal(seen[1].text, 'cmd');
      // The PUBACK went out when the handler resolved; a publication on the same
      // connection acknowledged by the broker proves the broker has processed it.
      await r.run(ppmid.publish(statusTopic(P), bytes('sync')), 'PUBACK of a later publication');
      // Acknowledged now: a further reconnect does not bring it back (the marker comes after any resend).
      const onlineBefore = online;
      await r.interrupt(ppmid);
      await r.until(() => online > onlineBefore, 'the second reconnect');
      await r.run(supplier.publish(inboxTopic(P), bytes('marker')), 'PUBACK marker');
      await r.until(() => seen.some((s) => s.text === 'marker'), 'the marker');
      assert.deepEqual(
        seen.map((s) => s.text),
        ['cmd', 'cmd', 'marker'],
      );
    });

    test('a handler may publish and await the PUBACK (no deadlock): PPMID reports the outcome', async (r) => {
      const [P, S] = uniqueEuis(2);
      const reports: string[] = [];
      let ppmid: InternetLink | undefined;
      ppmid = await r.run(
        r.internet.connect(P, {
          presence: false,
          handlers: [
            {
              filter: inboxTopic(P),
              handler: async (m) => {
                await ppmid!.publish(statusTopic(P), bytes(`done:${text(m)}`));
              },
            },
          ],
        }),
        'PPMID connected',
      );
      const supplier = await r.run(
        r.internet.connect(supplierClientId(S), {
          handlers: [{ filter: statusTopic(P), handler: (m) => void reports.push(text(m)) }],
        }),
        'supplier connected',
      );
      for (const c of ['a', 'b', 'c']) await r.run(supplier.publish(inboxTopic(P), bytes(c)), `PUBACK ${c}`);
      await r.until(() => reports.length === 3, 'three outcome reports');
      assert.deepEqual(reports, ['done:a', 'done:b', 'done:c']);
    });

    test('QoS 1 published while the publisher is offline goes out after its reconnect', async (r) => {
      const [P, S] = uniqueEuis(2);
      const got: string[] = [];
      await r.run(
        r.internet.connect(P, {
          presence: false,
          handlers: [{ filter: inboxTopic(P), handler: (m) => void got.push(text(m)) }],
        }),
        'PPMID connected',
      );
      const supplier = await r.run(r.internet.connect(supplierClientId(S)), 'supplier connected');
      await r.interrupt(supplier);
      assert.equal(supplier.connected, false);
      const sent = supplier.publish(inboxTopic(P), bytes('sent-while-down'));
      await r.run(sent, 'PUBACK after the reconnect');
      await r.until(() => got.length >= 1, 'delivery');
      assert.equal(got[0], 'sent-while-down');
    });

    test('presence: retained online; the will says offline when the connection drops; back online after reconnect', async (r) => {
      const [P, S, T] = uniqueEuis(3);
      const watch = async (supplierEui: string, into: string[]) =>
        r.run(
          r.internet.connect(supplierClientId(supplierEui), {
            handlers: [
              {
                filter: presenceTopic(P),
                handler: (m) => {
                  const p = decodePresence(m.payload);
                  if (p) into.push(`${p.state}${m.retain ? ' (retained)' : ''}`);
                },
              },
            ],
          }),
          `supplier ${supplierEui} watching`,
        );
      const states: string[] = [];
      // Presence is idempotent: a PUBACK lost in a drop makes the PPMID send `online` again (at-least-once).
      const changes = () =>
        states.map((x) => x.replace(' (retained)', '')).filter((x, i, a) => i === 0 || x !== a[i - 1]);
      const ppmid = await r.run(r.internet.connect(P), 'PPMID connected (presence on by default)');
      await watch(S, states);
      // Live or retained, depending on whether the PPMID's `online` reached the broker first.
      await r.until(() => states.length >= 1, 'the first presence');
      assert.deepEqual(changes(), ['online']);
      await r.interrupt(ppmid);
      await r.until(() => changes().length >= 3, 'the will, then online again after the reconnect');
      assert.deepEqual(changes(), ['online', 'offline', 'online'], JSON.stringify(states));
      // A newcomer gets the last state at once, retained.
      const late: string[] = [];
      await watch(T, late);
      await r.until(() => late.length >= 1, 'the retained presence');
      assert.equal(late[0], 'online (retained)');
      await r.run(ppmid.close(), 'PPMID closed');
      await r.until(() => changes().length >= 4, 'offline on a clean close');
      assert.deepEqual(changes(), ['online', 'offline', 'online', 'offline'], JSON.stringify(states));
      await clearPresence(r, [P]);
    });

    test('a PPMID may not publish outside its own status/presence (refused before sending)', async (r) => {
      const [P, Q] = uniqueEuis(2);
      const ppmid = await r.run(r.internet.connect(P, { presence: false }), 'PPMID connected');
      await assert.rejects(r.run(ppmid.publish(inboxTopic(Q), bytes('x')), 'refusal'), {
        code: 'MQTT_PUBLISH_REFUSED',
      });
      await assert.rejects(r.run(ppmid.publish(statusTopic(Q), bytes('x')), 'refusal'), {
        code: 'MQTT_PUBLISH_REFUSED',
      });
      await assert.rejects(r.run(ppmid.publish('a/+/b', bytes('x')), 'refusal'), {
        code: 'MQTT_TOPIC_INVALID',
      });
      await assert.rejects(
        r.run(
          ppmid.subscribe('a/#/b', () => {}),
          'refusal',
        ),
        { code: 'MQTT_TOPIC_INVALID' },
      );
      assert.equal(ppmid.connected, true);
    });

    test(
      'the broker refuses a PPMID subscribing to another PPMID inbox',
      async (r) => {
        const [P, Q] = uniqueEuis(2);
        const ppmid = await r.run(r.internet.connect(P, { presence: false }), 'PPMID connected');
        await assert.rejects(
          r.run(
            ppmid.subscribe(inboxTopic(Q), () => {}),
            'SUBACK',
          ),
          {
            code: 'MQTT_SUBSCRIBE_REFUSED',
          },
        );
        await assert.rejects(
          r.run(
            ppmid.subscribe(ALL_STATUS_FILTER, () => {}),
            'SUBACK',
          ),
          {
            code: 'MQTT_SUBSCRIBE_REFUSED',
          },
        );
        await r.run(
          ppmid.subscribe(inboxTopic(P), () => {}),
          'own inbox SUBACK',
        );
      },
      {
        skip: target.enforcesAcl
          ? false
          : 'this broker has no ppmid-relay ACL (its own configuration governs)',
      },
    );
  });
}

/** Clears the retained presence the test left (a shared broker keeps retained messages forever). */
async function clearPresence(r: TargetRun, euis: string[]): Promise<void> {
  for (const eui of euis) {
    const l = await r.run(
      r.internet.connect(eui, { presence: false, cleanStart: true, sessionExpirySec: 0 }),
      'cleanup link',
    );
    await r.run(
      l.publish(presenceTopic(eui), new Uint8Array(0), { retain: true }),
      'retained presence cleared',
    );
    await r.run(l.close(), 'cleanup link closed');
  }
}
