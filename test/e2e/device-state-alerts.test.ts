/**
 * Alerts raised by device state (issue 12), set through the backchannel
 * (the physical world), on the one-home virtual-time system: the ESME's
 * Meter Integrity Issue Warning (MIIWA-ESME, 0x81A0; esme/integrity.ts)
 * reaches the DSP and the supplier as a DUIS DeviceAlertMessage through the
 * SM WAN; the CHF's Sub GHz Channel Changed (DBCH07, 0x8F26;
 * chf/sub-ghz-channel.ts) is raised, sealed and logged at the CHF, reaches
 * the DSP over the SM WAN addressed to the ACB, and goes on to the supplier
 * as a DUIS DCC Alert, DualBandCHAlert (dcc/dsp/alert-routing.ts; its
 * DCCAlertCode and recipients are PROVISIONAL there) once its MAC and
 * counter verify (dcc/dsp/alert-integrity.ts): a replayed or tampered copy is
 * dropped and counted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningSystem } from '../../src/system/system.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

describe('e2e: device-state alerts to the supplier (MIIWA-ESME; DBCH07 raised at the CHF)', () => {
  const suite = virtualSystemSuite('state-alerts');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('the ESME raises 0x81A0 (MIIWA-ESME): the DSP forwards it, the supplier gets it; the CHF raises 0x8F26 (DBCH07), logs the channel, and the supplier gets a DualBandCHAlert', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const seen: Array<{ code: string; device?: string }> = [];
    const dccAlerts: Array<{ code: string; alert: unknown }> = [];
    supplier.subscribe((e) => {
      if (e.type === 'alert' && e.alert === 'device')
        seen.push({ code: String(e.code).toUpperCase(), device: e.device });
      if (e.type === 'alert' && e.alert === 'dcc')
        dccAlerts.push({ code: String(e.code), alert: (e.detail as { alert?: unknown }).alert });
    });
    const forwarded = () =>
      Object.entries(sys!.dsp!.metrics.snapshot().counters)
        .filter(([k]) => k.endsWith('alerts.forwarded'))
        .reduce((a, [, v]) => a + Number(v), 0);
    /** pumps until `done` or a virtual minute passed */
    const settle = (done: () => boolean) => {
      const until = vc.now() + 60_000;
      return pumpVirtual(vc, () => done() || vc.now() >= until);
    };

    home.esme.backchannel.integrityIssue('nvm');
    const n0 = forwarded();
    await settle(() => seen.some((a) => a.code === '81A0'));
    assert.deepEqual(
      seen.filter((a) => a.code === '81A0'),
      [{ code: '81A0', device: home.plan.esme }],
    );
    assert.equal(home.esme.stateView.eventLog.at(-1)?.code, 0x81a0);

    const counter = (k: string) => Number(sys!.dsp!.metrics.snapshot().counters[`dsp.${k}`] ?? 0);
    const wan0 = counter('wan.deviceMessages');
    const unroutable0 = counter('deviceMessages.alert-unroutable');
    home.home.chf.backchannel.subGhzChannelChanged('00000000000000000000000000010000');
    assert.equal(home.home.chf.alerts.at(-1)?.alertCode, 0x8f26);
    const chf = home.home.chf.useCases;
    assert.equal(chf.subGhz.channel, '00000000000000000000000000010000');
    assert.deepEqual(chf.subGhz.channelLog.at(-1)?.channelLogEntry, '00000010');
    assert.ok(forwarded() > n0, 'the DSP forwarded the ESME alert');
    // DBCH07 reaches the DSP over the SM WAN addressed to the ACB (GBCS: the CHF's alerts have no
    // Supplementary Remote Party); the DSP passes it on as the DUIS DCC Alert DualBandCHAlert to the
    // supplier of the meters on the CH's HAN (alert-routing.ts: code N999 and recipients PROVISIONAL)
    const dcc0 = counter('alerts.dccAlerts');
    await settle(() => dccAlerts.some((a) => a.alert === 'DualBandCHAlert'));
    assert.ok(counter('wan.deviceMessages') > wan0, 'the DSP received the CHF alert');
    assert.deepEqual(dccAlerts, [{ code: 'N999', alert: 'DualBandCHAlert' }]);
    assert.equal(counter('alerts.dccAlerts'), dcc0 + 1, 'one DCC Alert: one supplier user');
    assert.equal(counter('deviceMessages.alert-unroutable'), unroutable0, 'no longer recorded unroutable');
    assert.equal(seen.filter((a) => a.code === '8F26').length, 0, 'a DCC Alert, not a DeviceAlertMessage');

    // The DSP verified the alert's MAC (ACB KA key with the CHF's KA certificate) and counter before
    // passing it on (dcc/dsp/alert-integrity.ts). The same bytes again over the SM WAN (a replay), and a
    // copy with one byte changed (the MAC fails), are dropped and counted; the supplier hears nothing more.
    const dsp = sys!.dsp!;
    const genuine = home.home.chf.alerts.at(-1)!;
    const rejected0 = counter('deviceMessages.rejected');
    assert.equal(
      await dsp.onDeviceMessage({ chf: home.home.chf.eui, gbcs: genuine.bytes, at: vc.now() }),
      true,
    );
    assert.equal(counter('alerts.rejected.replay'), 1);
    const tampered = genuine.bytes.slice();
    tampered[tampered.length - 20] ^= 0x01;
    assert.equal(await dsp.onDeviceMessage({ chf: home.home.chf.eui, gbcs: tampered, at: vc.now() }), true);
    assert.equal(counter('alerts.rejected.mac-invalid'), 1);
    assert.equal(counter('deviceMessages.rejected'), rejected0 + 2);
    await settle(() => false);
    assert.deepEqual(dccAlerts, [{ code: 'N999', alert: 'DualBandCHAlert' }], 'no second DCC Alert');
    assert.equal(counter('alerts.dccAlerts'), dcc0 + 1);
  });
});
