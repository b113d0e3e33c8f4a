/**
 * CHF benchmarks:
 * - chf.route: routing decisions per second (GBCS 10.8.2: header peek +
 *   Device Log lookup + the CH-1/CH-2 policy) on a mix of RTDS messages
 *   arriving from the WAN, over the PPMID's tunnel (relayed commands, its own
 *   responses) and from the ESME (responses and alerts); nothing allocated per
 *   decision. Target >= 1,000,000/s.
 * - chf.ppmidRelay: one PPMID-relayed command through the whole home on a
 *   VirtualClock (PPMID node -> HAN -> CHF routing and CH-7 checks -> HAN ->
 *   ESME node), wall-clock throughput of the simulation.
 * The HAN delivery time of a 1,500-byte tunnel transfer is measured by the
 * medium's own bench (`han.transfer1500`, bench/han.bench.ts), not here.
 */

import { Atps } from '../src/atps/api.ts';
import { DeviceLog, EuiSet } from '../src/devices/chf/device-log.ts';
import { ChfRouter, RouteVerdict } from '../src/devices/chf/routing.ts';
import type { ChSource } from '../src/devices/contracts.ts';
import { RTDS_EUIS } from '../src/devices/home/profiles.ts';
import { rtdsMessages } from '../test/support/fixtures.ts';
import { type BenchResult, measure } from './harness.ts';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 100 : 300;
  const e = RTDS_EUIS;
  const log = new DeviceLog({ reserved: [e.chf, e.gpf] });
  const code = new Uint8Array(16).fill(7);
  log.add({ eui: e.esme, deviceType: 'ESME', installCode: code }, 0);
  log.add({ eui: e.gsme, deviceType: 'GSME', installCode: code }, 0);
  const ppmid = log.add({ eui: e.ppmid, deviceType: 'PPMID', installCode: code, relayEnabled: true }, 0);
  const esme = log.get(e.esme);
  const router = new ChfRouter({
    chf: e.chf,
    gpf: e.gpf,
    deviceLog: log,
    remoteParties: new EuiSet([
      '90B3D51F30000002',
      '90B3D51F30010000',
      '90B3D51F30020000',
      '90B3D51F30000007',
    ]),
  });
  // the mix: every RTDS message from each plausible source
  const mix: Array<{ source: ChSource; sender: typeof esme; bytes: Uint8Array }> = [];
  for (const m of rtdsMessages()) {
    if (m.kind === 'COMMAND' || m.kind === 'PRECOMMAND') {
      mix.push({ source: 'wan', sender: undefined, bytes: m.bytes });
      mix.push({ source: 'ppmid', sender: ppmid, bytes: m.bytes });
    } else
      mix.push({
        source: 'device',
        sender: m.hex.includes('00DB1234567890A4') ? ppmid : esme,
        bytes: m.bytes,
      });
  }
  const n = mix.length;
  const v = new RouteVerdict();
  const tally = new Map<string, number>();
  for (const x of mix) {
    const r = router.decide(x.source, x.sender, x.bytes, v);
    tally.set(r.action, (tally.get(r.action) ?? 0) + 1);
  }
  let sink = 0;
  const route = measure({
    name: 'chf.route',
    warmupMs,
    budgetMs,
    batch: () => {
      for (let i = 0; i < n; i++) {
        const x = mix[i];
        const r = router.decide(x.source, x.sender, x.bytes, v);
        sink += r.action.length;
      }
      return n;
    },
  });
  route.extra = { messages: n, ...Object.fromEntries(tally), target: '>= 1,000,000/s' };

  const atps = new Atps();
  const { id } = await atps.createHome({
    profile: 'rtds',
    chf: { ppmidRelayBurst: 1e9, ppmidRelayPerMinute: 1e9, ppmidAirtimeShareCap: 1 },
  });
  const cmd = rtdsMessages().find((m) => m.name.includes('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND'))!.bytes;
  const relay = measure({
    name: 'chf.ppmidRelay',
    warmupMs,
    budgetMs,
    batch: () => {
      const [r] = atps.inject(id, 'ppmid', cmd);
      sink += r.chDecision === 'delivered' ? 1 : 0;
      return 1;
    },
  });
  relay.extra = { note: 'simulated end-to-end relays per wall-clock second (VirtualClock)' };
  if (sink < 0) throw new Error('unreachable');
  return [route, relay];
}
