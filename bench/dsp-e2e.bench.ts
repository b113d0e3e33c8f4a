/**
 * The DSP service end to end over HTTP (issue 17 "Performance"): signed DUIS
 * requests built from the DUIS templates of the SRs the DSP supports (each
 * template the DSP accepts with its own Command Variant, re-signed per user
 * with a fresh counter), POSTed on keep-alive connections (one per user, in
 * counter order) by a client in another process, through fastify, the cheap
 * checks, the DUIS XSD (in process), XML-DSig verify, the checks, transform
 * and ACB MAC, the store (SQLite file, every answer committed first) and a
 * signed DUIS Response.
 *
 * Modes, all served by the same process, in rounds alternating between them
 * (figures comparable; an idle server costs nothing):
 * - `dsp.e2e (1 thread, store via Kysely)`: the same with the DSP journal
 *   writing through Kysely (a query compiled per call), as before the
 *   statements prepared once (persistence.ts);
 * - `dsp.e2e (1 thread)`: everything on the event loop (the default);
 * - `dsp.e2e (N workers)`: `startDspHttp({ workers: N })` (dsp-workers.ts):
 *   XSD, XML-DSig verify + parse and Response signing on N worker threads,
 *   the DSP state (counters, requests, store) on the main thread.
 *
 * - `dsp.e2e (http floor)`: no DSP: a fastify server with the same body
 *   parser answering every POST with a fixed body of a DUIS Response's size
 *   (what HTTP and the client cost here, whatever the DSP does).
 *
 * Printed per mode: SR/s (wall), `cpuMsPerRequest` = CPU of the server process
 * (every thread: process.cpuUsage) per request, of which `mainThreadMs` on
 * its main thread (fastify, the DSP state, the store) and `otherThreadsMs`
 * on the others (the DSP workers, GC and I/O helpers), `clientCpuMs` the
 * client process's, `xFloor` = cpuMsPerRequest over the crypto floor measured
 * in the same run (`dsp.e2e.cryptoFloor`: one ECDSA P-256 verify plus one
 * sign with node:crypto, keys imported once, over 600 bytes), `cores` =
 * server CPU time over wall time, and `perCommit` = requests per store
 * transaction (the journal's group commit).
 *
 * `dsp.e2e.stages`: where one request's CPU goes on the one-thread path, the
 * same mix run in process stage by stage (no HTTP), CPU ms per request each:
 * precheck (check 0), xsd (check 1, libxml2-wasm, and the DUIS tree read
 * from its parse), verifyParse (check 2: XML-DSig verify and the DUIS
 * reading of that tree), dsp (checks 3-6, transform, ACB MAC,
 * records and journal queueing: DspService.handleVerified), sign (the DUIS
 * Response built and signed), store (the journal's commits, one per 8
 * requests as with 8 connections), and `httpAndRest` = the one-thread e2e
 * figure minus their sum (fastify, sockets, GC between requests).
 *
 * Machine load (`uptime`) inflates wall rates much more than CPU ms; the
 * load average at the start is printed with the crypto floor.
 */
import { spawn } from 'node:child_process';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, type Store } from '../src/adapters/store/index.ts';
import { type FrontOutcome, READ_TREE, verifyRequest } from '../src/dcc/dsp/front.ts';
import {
  type DspReply,
  type DuisEndpoint,
  endpointForCommandVariant,
  type RunningDspHttp,
  startDspHttp,
} from '../src/dcc/dsp/index.ts';
import { precheckDuisRequest } from '../src/dcc/dsp/precheck.ts';
import { CHANGE_OF_SUPPLIER_SRV } from '../src/dcc/dsp/scheduler.ts';
import { DspService } from '../src/dcc/dsp/service.ts';
import {
  buildDuisResponseDocument,
  type CommandVariant,
  signBuiltDuis,
  XmlSigningCertificateStore,
  xmlSigner,
} from '../src/duis/index.ts';
import { InProcessDuisXsdValidator } from '../src/duis/xsd-inprocess.ts';
import { SecurityContext } from '../src/gbcs/index.ts';
import { createTestPki } from '../src/gbcs/pki.ts';
import type { Eui } from '../src/runtime/bytes.ts';
import { SystemClock } from '../src/runtime/clock.ts';
import { CspDownlinkTestDouble } from '../test/support/csp-downlink-test-double.ts';
import {
  dspSigner,
  RTDS_INVENTORY,
  rtdsKeys,
  SUPPLIER_USER,
  templateRequest,
} from '../test/support/dsp-service.ts';
import { supportedTemplates } from '../test/support/dsp-transform.ts';
import type { BenchResult } from './harness.ts';

/** CPU ms of the calling thread (Linux /proc/thread-self; 0 elsewhere): the server's main thread. */
function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** CPU ms of every thread of this process by thread id (Linux /proc/self/task; empty elsewhere). */
function tasksCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(tid, (Number(f[11]) + Number(f[12])) * 10);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

/** Per-thread CPU ms between two tasksCpuMs() readings, the busiest first, the main thread left out. */
function otherThreads(before: Map<string, number>, after: Map<string, number>): number[] {
  const main = readlinkSync('/proc/thread-self').split('/').pop();
  const out: number[] = [];
  for (const [tid, ms] of after) if (tid !== main) out.push(ms - (before.get(tid) ?? 0));
  return out.sort((a, b) => b - a);
}

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** Starts the main thread's CPU profiler (node:inspector); the returned function stops it and gives the profile. */
async function startProfile(): Promise<() => Promise<object>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/** The HTTP floor: the same fastify body parser, a fixed answer of a DUIS Response's size, no DSP. */
async function startHttpFloor(): Promise<{ url: string; close(): Promise<void> }> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  const body = `<sr:ResponseCode>I0</sr:ResponseCode>${' '.repeat(2400)}`;
  for (const endpoint of ['serviceS', 'serviceT', 'serviceD'])
    app.post(`/api/v1/${endpoint}`, async (_req, reply) =>
      reply.code(200).type('application/xml; charset=utf-8').send(body),
    );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** CPU ms of one ECDSA P-256 verify + one sign (SHA-256), node:crypto, keys imported once. */
function cryptoFloor(budgetMs: number): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const data = Buffer.alloc(600, 7);
  const sig = createSign('sha256').update(data).sign(privateKey);
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    for (let i = 0; i < 20; i++) {
      if (!createVerify('sha256').update(data).verify(publicKey, sig)) throw new Error('floor: verify');
      createSign('sha256').update(data).sign(privateKey);
    }
    n += 20;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / n;
}

interface User {
  eui: Eui;
  signer: ReturnType<typeof xmlSigner>;
  certPem: string;
}

/** `count` supplier users with their own XML-signing keys (x500UniqueIdentifier = the EUI). */
async function makeUsers(count: number): Promise<User[]> {
  const pki = await createTestPki();
  const out: User[] = [];
  for (let i = 0; i < count; i++) {
    const eui = `90B3D51F3001${(0x100 + i).toString(16).toUpperCase().padStart(4, '0')}`;
    const { ds } = await pki.addRemoteParty(eui, 1, { storePrivateKeys: false });
    out.push({ eui, signer: xmlSigner(ds.privateKey, ds.certificatePem), certPem: ds.certificatePem });
  }
  return out;
}

interface Sr {
  file: string;
  cv: CommandVariant;
  endpoint: DuisEndpoint;
}

async function openDsp(dir: string, users: User[], kyselyStore = false) {
  const store = await openStore({ dataDir: dir });
  await migrate(store);
  const dsp = await DspService.open({
    clock: new SystemClock(),
    // without the SQLite handle the journal writes through Kysely (as before the prepared statements)
    store: kyselyStore ? { ...store, sqlite: undefined } : store,
    security: new SecurityContext({ keyStore: rtdsKeys() }),
    xmlSigner: dspSigner,
    downlink: new CspDownlinkTestDouble(),
    transport: { post: async () => ({ status: 200 }) },
  });
  for (const u of users)
    dsp.registerUser({
      ...SUPPLIER_USER,
      eui: u.eui,
      name: `bench ${u.eui}`,
      xmlSigningCertificates: [u.certPem],
    });
  for (const d of RTDS_INVENTORY) dsp.setInventoryDevice({ ...d });
  await dsp.flush();
  return { store, dsp };
}

/**
 * The templates the DSP accepts with their own CV (I0 / I99), tried once in
 * process, leaving out any after which the estate no longer takes what it
 * took before (e.g. 8.5 Service Opt Out: the device's SRs get E5 from then):
 * after each accepted template, the first accepted one of every target is
 * sent again; if one is refused, that template is left out and the trial
 * goes on with a fresh DSP. 6.23 (change of supplier) is left out: it makes
 * its sender the meter's one registered supplier (registration.ts).
 */
async function acceptedMix(dir: string, user: User): Promise<Sr[]> {
  const out: Sr[] = [];
  const probes = new Map<string, Sr>();
  let counter = BigInt(Date.now()) - 1_000_000n;
  let opened = 0;
  let dsp: DspService | undefined;
  let store: Store | undefined;
  const open = async () => {
    await dsp?.close();
    await store?.close();
    ({ store, dsp } = await openDsp(join(dir, String(opened++)), [user]));
  };
  const accepted = (sr: Sr) => {
    const xml = templateRequest(sr.file, { counter: counter++, originator: user.eui, signer: user.signer });
    const r = dsp!.handleRequest(sr.endpoint, xml);
    return r.httpStatus === 200 && (r.responseCode === 'I0' || r.responseCode === 'I99');
  };
  try {
    await open();
    for (const t of supportedTemplates()) {
      // 6.23 (change of supplier) makes the one user who sends it the meter's registered supplier
      // (registration.ts): every other user's SRs to that meter would then get E4
      if (t.srv === CHANGE_OF_SUPPLIER_SRV) continue;
      const cv = Number(/<sr:CommandVariant>(\d)</.exec(t.xml)?.[1]) as CommandVariant;
      if (!cv) continue;
      const sr: Sr = { file: t.file, cv, endpoint: endpointForCommandVariant(cv) };
      if (!accepted(sr)) continue;
      if (![...probes.values()].every(accepted)) {
        await open();
        continue;
      }
      out.push(sr);
      const target = /<sr:RequestID>[^:<]*:([^:<]*):/.exec(t.xml)?.[1] ?? '';
      if (!probes.has(target)) probes.set(target, sr);
    }
    await dsp?.flush();
  } finally {
    await dsp?.close();
    await store?.close();
  }
  return out;
}

/** The client (a child process): one keep-alive connection per user, each user's requests in order. */
const CLIENT = `
const http = require('node:http');
const fs = require('node:fs');
const { url, file } = JSON.parse(process.argv[1]);
const lanes = JSON.parse(fs.readFileSync(file, 'utf8'));
const one = (agent, endpoint, body) => new Promise((resolve, reject) => {
  const req = http.request(url + '/api/v1/' + endpoint, { method: 'POST', agent, headers: { 'content-type': 'application/xml' } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (res.statusCode !== 200 || !/<sr:ResponseCode>I(0|99)</.test(text)) reject(new Error('bench request failed: ' + res.statusCode + ' ' + text.slice(0, 300)));
      else resolve();
    });
  });
  req.on('error', reject);
  req.end(body);
});
const c0 = process.cpuUsage();
const t0 = performance.now();
Promise.all(lanes.map(async (lane) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const [endpoint, body] of lane) await one(agent, endpoint, body);
  agent.destroy();
})).then(() => {
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
}, (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

function runClient(url: string, file: string): Promise<{ ms: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, JSON.stringify({ url, file })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as { ms: number; cpuMs: number });
      else reject(new Error(`bench client failed: ${err}`));
    });
  });
}

/** Per user, `perUser` requests of the mix (round robin), signed, counters increasing. */
function lanes(
  users: User[],
  mix: Sr[],
  perUser: number,
  from: bigint,
): Array<Array<[DuisEndpoint, string]>> {
  return users.map((u, k) => {
    const lane: Array<[DuisEndpoint, string]> = [];
    for (let i = 0; i < perUser; i++) {
      const sr = mix[(i + k) % mix.length];
      lane.push([
        sr.endpoint,
        templateRequest(sr.file, { counter: from + BigInt(i), originator: u.eui, signer: u.signer }),
      ]);
    }
    return lane;
  });
}

/**
 * CPU ms per request of each stage of the one-thread path (see the header),
 * over `perUser` requests per user of the mix, each stage over every
 * request before the next stage starts.
 */
async function stages(
  dir: string,
  users: User[],
  mix: Sr[],
  perUser: number,
  from: bigint,
): Promise<Record<string, number>> {
  const { store, dsp } = await openDsp(dir, users);
  try {
    const byUser = lanes(users, mix, perUser, from);
    const reqs: Array<[DuisEndpoint, string]> = [];
    for (let i = 0; i < perUser; i++) for (const lane of byUser) reqs.push(lane[i]);
    const n = reqs.length;
    const known = new Set(users.map((u) => u.eui));
    const trust = new XmlSigningCertificateStore(users.map((u) => u.certPem));
    const xsd = InProcessDuisXsdValidator.shared();
    const limits = dsp.precheckLimits;
    const now = dsp.clock.now();
    const out: Record<string, number> = {};
    const stage = <T>(name: string, f: () => T): T => {
      const c0 = cpuMs();
      const r = f();
      out[name] = (cpuMs() - c0) / n;
      return r;
    };
    stage('precheck', () => {
      for (const [, xml] of reqs) precheckDuisRequest(xml, (e) => known.has(e), limits);
    });
    // the XSD hands its parsed tree to verifyParse (one parse per request), as the DSP does
    const valid = stage('xsd', () => reqs.map(([, xml]) => xsd.validate(xml, READ_TREE)));
    const verified = stage('verifyParse', () =>
      reqs.map(([, xml], i) => verifyRequest(xml, valid[i], trust, now)),
    );
    // checks 3-6 to journal queueing, then the commit, per batch of the 8 connections' requests
    const replies: DspReply[] = [];
    let dspMs = 0;
    let storeMs = 0;
    for (let i = 0; i < n; i += users.length) {
      const c0 = cpuMs();
      for (let k = i; k < Math.min(n, i + users.length); k++) {
        const outcome: FrontOutcome = { kind: 'verified', request: verified[k] };
        replies.push(
          dsp.handleVerified(reqs[k][0], reqs[k][1], outcome, dsp.trustGeneration, { deferSigning: true }),
        );
      }
      const c1 = cpuMs();
      await dsp.flush();
      dspMs += c1 - c0;
      storeMs += cpuMs() - c1;
    }
    out.dsp = dspMs / n;
    out.store = storeMs / n;
    stage('sign', () => {
      for (const r of replies) {
        if (!r.unsignedResponse)
          throw new Error(`bench stages: no response to sign (${r.body.slice(0, 200)})`);
        signBuiltDuis(buildDuisResponseDocument(r.unsignedResponse), dspSigner);
      }
    });
    return out;
  } finally {
    await dsp.close();
    await store.close();
  }
}

export interface E2eMode {
  name: string;
  workers: number;
  /** The DSP journal through Kysely (compiled per call), not the statements prepared once: the before. */
  kyselyStore?: boolean;
  /** No DSP: the HTTP floor (startHttpFloor). */
  floor?: boolean;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-e2e-'));
  const results: BenchResult[] = [];
  try {
    const floor = cryptoFloor(quick ? 300 : 1000);
    results.push({
      name: 'dsp.e2e.cryptoFloor',
      opsPerSec: 1000 / floor,
      extra: {
        cpuMsPerOp: floor,
        op: 'one ECDSA P-256 verify + one sign (node:crypto)',
        load1: loadavg()[0],
        cpus: availableParallelism(),
      },
    });
    const nUsers = 8;
    const perUser = quick ? 150 : 600;
    const users = await makeUsers(nUsers);
    const mix = await acceptedMix(join(dir, 'mix'), users[0]);
    const modes: E2eMode[] = [
      { name: 'http floor', workers: 0, floor: true },
      { name: '1 thread, store via Kysely', workers: 0, kyselyStore: true },
      { name: '1 thread', workers: 0 },
    ];
    // DSP_BENCH_WORKERS=1,2: a workers mode per count (default 2; 0: none)
    for (const workers of (process.env.DSP_BENCH_WORKERS ?? '2').split(',').map(Number))
      if (workers > 0) modes.push({ name: `${workers} worker${workers > 1 ? 's' : ''}`, workers });
    // DSP_BENCH_MODES=name,name: only these modes (e.g. to profile one with --cpu-prof)
    const only = process.env.DSP_BENCH_MODES?.split(',');
    if (only) modes.splice(0, modes.length, ...modes.filter((m) => only.includes(m.name)));
    let from = BigInt(Date.now()) - 50_000_000n;
    // Every mode's server open at once; warm-up, then rounds alternating between the modes, so that
    // drift (JIT, GC, other load on a shared machine) falls on each alike. An idle server costs nothing.
    const servers: Array<{
      mode: E2eMode;
      dsp?: { store: Store; dsp: DspService };
      http: Pick<RunningDspHttp, 'url' | 'close'>;
    }> = [];
    try {
      for (const mode of modes) {
        if (mode.floor) {
          servers.push({ mode, http: await startHttpFloor() });
          continue;
        }
        const opened = await openDsp(join(dir, mode.name.replace(/\W/g, '')), users, mode.kyselyStore);
        const http = await startDspHttp({
          dsp: opened.dsp,
          port: 0,
          ...(mode.workers > 0 ? { workers: mode.workers } : {}),
        });
        servers.push({ mode, dsp: opened, http });
      }
      const file = join(dir, 'lanes.json');
      const send = async (s: (typeof servers)[number], perLane: number) => {
        writeFileSync(file, JSON.stringify(lanes(users, mix, perLane, from)));
        from += 1_000_000n;
        const commits0 = s.dsp?.dsp.journal.commits ?? 0;
        const c0 = cpuMs();
        const m0 = threadCpuMs();
        const t0 = tasksCpuMs();
        const client = await runClient(s.http.url, file);
        const others = otherThreads(t0, tasksCpuMs());
        // DSP_BENCH_THREADS=1: each round's per-thread CPU ms (the main thread left out) on stderr
        if (process.env.DSP_BENCH_THREADS)
          process.stderr.write(`${s.mode.name}: ${others.filter((x) => x > 0).join(' ')}\n`);
        return {
          // the other threads: the busiest (the DSP workers when there are), then the rest summed
          top1: others[0] ?? 0,
          top2: others[1] ?? 0,
          rest: others.slice(2).reduce((a, b) => a + b, 0),
          ms: client.ms,
          clientCpuMs: client.cpuMs,
          cpuMs: cpuMs() - c0,
          mainMs: threadCpuMs() - m0,
          commits: (s.dsp?.dsp.journal.commits ?? 0) - commits0,
        };
      };
      for (const s of servers) await send(s, quick ? 30 : 100);
      // DSP_BENCH_PROFILE=file.cpuprofile: the main thread's CPU profile over the measured rounds only
      const profile = process.env.DSP_BENCH_PROFILE ? await startProfile() : undefined;
      const rounds = 3;
      const totals = servers.map(() => ({
        ms: 0,
        clientCpuMs: 0,
        cpuMs: 0,
        mainMs: 0,
        commits: 0,
        top1: 0,
        top2: 0,
        rest: 0,
      }));
      for (let r = 0; r < rounds; r++)
        for (const [i, s] of servers.entries()) {
          const t = await send(s, Math.ceil(perUser / rounds));
          for (const k of Object.keys(t) as Array<keyof typeof t>) totals[i][k] += t[k];
        }
      if (profile && process.env.DSP_BENCH_PROFILE)
        writeFileSync(process.env.DSP_BENCH_PROFILE, JSON.stringify(await profile()));
      const n = nUsers * Math.ceil(perUser / rounds) * rounds;
      let oneThreadMs: number | undefined;
      for (const [i, s] of servers.entries()) {
        const t = totals[i];
        if (s.mode.name === '1 thread') oneThreadMs = t.cpuMs / n;
        results.push({
          name: `dsp.e2e (${s.mode.name})`,
          opsPerSec: (n / t.ms) * 1000,
          extra: {
            cpuMsPerRequest: t.cpuMs / n,
            mainThreadMs: t.mainMs / n,
            otherThreadsMs: (t.cpuMs - t.mainMs) / n,
            // the other threads' CPU ms per request: the two busiest (DSP workers), the rest (GC, libuv, loader)
            threads: `${(t.top1 / n).toFixed(3)}+${(t.top2 / n).toFixed(3)}+${(t.rest / n).toFixed(3)}`,
            xFloor: t.cpuMs / n / floor,
            cores: t.cpuMs / t.ms,
            clientCpuMs: t.clientCpuMs / n,
            ...(s.dsp ? { perCommit: n / Math.max(1, t.commits) } : {}),
            requests: n,
            templates: mix.length,
            connections: nUsers,
          },
        });
      }
      const st = await stages(join(dir, 'stages'), users, mix, quick ? 40 : 150, from);
      const sum = Object.values(st).reduce((a, b) => a + b, 0);
      results.push({
        name: 'dsp.e2e.stages',
        opsPerSec: 1000 / sum,
        extra: {
          ...st,
          sum,
          ...(oneThreadMs !== undefined ? { httpAndRest: oneThreadMs - sum } : {}),
          unit: 'CPU ms per request, in process, one thread',
        },
      });
    } finally {
      for (const s of servers) {
        await s.http.close();
        await s.dsp?.dsp.close();
        await s.dsp?.store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
