/**
 * DSP service throughput, in process (no HTTP), one core:
 * - dsp.request (xsd off): signed DUIS requests (4.1.1, CV 1) through XML
 *   signature verify + parse -> checks -> transform -> ACB MAC -> handed to
 *   the WAN -> signed I99 response, with every store write committed (SQLite
 *   file, write-behind journal flushed per batch of 100);
 * - dsp.request.cv2 (xsd off): the same for CV 2 (Local Command in the
 *   response, plus the DSP-4 log and DSP-5 charge rows);
 * - dsp.request (xsd on, 1/run): as the first, one xmllint process per request (sync API);
 * - dsp.request (xsd on, batch): the async API (what HTTP uses), xmllint batched;
 * - the parts, to say what dominates: verify+parse, transform+MAC, response
 *   build+sign, xmllint, store.
 * Requests are signed before timing (unique, increasing counters).
 * `perCpuSecond` divides by the CPU time this process and its xmllint
 * children used, a figure that other load on the machine disturbs less.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore } from '../src/adapters/store/index.ts';
import { DspService } from '../src/dcc/dsp/index.ts';
import { transformServiceRequest } from '../src/dcc/dsp/transform/index.ts';
import {
  buildDuisResponse,
  DuisXsdValidator,
  readInstantaneousImportRegistersBody,
  signDuisXml,
  verifyAndParseDuisRequest,
  XmlSigningCertificateStore,
} from '../src/duis/index.ts';
import { SecurityContext } from '../src/gbcs/index.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from '../test/support/csp-downlink-test-double.ts';
import {
  dspSigner,
  ESME,
  RTDS_INVENTORY,
  rtdsKeys,
  SUPPLIER_USER,
  SUPPLIER_XML_CERT,
  signedRequest,
} from '../test/support/dsp-service.ts';
import { type BenchResult, measure } from './harness.ts';

const BATCH = 100;

/** CPU seconds of this process plus its finished children (xmllint), from /proc: robust to other load. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime, clock ticks (USER_HZ 100)
  } catch {
    // not Linux: children's CPU is not counted
  }
  return (u.user + u.system) / 1e6 + children;
}

function requests(from: bigint, n: number, cv: 1 | 2): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      signedRequest({
        target: ESME,
        counter: from + BigInt(i),
        cv,
        srv: '4.1.1',
        body: readInstantaneousImportRegistersBody(),
      }),
    );
  return out;
}

async function openDsp(dir: string, xsdValidation: boolean) {
  const store = await openStore({ dataDir: dir });
  await migrate(store);
  const downlink = new CspDownlinkTestDouble();
  const dsp = await DspService.open({
    clock: new VirtualClock(),
    store,
    security: new SecurityContext({ keyStore: rtdsKeys() }),
    xmlSigner: dspSigner,
    downlink,
    transport: { post: async () => ({ status: 200 }) },
    xsdValidation,
  });
  dsp.registerUser(SUPPLIER_USER);
  for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
  await dsp.flush();
  return { store, dsp, downlink };
}

/** Runs the requests in batches, flushing the store after each; returns requests/s. */
async function timeRequests(
  dsp: DspService,
  endpoint: 'serviceS' | 'serviceD',
  reqs: string[],
  expect: string,
  mode: 'sync' | 'async' = 'sync',
): Promise<{ opsPerSec: number; msPerRequest: number; cpuOpsPerSec: number }> {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  for (let i = 0; i < reqs.length; i += BATCH) {
    const chunk = reqs.slice(i, i + BATCH);
    const replies =
      mode === 'sync'
        ? chunk.map((r) => dsp.handleRequest(endpoint, r))
        : await Promise.all(chunk.map((r) => dsp.handleRequestAsync(endpoint, r)));
    for (const reply of replies)
      if (reply.responseCode !== expect) throw new Error(`bench request failed: ${reply.body}`);
    await dsp.flush();
  }
  const ms = performance.now() - t0;
  const cpu = cpuSeconds() - c0;
  return {
    opsPerSec: (reqs.length / ms) * 1000,
    msPerRequest: ms / reqs.length,
    cpuOpsPerSec: reqs.length / cpu,
  };
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const n = quick ? 300 : 2000;
  const nXsd = quick ? 50 : 300;
  const dir = mkdtempSync(join(tmpdir(), 'dsp-bench-'));
  const results: BenchResult[] = [];
  try {
    // --- whole requests
    const warm = requests(1n, quick ? 50 : 300, 1);
    const cv1 = requests(1000n, n, 1);
    const cv2 = requests(1_000_000n, n, 2);
    const xsdReqs = requests(2_000_000n, nXsd, 1);
    const cv1Batch = requests(3_000_000n, n, 1);
    const off = await openDsp(join(dir, 'off'), false);
    await timeRequests(off.dsp, 'serviceS', warm, 'I99');
    const a = await timeRequests(off.dsp, 'serviceS', cv1, 'I99');
    results.push({
      name: 'dsp.request (xsd off)',
      opsPerSec: a.opsPerSec,
      extra: { msPerRequest: a.msPerRequest, perCpuSecond: a.cpuOpsPerSec, cv: 1, store: 'sqlite' },
    });
    const b = await timeRequests(off.dsp, 'serviceD', cv2, 'I0');
    results.push({
      name: 'dsp.request.cv2 (xsd off)',
      opsPerSec: b.opsPerSec,
      extra: { msPerRequest: b.msPerRequest, perCpuSecond: b.cpuOpsPerSec, cv: 2, store: 'sqlite' },
    });
    const on = await openDsp(join(dir, 'on'), true);
    await timeRequests(on.dsp, 'serviceS', requests(1n, 10, 1), 'I99');
    const c = await timeRequests(on.dsp, 'serviceS', xsdReqs, 'I99');
    results.push({
      name: 'dsp.request (xsd on, 1/run)',
      opsPerSec: c.opsPerSec,
      extra: {
        msPerRequest: c.msPerRequest,
        perCpuSecond: c.cpuOpsPerSec,
        cv: 1,
        xmllint: 'one process per request (handleRequest)',
      },
    });
    const d = await timeRequests(
      on.dsp,
      'serviceS',
      cv1.map((_, i) => cv1Batch[i]),
      'I99',
      'async',
    );
    results.push({
      name: 'dsp.request (xsd on, batch)',
      opsPerSec: d.opsPerSec,
      extra: {
        msPerRequest: d.msPerRequest,
        perCpuSecond: d.cpuOpsPerSec,
        cv: 1,
        xmllint: `batched (handleRequestAsync, ${BATCH} in flight)`,
      },
    });

    // --- the parts
    const budgetMs = quick ? 300 : 1000;
    const trust = new XmlSigningCertificateStore([SUPPLIER_XML_CERT]);
    const sample = cv1[0];
    const parsed = verifyAndParseDuisRequest(sample, trust).request;
    const ctx = {
      security: off.dsp.security,
      deviceTypeOf: off.dsp.inventory.deviceTypeOf,
      esmeVariantOf: off.dsp.inventory.esmeVariantOf,
      clock: { now: () => Date.UTC(2026, 0, 1) },
    };
    const response = buildDuisResponse({
      header: { requestId: parsed.header.requestId, responseCode: 'I99', responseDateTime: new Date(0) },
      body: { kind: 'ResponseMessage', serviceReference: '4.1', serviceReferenceVariant: '4.1.1' },
    });
    const xsd = new DuisXsdValidator();
    let sink = 0;
    results.push(
      measure({
        name: 'dsp.part.verifyParse',
        budgetMs,
        batch: () => {
          sink += verifyAndParseDuisRequest(sample, trust).request.header.commandVariant;
          return 1;
        },
      }),
      measure({
        name: 'dsp.part.transformMac',
        budgetMs,
        batch: () => {
          sink += transformServiceRequest(parsed, ctx).gbcs.length;
          return 1;
        },
      }),
      measure({
        name: 'dsp.part.buildSignResponse',
        budgetMs,
        batch: () => {
          sink += signDuisXml(response, dspSigner).length;
          return 1;
        },
      }),
      measure({
        name: 'dsp.part.xmllint',
        budgetMs,
        warmupMs: 50,
        batch: () => {
          sink += xsd.validate(sample).valid ? 1 : 0;
          return 1;
        },
      }),
    );
    if (sink < 0) throw new Error('unreachable');
    await off.dsp.close();
    await on.dsp.close();
    await off.store.close();
    await on.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
