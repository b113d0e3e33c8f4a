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
 * Printed per mode: SR/s (wall), `cpuMsPerRequest` = CPU of the server process
 * (every thread: process.cpuUsage) per request, `clientCpuMs` the client
 * process's, `xFloor` = cpuMsPerRequest over the crypto floor measured in the
 * same run (`dsp.e2e.cryptoFloor`: one ECDSA P-256 verify plus one sign with
 * node:crypto, keys imported once, over 600 bytes), and `cores` = server CPU
 * time over wall time.
 */
import { spawn } from 'node:child_process';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openStore, type Store } from '../src/adapters/store/index.ts';
import {
  type DuisEndpoint,
  endpointForCommandVariant,
  type RunningDspHttp,
  startDspHttp,
} from '../src/dcc/dsp/index.ts';
import { DspService } from '../src/dcc/dsp/service.ts';
import { type CommandVariant, xmlSigner } from '../src/duis/index.ts';
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

/** The templates the DSP accepts with their own CV (I0 / I99), tried once in process. */
async function acceptedMix(dir: string, user: User): Promise<Sr[]> {
  const { store, dsp } = await openDsp(dir, [user]);
  const out: Sr[] = [];
  let counter = BigInt(Date.now()) - 1_000_000n;
  try {
    for (const t of supportedTemplates()) {
      const cv = Number(/<sr:CommandVariant>(\d)</.exec(t.xml)?.[1]) as CommandVariant;
      if (!cv) continue;
      const endpoint = endpointForCommandVariant(cv);
      const xml = templateRequest(t.file, { counter: counter++, originator: user.eui, signer: user.signer });
      const r = dsp.handleRequest(endpoint, xml);
      if (r.httpStatus === 200 && (r.responseCode === 'I0' || r.responseCode === 'I99'))
        out.push({ file: t.file, cv, endpoint });
    }
    await dsp.flush();
  } finally {
    await dsp.close();
    await store.close();
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

export interface E2eMode {
  name: string;
  workers: number;
  /** The DSP journal through Kysely (compiled per call), not the statements prepared once: the before. */
  kyselyStore?: boolean;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dsp-e2e-'));
  const results: BenchResult[] = [];
  try {
    const floor = cryptoFloor(quick ? 300 : 1000);
    results.push({
      name: 'dsp.e2e.cryptoFloor',
      opsPerSec: 1000 / floor,
      extra: { cpuMsPerOp: floor, op: 'one ECDSA P-256 verify + one sign (node:crypto)' },
    });
    const nUsers = 8;
    const perUser = quick ? 150 : 600;
    const users = await makeUsers(nUsers);
    const mix = await acceptedMix(join(dir, 'mix'), users[0]);
    const modes: E2eMode[] = [
      { name: '1 thread, store via Kysely', workers: 0, kyselyStore: true },
      { name: '1 thread', workers: 0 },
    ];
    const workers = Number(process.env.DSP_BENCH_WORKERS ?? 2);
    if (workers > 0) modes.push({ name: `${workers} workers`, workers });
    let from = BigInt(Date.now()) - 50_000_000n;
    // Every mode's server open at once; warm-up, then rounds alternating between the modes, so that
    // drift (JIT, GC, other load on a shared machine) falls on each alike. An idle server costs nothing.
    const servers: Array<{ mode: E2eMode; store: Store; dsp: DspService; http: RunningDspHttp }> = [];
    try {
      for (const mode of modes) {
        const { store, dsp } = await openDsp(
          join(dir, mode.name.replace(/\W/g, '')),
          users,
          mode.kyselyStore,
        );
        const http = await startDspHttp({
          dsp,
          port: 0,
          ...(mode.workers > 0 ? { workers: mode.workers } : {}),
        });
        servers.push({ mode, store, dsp, http });
      }
      const file = join(dir, 'lanes.json');
      const send = async (url: string, perLane: number) => {
        writeFileSync(file, JSON.stringify(lanes(users, mix, perLane, from)));
        from += 1_000_000n;
        const c0 = process.cpuUsage();
        const client = await runClient(url, file);
        const c = process.cpuUsage(c0);
        return { ms: client.ms, clientCpuMs: client.cpuMs, cpuMs: (c.user + c.system) / 1000 };
      };
      for (const s of servers) await send(s.http.url, quick ? 30 : 100);
      const rounds = 3;
      const totals = servers.map(() => ({ ms: 0, clientCpuMs: 0, cpuMs: 0 }));
      for (let r = 0; r < rounds; r++)
        for (const [i, s] of servers.entries()) {
          const t = await send(s.http.url, Math.ceil(perUser / rounds));
          totals[i].ms += t.ms;
          totals[i].clientCpuMs += t.clientCpuMs;
          totals[i].cpuMs += t.cpuMs;
        }
      const n = nUsers * Math.ceil(perUser / rounds) * rounds;
      for (const [i, s] of servers.entries()) {
        const t = totals[i];
        results.push({
          name: `dsp.e2e (${s.mode.name})`,
          opsPerSec: (n / t.ms) * 1000,
          extra: {
            cpuMsPerRequest: t.cpuMs / n,
            xFloor: t.cpuMs / n / floor,
            cores: t.cpuMs / t.ms,
            clientCpuMs: t.clientCpuMs / n,
            requests: n,
            templates: mix.length,
            connections: nUsers,
          },
        });
      }
    } finally {
      for (const s of servers) {
        await s.http.close();
        await s.dsp.close();
        await s.store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
