/**
 * EstateObserver on a real home (the test automation API's RTDS home: CHF,
 * ESME emulator, HAN, SM WAN model on a VirtualClock): what the CH and the
 * meter did with a supplier's command, keyed by its DUIS Request ID, for the
 * supplier console's timeline (issue 6).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { Atps } from '../../atps/api.ts';
import { defaultDeviceApps } from '../../atps/devices.ts';
import { formatRequestId } from '../../duis/index.ts';
import { peekRouting } from '../../gbcs/peek.ts';
import { EstateObserver, type ObservedHop } from './observer.ts';

const SUPPLIER = '90B3D51F30010000';
const PPMID = '00DB1234567890A4';
const READ = rtdsMessages().find(
  (m) => m.kind === 'COMMAND' && m.name.includes('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND'),
)!;

function requestIdOf(bytes: Uint8Array): string {
  const r = peekRouting(bytes);
  return formatRequestId({ originator: r.originatorEui, target: r.targetEui, counter: r.originatorCounter });
}

async function home(): Promise<{ atps: Atps; id: string }> {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const { id } = await atps.createHome({ profile: 'rtds' });
  return { atps, id };
}

describe('EstateObserver (supplier console timeline: CH routing, meter decision)', () => {
  it('a command relayed by the PPMID while the WAN is down: CH routed it, the meter accepted it, the response waits in the CH buffer (CH-1, CH-4)', async () => {
    const { atps, id } = await home();
    const observer = new EstateObserver({ originators: [SUPPLIER] });
    const live: ObservedHop[] = [];
    observer.subscribe((h) => live.push(h));
    observer.watchHome(atps.home(id));
    atps.backchannel(id, { action: 'wan-down' });
    const [r] = atps.inject(id, 'ppmid', READ.bytes);
    assert.equal(r.deviceDecision, 'accepted');
    const rid = requestIdOf(READ.bytes);
    const hops = observer.forRequest(rid);
    assert.deepEqual(
      hops.map((h) => h.kind),
      ['ch-route', 'meter-decision', 'ch-response'],
    );
    assert.deepEqual(live, hops, 'every hop is also pushed live');
    const [route, meter, response] = hops;
    assert.equal(route.detail.source, 'ppmid');
    assert.equal(route.detail.decision, 'delivered');
    assert.equal(route.detail.from, PPMID);
    assert.equal(route.detail.targetType, 'ESME');
    assert.equal(meter.detail.decision, 'accepted');
    assert.equal(meter.detail.reason, 'OK');
    assert.equal(response.detail.wan, 'buffered');
    assert.equal(response.detail.ppmidCaused, true);
    assert.ok(hops.every((h) => h.requestId === rid && h.home === atps.home(id).name));
    assert.ok(hops[0].seq < hops[1].seq && hops[1].seq < hops[2].seq);
  });

  it('a replay: the meter rejects it and says why; the same Request ID gathers both attempts', async () => {
    const { atps, id } = await home();
    const observer = new EstateObserver();
    observer.watchHome(atps.home(id));
    atps.inject(id, 'wan', READ.bytes);
    const [again] = atps.inject(id, 'ppmid', READ.bytes);
    assert.equal(again.deviceDecision, 'rejected');
    const meter = observer.forRequest(requestIdOf(READ.bytes)).filter((h) => h.kind === 'meter-decision');
    assert.deepEqual(
      meter.map((h) => h.detail.decision),
      ['accepted', 'rejected'],
    );
    assert.match(String(meter[1].detail.reason), /REPLAY|COUNTER/);
    const sources = observer
      .forRequest(requestIdOf(READ.bytes))
      .filter((h) => h.kind === 'ch-route')
      .map((h) => h.detail.source);
    assert.deepEqual(sources, ['wan', 'ppmid']);
  });

  it('keeps only the originators it is told to', async () => {
    const { atps, id } = await home();
    const observer = new EstateObserver({ originators: ['90B3D51F30020000'] });
    observer.watchHome(atps.home(id));
    atps.inject(id, 'ppmid', READ.bytes);
    assert.deepEqual(observer.forRequest(requestIdOf(READ.bytes)), []);
  });

  it("standalone mode: the CH discards PPMID traffic unread; the PPMID's forwarded report names the command (CH-6)", async () => {
    const { atps, id } = await home();
    const observer = new EstateObserver({ originators: [SUPPLIER] });
    // The PPMID's report interface (devices/ppmid Ppmid.onStatusReport): here the test reports.
    let report:
      | ((b: Uint8Array, r: { outcome: string; requestId?: ReturnType<typeof peekRouting> | null }) => void)
      | undefined;
    observer.watchHome(atps.home(id));
    observer.watchPpmid('rtds', {
      eui: PPMID,
      onStatusReport: (l) => {
        report = l as typeof report;
        return () => {};
      },
    });
    atps.bufferFeed(id, 'block');
    assert.equal(atps.home(id).chf.standalone, true);
    const [r] = atps.inject(id, 'ppmid', READ.bytes);
    assert.equal(r.chDecision, 'discarded');
    const rid = requestIdOf(READ.bytes);
    assert.deepEqual(observer.forRequest(rid), [], 'the CH did not read the header');
    const p = peekRouting(READ.bytes);
    report!(new Uint8Array(), {
      outcome: 'forwarded',
      requestId: { originator: p.originatorEui, target: p.targetEui, counter: p.originatorCounter } as never,
    });
    const hops = observer.forRequest(rid);
    assert.equal(hops.length, 1);
    assert.equal(hops[0].kind, 'ch-route');
    assert.equal(hops[0].detail.decision, 'discarded');
    assert.equal(hops[0].detail.reason, 'standalone-mode');
    // attributed once: a later report finds nothing pending
    report!(new Uint8Array(), {
      outcome: 'forwarded',
      requestId: { originator: p.originatorEui, target: p.targetEui, counter: p.originatorCounter } as never,
    });
    assert.equal(observer.forRequest(rid).length, 1);
  });

  it('forgets the oldest Request IDs beyond its capacity', async () => {
    const { atps, id } = await home();
    const observer = new EstateObserver({ capacity: 1 });
    observer.watchHome(atps.home(id));
    atps.inject(id, 'ppmid', READ.bytes);
    // another Request ID: a command to the GSME (into its mailbox at the CH)
    const other = rtdsMessages().find((m) => m.kind === 'COMMAND' && m.name.includes('GCS40a_1.5_SUCCESS'))!;
    assert.notEqual(requestIdOf(other.bytes), requestIdOf(READ.bytes));
    atps.inject(id, 'ppmid', other.bytes);
    assert.deepEqual(observer.forRequest(requestIdOf(READ.bytes)), []);
    assert.ok(observer.forRequest(requestIdOf(other.bytes)).length > 0);
  });
});
