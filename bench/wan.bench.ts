/**
 * SM WAN and CHM benchmarks (figures printed, never asserted):
 * - `wan.route`: messages per CPU second through the SM WAN model in virtual
 *   time (100 CHs; downlink commands queued, carried and handed to each CH,
 *   and uplink messages carried and routed at the CSP by peeking real GBCS:
 *   half device Responses to the DSP, half CHF PPMID Connected alerts to the
 *   CHM), with 5 % loss and retries.
 * - `chm.ingest`: real CH alerts (distinct, MAC'd by the CHF) decoded,
 *   checked (MAC verified with the ACB KA key), stored in SQLite and applied
 *   to the CH state, per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/adapters/store/migrate.ts';
import { openStore } from '../src/adapters/store/open.ts';
import { Chm } from '../src/dcc/chm/chm.ts';
import { SmWan } from '../src/dcc/wan/sm-wan.ts';
import { provisionalAlertContent } from '../src/devices/chf/alerts.ts';
import { keyStoreFor, loadProfile } from '../src/devices/home/profiles.ts';
import { cosemDateTimeFromDate, encodeDlmsApdu, gbcsInvokeId } from '../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../src/gbcs/security.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { configureLogging } from '../src/runtime/logger.ts';
import { type BenchResult, measure } from './harness.ts';

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  configureLogging({ spec: 'warn,wan=error,chm=error,store=error' });
  const budgetMs = quick ? 300 : 1500;
  const warmupMs = quick ? 50 : 300;
  const p = await loadProfile('generated');
  const chfCtx = new SecurityContext({ keyStore: keyStoreFor(p.world, [p.euis.chf]), acb: p.acb });
  const esmeCtx = new SecurityContext({ keyStore: keyStoreFor(p.world, [p.euis.esme]), acb: p.acb });
  const when = cosemDateTimeFromDate(new Date(Date.UTC(2026, 0, 1)));
  const alert = (counter: bigint) => {
    const c = provisionalAlertContent(
      { alert: 'ppmid-connected', ppmid: p.euis.ppmid, how: 'joined' },
      gbcsInvokeId(counter),
      when,
    );
    return chfCtx.seal({
      cra: 'alert',
      originatorCounter: counter,
      originator: p.euis.chf,
      recipient: p.acb,
      otherInfo: { messageCode: c.messageCode },
      content: c.content,
    });
  };
  const response = esmeCtx.seal({
    cra: 'response',
    originatorCounter: 7n,
    originator: p.euis.esme,
    recipient: p.supplier,
    otherInfo: { messageCode: 0x0001 },
    content: encodeDlmsApdu({
      apdu: 'access-response',
      invoke: gbcsInvokeId(7n),
      dateTime: new Uint8Array(0),
      data: [{ type: 'null' }],
      results: [{ kind: 'action', result: 0 }],
    }),
  });

  // ------------------------------------------------------------ wan.route
  const clock = new VirtualClock();
  let toDsp = 0;
  let toChm = 0;
  const wan = new SmWan({
    clock,
    random: 'bench',
    config: {
      wanProvider: p.wanProvider,
      lossDown: 0.05,
      lossUp: 0.05,
      downlinkQueueCapacity: 10_000,
      uplinkQueueCapacity: 10_000,
      latency: { kind: 'shifted-exponential', minMs: 200, meanExtraMs: 500 },
    },
    dsp: {
      onDeviceMessage: () => {
        toDsp++;
      },
    },
    chm: { onChMessage: () => toChm++ },
  });
  const chfs = Array.from({ length: 100 }, (_, i) =>
    i === 0 ? p.euis.chf : `00DB1234${i.toString(16).toUpperCase().padStart(8, '0')}`,
  );
  let delivered = 0;
  const links = chfs.map((chf) => {
    const l = wan.addCh({ chf, gpf: chf === p.euis.chf ? p.euis.gpf : undefined });
    l.attachReceiver(() => delivered++);
    return l;
  });
  const chfAlert = alert(1n);
  const command = Uint8Array.from(response);
  let seq = 0;
  const route = measure({
    name: 'wan.route',
    warmupMs,
    budgetMs,
    batch: () => {
      for (let i = 0; i < 200; i++) {
        const k = seq++ % links.length;
        wan.sendCommand({ requestId: `r${seq}`, target: chfs[k], chf: chfs[k], gbcs: command });
        links[0].send(i % 2 === 0 ? response : chfAlert);
      }
      clock.advance(120_000);
      return 400;
    },
  });
  route.extra = {
    delivered,
    toDsp,
    toChm,
    retried: wan.metrics.snapshot().counters['wan.down.retried'] ?? 0,
  };

  // ------------------------------------------------------------ chm.ingest
  const dir = mkdtempSync(join(tmpdir(), 'chm-bench-'));
  const store = await openStore({ dataDir: dir });
  await migrate(store);
  const chm = new Chm({
    clock,
    store,
    keyStore: keyStoreFor(p.world, [p.wanProvider, p.acb]),
    wanProvider: p.wanProvider,
    acb: p.acb,
  });
  const pool = Array.from({ length: quick ? 600 : 4000 }, (_, i) => alert(BigInt(1000 + i)));
  let next = 0;
  const ingestBatch = async (n: number) => {
    for (let i = 0; i < n && next < pool.length; i++)
      await chm.ingestNow({ chf: p.euis.chf, gbcs: pool[next++], at: clock.now() });
  };
  await ingestBatch(quick ? 50 : 200); // warm-up
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < budgetMs && next < pool.length) {
    const before = next;
    await ingestBatch(50);
    n += next - before;
  }
  const elapsed = performance.now() - t0;
  const ingest: BenchResult = {
    name: 'chm.ingest',
    opsPerSec: (n / elapsed) * 1000,
    extra: { alerts: n, stored: await chm.repo.countAlerts({}) },
  };
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return [route, ingest];
}
