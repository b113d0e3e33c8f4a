/**
 * Issue 13, revocation whatever the broker: an external broker admits a
 * revoked PPMID certificate until it re-reads the CA's CRL. The in-process
 * internet checks no certificate either, so it stands for that window here:
 * the revoked PPMID connects and announces itself `online`, and the supplier
 * re-sends it none of the envelopes it had not taken; once trusted again (a
 * replacement), the same presence brings them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodePresence,
  InProcessInternet,
  inboxTopic,
  presenceTopic,
  settleVirtual,
  supplierClientId,
} from '../adapters/mqtt/index.ts';
import { VirtualClock } from '../runtime/clock.ts';
import { Metrics } from '../runtime/metrics.ts';
import { EnvelopeResender } from './envelope-resend.ts';
import type { CommandRecord } from './model.ts';

const P = '00DB1234560000A1';
const S = '00DB1234560000F0';

describe('envelope re-send and revoked PPMIDs', () => {
  it('a revoked PPMID coming online gets no envelope; a trusted one gets its pending envelope', async () => {
    const clock = new VirtualClock();
    /** Runs virtual time until `p` settles (the in-process broker's hops take virtual time). */
    const drive = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      const q = p.finally(() => {
        done = true;
      });
      await settleVirtual(clock, { until: () => done });
      return q;
    };
    const net = new InProcessInternet({ clock, latencyMs: 10 });
    const metrics = new Metrics();
    const supplier = await drive(net.connect(supplierClientId(S)));
    const cmd = {
      id: 'cmd-1',
      state: 'in-flight',
      ppmid: { ppmid: P, status: 'published', envelopeHex: 'A1B2C3', envelopeId: 'E1' },
    } as unknown as CommandRecord;
    let trusted = false;
    const resent: string[] = [];
    const resender = new EnvelopeResender(
      supplier,
      {
        openCommands: () => [cmd],
        recordResent: (c) => resent.push(c.id),
        alive: () => true,
        trusted: (eui) => eui === P && trusted,
      },
      metrics,
    );
    await drive(resender.start());
    const online = async () => {
      const ppmid = await drive(net.connect(P, { presence: false }));
      const got: string[] = [];
      await drive(
        ppmid.subscribe(
          inboxTopic(P),
          (m) => {
            got.push(Buffer.from(m.payload).toString('hex'));
          },
          { qos: 1 },
        ),
      );
      await drive(
        ppmid.publish(presenceTopic(P), encodePresence({ state: 'online', clientId: P }), {
          qos: 1,
          retain: true,
        }),
      );
      await settleVirtual(clock);
      await drive(ppmid.close());
      return got;
    };
    assert.deepEqual(await online(), [], 'revoked: nothing re-sent');
    assert.equal(metrics.snapshot().counters['envelope-resend-refused{untrusted}'], 1);
    assert.deepEqual(resent, []);
    trusted = true;
    assert.deepEqual(await online(), ['a1b2c3'], 'trusted: the pending envelope goes again');
    assert.deepEqual(resent, ['cmd-1']);
  });
});
