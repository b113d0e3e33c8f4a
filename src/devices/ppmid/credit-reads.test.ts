import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { defaultEsmeState } from '../esme/state.ts';
import { answerAttributeRead } from '../esme/zse-server.ts';
import { peerApplicationLinkKey } from '../home/peer-keys.ts';
import type { CreditReading } from './credit-read.ts';
import { CreditReads } from './credit-reads.ts';
import { FakeUplink } from './testing.ts';

const ESME = '00DB1234567890A0';

function kit(withKey: boolean) {
  const clock = new VirtualClock();
  const metrics = new Metrics();
  const state = defaultEsmeState();
  state.meterBalance = 4_200_000;
  const uplink = Object.assign(new FakeUplink(clock), {
    hasPeerLinkKey: (p: string) => withKey && p === ESME,
    reads: 0,
    readAttributes(peer: string, cluster: number, req: Uint8Array, _tsn: number, done: (r: never) => void) {
      uplink.reads++;
      const asdu = answerAttributeRead(state, cluster, req);
      clock.setTimer(20, () => done({ ok: true, at: clock.now(), asdu } as never));
      assert.equal(peer, ESME);
    },
  });
  const shown: CreditReading[] = [];
  const failed: string[] = [];
  const reads = new CreditReads({
    clock,
    metrics,
    uplink: () => uplink,
    stopped: () => false,
    shown: (r) => shown.push(r),
    failed: (_m, d) => failed.push(d),
  });
  return { clock, metrics, uplink, reads, shown, failed };
}

describe('CreditReads: the meter read back after a relayed top-up', () => {
  it('a forwarded CS01a to a meter with a link key: one read after the delay, shown', () => {
    const k = kit(true);
    k.reads.afterForwarded('CS01a', ESME, undefined);
    k.clock.advance(4_999);
    assert.equal(k.uplink.reads, 0);
    k.clock.advance(100);
    assert.equal(k.uplink.reads, 1);
    assert.deepEqual(
      k.shown.map((r) => [r.creditRemaining, r.meter]),
      [[4_200_000, ESME]],
    );
    assert.equal(k.metrics.counter('ppmid.credit-read.ok').value, 1);
  });
  it('other use cases are not read; no link key: nothing read, counted', () => {
    const k = kit(false);
    k.reads.afterForwarded('ECS17b', ESME, undefined);
    k.reads.afterForwarded('CS01a', ESME, undefined);
    k.clock.advance(60_000);
    assert.equal(k.uplink.reads, 0);
    assert.equal(k.metrics.counter('ppmid.credit-read.no-link-key').value, 1);
  });
});

describe('peerApplicationLinkKey (the emulator stand-in for the CH-issued key)', () => {
  it('is symmetric, 16 bytes, and depends on both devices', () => {
    const a = { eui: '00DB1234567890A4', linkKey: new Uint8Array(16).fill(1) };
    const b = { eui: ESME, linkKey: new Uint8Array(16).fill(2) };
    const k = peerApplicationLinkKey(a, b);
    assert.equal(k.length, 16);
    assert.deepEqual(peerApplicationLinkKey(b, a), k);
    assert.notDeepEqual(peerApplicationLinkKey(a, { ...b, linkKey: new Uint8Array(16).fill(3) }), k);
  });
});
