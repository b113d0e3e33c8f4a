/**
 * DSP service throughput, in process (no HTTP), one core:
 * - dsp.request (xsd off): signed DUIS requests (4.1.1, CV 1) through XML
 *   signature verify + parse -> checks -> transform -> ACB MAC -> handed to
 *   the WAN -> signed I99 response, with every store write committed (SQLite
 *   file, write-behind journal flushed per batch of 100);
 * - dsp.request.cv2 (xsd off): the same for CV 2 (Local Command in the
 *   response, plus the DSP-4 log and DSP-5 charge rows);
 * - dsp.request (xsd in-process): as the first with the DUIS XSD check by
 *   the default validator (libxml2-wasm, schema compiled once per process),
 *   through handleRequestAsync (what HTTP uses);
 * - dsp.request (xsd xmllint, batch): the xmllint engine, runs batched
 *   (handleRequestAsync); (xsd xmllint, 1/run): one xmllint per request (sync API);
 * - the parts, to say what dominates: verify+parse, transform+MAC, response
 *   build+sign, in-process XSD, one xmllint run.
 * - issue 13, the authentication layers, before and after in one run:
 *   dsp.part.precheck (the cheap checks before any parse, in every request
 *   above), and dsp.http (plain) vs dsp.http (tls+auth): the same DSP
 *   behind HTTP without TLS or guard, and behind https with the user's
 *   client certificate (keep-alive), the operator guard and the TLS
 *   identity check; CPU ms per request of this process (client and server),
 *   and `authCost` = the share the layers add.
 * Requests are signed before timing (unique, increasing counters).
 * `cpuMsPerRequest` (and its inverse `perCpuSecond`) counts the CPU time
 * this process and its xmllint children used: the main figure, since other
 * load on a shared machine inflates wall-clock times but hardly CPU time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { installHttpGuard } from '../src/adapters/http/guard.ts';
import { TestPki } from '../src/adapters/pki/index.ts';
import { migrate, openStore } from '../src/adapters/store/index.ts';
import { DSP_PUBLIC_PATHS, startDspHttp } from '../src/dcc/dsp/http.ts';
import { DspService } from '../src/dcc/dsp/index.ts';
import { DspPrecheckError, precheckDuisRequest } from '../src/dcc/dsp/precheck.ts';
import { transformServiceRequest } from '../src/dcc/dsp/transform/index.ts';
import {
  buildDuisResponse,
  type DuisXsdValidation,
  DuisXsdValidator,
  readInstantaneousImportRegistersBody,
  signDuisXml,
  verifyAndParseDuisRequest,
  XmlSigningCertificateStore,
} from '../src/duis/index.ts';
import { InProcessDuisXsdValidator } from '../src/duis/xsd-inprocess.ts';
import { SecurityContext } from '../src/gbcs/index.ts';
import { VirtualClock } from '../src/runtime/clock.ts';
import { OperatorRegistry } from '../src/runtime/operators.ts';
import { CspDownlinkTestDouble } from '../test/support/csp-downlink-test-double.ts';
import {
  dspSigner,
  ESME,
  RTDS_INVENTORY,
  rtdsKeys,
  SUPPLIER,
  SUPPLIER_USER,
  SUPPLIER_XML_CERT,
  signedRequest,
} from '../test/support/dsp-service.ts';
import type { BenchResult } from './harness.ts';

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

async function openDsp(dir: string, xsd: 'off' | DuisXsdValidation) {
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
    xsdValidation: xsd !== 'off',
    ...(xsd !== 'off' ? { xsdValidator: xsd } : {}),
  });
  dsp.registerUser(SUPPLIER_USER);
  for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
  await dsp.flush();
  return { store, dsp, downlink };
}

interface Served {
  url: string;
  /** The client's TLS options (CA, its certificate and key), for https. */
  tls?: { ca: string; cert: string; key: string };
  close(): Promise<void>;
}

/** The DSP behind HTTP: plain (no guard), or https with client certificates and the guard (issue 13). */
async function serveDsp(dsp: DspService, pki: TestPki | undefined): Promise<Served> {
  const operators = OperatorRegistry.ephemeral();
  const http = await startDspHttp({
    dsp,
    port: 0,
    ...(pki
      ? {
          tls: { certPem: pki.server.certPem, keyPem: pki.server.keyPem, clientCaPem: pki.caCertPem },
          guard: (app) =>
            installHttpGuard(app, { operators, bindHost: '127.0.0.1', publicPaths: DSP_PUBLIC_PATHS }),
        }
      : {}),
  });
  const client = pki ? await pki.clientCredentials(SUPPLIER, 'DCC User') : undefined;
  return {
    url: http.url,
    ...(client ? { tls: { ca: pki!.caCertPem, cert: client.certPem, key: client.keyPem } } : {}),
    close: () => http.close(),
  };
}

/** `n` requests in `ms` of wall time and `cpu` CPU seconds. */
function timing(n: number, ms: number, cpu: number): Timing {
  return {
    opsPerSec: (n / ms) * 1000,
    msPerRequest: ms / n,
    cpuMsPerRequest: (cpu * 1000) / n,
    cpuOpsPerSec: n / cpu,
  };
}

/** Rounds of equal size, as one timing. */
function sumTimings(ts: Timing[]): Timing {
  const ms = ts.reduce((a, t) => a + t.msPerRequest, 0) / ts.length;
  const cpuMs = ts.reduce((a, t) => a + t.cpuMsPerRequest, 0) / ts.length;
  return { opsPerSec: 1000 / ms, msPerRequest: ms, cpuMsPerRequest: cpuMs, cpuOpsPerSec: 1000 / cpuMs };
}

/** CPU seconds of the calling thread only (Linux /proc/thread-self): the server's share, not the client's. */
function threadCpuSeconds(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ 100)
}

/** The client, in a worker thread: POSTs each request on one keep-alive connection, in order (check 5). */
const CLIENT = `
const { workerData, parentPort } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const { url, tls, reqs } = workerData;
const mod = url.startsWith('https:') ? https : http;
const agent = new mod.Agent({ keepAlive: true, maxSockets: 1, ...(tls || {}) });
const one = (body) => new Promise((resolve, reject) => {
  const req = mod.request(url + '/api/v1/serviceS', { method: 'POST', agent, headers: { 'content-type': 'application/xml' } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (res.statusCode !== 200 || !text.includes('I99')) reject(new Error('bench request failed: ' + text));
      else resolve();
    });
  });
  req.on('error', reject);
  req.end(body);
});
(async () => { for (const r of reqs) await one(r); agent.destroy(); parentPort.postMessage('done'); })()
  .catch((e) => parentPort.postMessage('error: ' + e.message));
`;

/**
 * Sends `reqs` from a client in a worker thread and measures the CPU of this
 * thread only, where the DSP and its HTTP server run: the server's cost per
 * request, without the client's (its TLS included).
 */
async function postAll(s: Served, reqs: string[]): Promise<Timing> {
  const t0 = performance.now();
  const c0 = threadCpuSeconds();
  const worker = new Worker(CLIENT, { eval: true, workerData: { url: s.url, tls: s.tls, reqs } });
  const outcome = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: string) => resolve(m));
    worker.once('error', reject);
  });
  await worker.terminate();
  if (outcome !== 'done') throw new Error(outcome);
  return timing(reqs.length, performance.now() - t0, threadCpuSeconds() - c0);
}

interface Timing {
  opsPerSec: number;
  msPerRequest: number;
  cpuMsPerRequest: number;
  cpuOpsPerSec: number;
}

function extra(t: Timing, more: Record<string, string | number>): Record<string, string | number> {
  return {
    cpuMsPerRequest: t.cpuMsPerRequest,
    perCpuSecond: t.cpuOpsPerSec,
    msPerRequest: t.msPerRequest,
    ...more,
  };
}

/** Timed repetitions of one part: wall-clock ops/s and CPU ms per op (this process only). */
function part(name: string, budgetMs: number, op: () => void): BenchResult {
  const warm = performance.now();
  while (performance.now() - warm < Math.min(200, budgetMs / 3)) op();
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < budgetMs) {
    for (let i = 0; i < 10; i++) op();
    n += 10;
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000 / n;
  return { name, opsPerSec: (n / ms) * 1000, extra: { cpuMsPerOp: cpuMs, perCpuSecond: 1000 / cpuMs } };
}

/** Runs the requests in batches, flushing the store after each; returns requests/s. */
async function timeRequests(
  dsp: DspService,
  endpoint: 'serviceS' | 'serviceD',
  reqs: string[],
  expect: string,
  mode: 'sync' | 'async' = 'sync',
): Promise<Timing> {
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
  return timing(reqs.length, performance.now() - t0, cpuSeconds() - c0);
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const n = quick ? 300 : 2000;
  const nOneRun = quick ? 30 : 150;
  const dir = mkdtempSync(join(tmpdir(), 'dsp-bench-'));
  const results: BenchResult[] = [];
  try {
    // --- whole requests
    const warm = requests(1n, quick ? 50 : 300, 1);
    const cv1 = requests(1000n, n, 1);
    const cv2 = requests(1_000_000n, n, 2);
    const inProcessReqs = requests(2_000_000n, n, 1);
    const batchReqs = requests(3_000_000n, n, 1);
    const oneRunReqs = requests(4_000_000n, nOneRun, 1);
    const off = await openDsp(join(dir, 'off'), 'off');
    await timeRequests(off.dsp, 'serviceS', warm, 'I99');
    const a = await timeRequests(off.dsp, 'serviceS', cv1, 'I99');
    results.push({ name: 'dsp.request (xsd off)', opsPerSec: a.opsPerSec, extra: extra(a, { cv: 1 }) });
    const b = await timeRequests(off.dsp, 'serviceD', cv2, 'I0');
    results.push({ name: 'dsp.request.cv2 (xsd off)', opsPerSec: b.opsPerSec, extra: extra(b, { cv: 2 }) });

    const inProcess = InProcessDuisXsdValidator.shared();
    const ip = await openDsp(join(dir, 'in-process'), inProcess);
    await timeRequests(ip.dsp, 'serviceS', requests(1n, 100, 1), 'I99', 'async');
    const c = await timeRequests(ip.dsp, 'serviceS', inProcessReqs, 'I99', 'async');
    results.push({
      name: 'dsp.request (xsd in-process)',
      opsPerSec: c.opsPerSec,
      extra: extra(c, {
        cv: 1,
        xsd: `libxml2-wasm, schema compiled once (handleRequestAsync, ${BATCH} in flight)`,
      }),
    });

    const lint = await openDsp(join(dir, 'xmllint'), new DuisXsdValidator());
    await timeRequests(lint.dsp, 'serviceS', requests(1n, 100, 1), 'I99', 'async');
    const d = await timeRequests(lint.dsp, 'serviceS', batchReqs, 'I99', 'async');
    results.push({
      name: 'dsp.request (xsd xmllint, batch)',
      opsPerSec: d.opsPerSec,
      extra: extra(d, { cv: 1, xsd: `xmllint, batched runs (handleRequestAsync, ${BATCH} in flight)` }),
    });
    const e = await timeRequests(lint.dsp, 'serviceS', oneRunReqs, 'I99');
    results.push({
      name: 'dsp.request (xsd xmllint, 1/run)',
      opsPerSec: e.opsPerSec,
      extra: extra(e, { cv: 1, xsd: 'xmllint, one process per request (handleRequest)' }),
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
    const xmllint = new DuisXsdValidator();
    let sink = 0;
    results.push(
      part('dsp.part.verifyParse', budgetMs, () => {
        sink += verifyAndParseDuisRequest(sample, trust).request.header.commandVariant;
      }),
      part('dsp.part.transformMac', budgetMs, () => {
        sink += transformServiceRequest(parsed, ctx).gbcs.length;
      }),
      part('dsp.part.buildSignResponse', budgetMs, () => {
        sink += signDuisXml(response, dspSigner).length;
      }),
      part('dsp.part.xsdInProcess', budgetMs, () => {
        sink += inProcess.validate(sample).valid ? 1 : 0;
      }),
    );
    // One xmllint run per document (wall-clock; its CPU is in a child process).
    const t0 = performance.now();
    let runs = 0;
    while (performance.now() - t0 < budgetMs) {
      sink += xmllint.validate(sample).valid ? 1 : 0;
      runs++;
    }
    results.push({ name: 'dsp.part.xmllint', opsPerSec: (runs / (performance.now() - t0)) * 1000 });
    results.push(
      part('dsp.part.precheck', budgetMs, () => {
        sink += precheckDuisRequest(sample, () => true).length;
      }),
    );
    // Issue 13: what a hostile unsigned body costs the shared event loop before it is refused (the
    // bodies of test/security/attacks.test.ts: deep nesting, a 700 KB body). Before the pre-check
    // each was parsed and schema-checked in full: 4-10 s.
    const deep = (n: number) => `<sr:Request xmlns:sr="x">${'<a>'.repeat(n)}${'</a>'.repeat(n)}</sr:Request>`;
    const hostile: Array<[string, string]> = [
      ['deep100k', deep(100_000)],
      ['deep5k', deep(5_000)],
      ['pad700k', `${deep(20)}${' '.repeat(700_000)}`],
    ];
    for (const [label, body] of hostile)
      results.push(
        part(`dsp.part.precheck.hostile.${label}`, budgetMs / 2, () => {
          try {
            precheckDuisRequest(body, () => true);
            throw new Error(`hostile body ${label} passed the pre-check`);
          } catch (err) {
            if (!(err instanceof DspPrecheckError)) throw err;
            sink += 1;
          }
        }),
      );
    if (sink < 0) throw new Error('unreachable');

    // --- issue 13: HTTP without and with the authentication layers (TLS client certificate, guard)
    const nHttp = quick ? 1000 : 3000;
    const plain = await serveDsp(off.dsp, undefined);
    const secured = await serveDsp(off.dsp, await TestPki.open());
    try {
      // one DSP, one user: its counters increase across both servers
      let ctr = 10_000_000n;
      const batch = (n: number) => {
        const r = requests(ctr, n, 1);
        ctr += BigInt(n);
        return r;
      };
      await postAll(plain, batch(200));
      await postAll(secured, batch(200));
      // alternating rounds, so that drift (JIT, GC, other load) falls on both alike
      const rounds = 5;
      const per = Math.ceil(nHttp / rounds);
      const timings: { before: Timing[]; after: Timing[] } = { before: [], after: [] };
      for (let r = 0; r < rounds; r++) {
        timings.before.push(await postAll(plain, batch(per)));
        timings.after.push(await postAll(secured, batch(per)));
      }
      const before = sumTimings(timings.before);
      const after = sumTimings(timings.after);
      results.push(
        { name: 'dsp.http (plain)', opsPerSec: before.opsPerSec, extra: extra(before, { cv: 1 }) },
        {
          name: 'dsp.http (tls+auth)',
          opsPerSec: after.opsPerSec,
          extra: extra(after, {
            cv: 1,
            auth: 'https, client certificate (keep-alive), Host/operator guard, TLS identity = signer',
            authCost: `${(((after.cpuMsPerRequest - before.cpuMsPerRequest) / before.cpuMsPerRequest) * 100).toFixed(1)} %`,
          }),
        },
      );
    } finally {
      await plain.close();
      await secured.close();
    }
    for (const x of [off, ip, lint]) {
      await x.dsp.close();
      await x.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
