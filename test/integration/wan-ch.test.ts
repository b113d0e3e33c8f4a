/**
 * The SM WAN model with a real CHF on an intermittent WAN (CSP-1 with CH-4):
 * while the WAN is down the CH's `send` is refused and the CHF keeps its
 * alerts in its bounded uplink buffer; when the WAN returns the CHF flushes
 * and the WAN carries everything, in order, to the CHM (provisional alerts)
 * and the DSP; a DSP command queued while the WAN is down reaches the CHF
 * when it returns. Deterministic per seed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SmWan } from '../../src/dcc/wan/sm-wan.ts';
import { Home } from '../../src/devices/home/home.ts';
import {
  derivedInstallCode,
  type HomeProfile,
  keyStoreFor,
  loadProfile,
} from '../../src/devices/home/profiles.ts';
import { decodeMessage } from '../../src/gbcs/decode.ts';
import { VirtualClock } from '../../src/runtime/clock.ts';

let p: HomeProfile;
before(async () => {
  p = await loadProfile('generated');
});

const MIN = 60_000;
const H = 60 * MIN;

function run(seed: string) {
  const clock = new VirtualClock();
  const chm: Array<{ at: number; counter: bigint }> = [];
  const dsp: Array<{ at: number }> = [];
  const wan = new SmWan({
    clock,
    random: seed,
    config: {
      wanProvider: p.wanProvider,
      lossUp: 0.1,
      lossDown: 0.1,
      retryIntervalMs: 20_000,
      latency: { kind: 'uniform', minMs: 100, maxMs: 3000 },
    },
    chm: { onChMessage: (m) => chm.push({ at: m.at, counter: decodeMessage(m.gbcs).originatorCounter }) },
    dsp: {
      onDeviceMessage: (m) => {
        dsp.push({ at: m.at });
      },
    },
  });
  const link = wan.addCh({
    chf: p.euis.chf,
    gpf: p.euis.gpf,
    availability: { kind: 'intermittent', meanUpMs: 40 * MIN, meanDownMs: 20 * MIN },
  });
  const home = new Home({
    clock,
    random: seed,
    wan: link,
    chf: {
      eui: p.euis.chf,
      gpfEui: p.euis.gpf,
      keyStore: keyStoreFor(p.world, [p.euis.chf, p.euis.gpf]),
      acb: p.acb,
    },
    devices: [
      {
        eui: p.euis.ppmid,
        deviceType: 'PPMID',
        installCode: derivedInstallCode(p.euis.ppmid),
        relayEnabled: true,
      },
    ],
  });
  link.attachReceiver((b) => home.chf.receiveFromWan(b));
  let refusedSeen = 0;
  // the PPMID drops off and rejoins every 10 minutes for a day: PPMID Connected each time (CH-5)
  for (let t = 0; t < 24 * H; t += 10 * MIN) {
    clock.advance(5 * MIN);
    home.setOnline(p.euis.ppmid, false);
    clock.advance(5 * MIN);
    home.setOnline(p.euis.ppmid, true);
    if (!link.isUp()) refusedSeen++;
  }
  // WAN up for good: everything buffered comes through
  wan.backchannel.setClass(p.euis.chf, 'always');
  clock.advance(2 * H);
  return { clock, wan, home, chm, dsp, refusedSeen };
}

describe('SM WAN with a real CHF on an intermittent WAN (CSP-1, CH-4)', () => {
  it('carries every CHF alert to the CHM in order despite outages and loss', () => {
    const r = run('ch-wan-1');
    const raised = r.home.chf.alerts;
    assert.ok(raised.length >= 2 * 144, `alerts raised ${raised.length}`);
    assert.ok(r.refusedSeen > 10, 'the PPMID rejoined while the WAN was down, many times');
    // the CHF sees the WAN down (isUp false) and buffers instead of sending
    assert.ok((r.home.chf.metrics.snapshot().gauges['chf.buffer.wan-uplink.depth']?.highWater ?? 0) > 1);
    assert.equal(r.home.chf.uplinkDepth(), 0, 'the CHF buffer is empty at the end');
    assert.equal(r.chm.length, raised.length, 'every alert reached the CHM');
    assert.deepEqual(
      r.chm.map((x) => x.counter),
      raised.map((a) => a.counter),
      'in the order the CHF raised them',
    );
    assert.equal(r.dsp.length, 0, 'provisional CH alerts go to the CHM only');
    const m = r.wan.chMetrics(p.euis.chf);
    assert.ok(m.uplink.lost > 0 && m.uplink.retried === m.uplink.lost);
    assert.ok(m.availabilityShare > 0.5 && m.availabilityShare < 0.85, `share ${m.availabilityShare}`);
    assert.ok(m.transitions > 20);
  });

  it('a DSP command queued while the WAN is down reaches the CHF when it returns', () => {
    const r = run('ch-wan-2');
    const outcomes: string[] = [];
    r.wan.onDownlinkOutcome((o) => outcomes.push(`${o.requestId}:${o.outcome}`));
    r.wan.backchannel.forceDown(p.euis.chf);
    const before = r.home.chf.events.filter((e) => e.kind === 'route' && e.source === 'wan').length;
    r.wan.sendCommand({
      requestId: 'dsp-1',
      target: p.euis.esme,
      chf: p.euis.chf,
      gbcs: Uint8Array.of(0xdf, 1, 2),
    });
    r.clock.advance(H);
    assert.deepEqual(outcomes, []);
    r.wan.backchannel.release(p.euis.chf);
    r.clock.advance(5 * MIN);
    assert.deepEqual(outcomes, ['dsp-1:delivered']);
    const after = r.home.chf.events.filter((e) => e.kind === 'route' && e.source === 'wan').length;
    assert.equal(
      after,
      before + 1,
      'the CHF routed the message from the WAN (and discarded these bytes as malformed)',
    );
  });

  it('is deterministic per seed', () => {
    const a = run('same');
    const b = run('same');
    const c = run('other');
    const trace = (r: ReturnType<typeof run>) =>
      JSON.stringify(r.chm.map((x) => [x.at, x.counter.toString()]));
    assert.equal(trace(a), trace(b));
    assert.notEqual(trace(a), trace(c));
  });
});
