/**
 * The processes of a split deployment as the e2e tests start them
 * (`bin/ppmid-relay.js` with `--split` and the estate): `spawnParty` keeps
 * each process's output and its exit, `freePort` picks a port free before the
 * start (every process must know the others' URLs); `startInProcessSplit`
 * runs the same parties as three systems in the test's own process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SystemOptions } from '../../src/system/config.ts';
import { type RunningSystem, startSystem } from '../../src/system/system.ts';
import { trustSystem } from './auth.ts';
import { CLI_BIN } from './cli.ts';

export interface Proc<N extends string = string> {
  name: N;
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnParty<N extends string>(
  name: N,
  args: string[],
  env: Record<string, string> = {},
): Proc<N> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    env: { ...process.env, PPMID_LOG: 'warn,system=info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return { name, child, out: () => out, err: () => err, exit };
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The three in-process systems of a split deployment (DSP+CHM, supplier, estate) and their data directory. */
export interface InProcessSplit {
  dir: string;
  dspChm: RunningSystem;
  supplier: RunningSystem;
  estate: RunningSystem;
  /** Stops the three (estate first) and removes the data directory. */
  stop(): Promise<void>;
}

/**
 * ARCHITECTURE "Scaling out" in one test process: three `startSystem`
 * instances sharing one data directory and talking only through ports (DUIS
 * over HTTPS, MQTT over TLS, the WAN link over HTTP), each trusted by the
 * test's operator credentials. `dspChm` options add to the DSP+CHM system's.
 */
export async function startInProcessSplit(o: {
  seed: string;
  dspChm?: Partial<SystemOptions>;
  /** options of all three parties (they must agree on the estate plan, e.g. `wanMix`) */
  common?: Partial<SystemOptions>;
}): Promise<InProcessSplit> {
  const dir = mkdtempSync(join(tmpdir(), `ppmid-${o.seed}-`));
  const [dspPort, supplierPort, mqttPort, dspWanPort, estateWanPort] = await Promise.all(
    Array.from({ length: 5 }, freePort),
  );
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const common: SystemOptions = {
    dataDir: dir,
    homes: 2,
    wanMix: 'reliable=2',
    seed: o.seed,
    workload: 'none',
    wan: { latency: { kind: 'fixed', ms: 20 }, retryIntervalMs: 1_000 },
    ...o.common,
  };
  const systems: RunningSystem[] = [];
  const stop = async () => {
    for (const s of systems.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const dspChm = await startSystem({
      ...common,
      parties: ['dsp', 'chm'],
      ports: { dsp: dspPort, chm: 0, start: 0, wan: dspWanPort },
      remote: { wanUrl: url(estateWanPort), supplierUrl: url(supplierPort) },
      ...o.dspChm,
    });
    systems.push(dspChm);
    const supplier = await startSystem({
      ...common,
      parties: ['supplier'],
      ports: { supplier: supplierPort, mqtt: mqttPort, start: 0 },
      remote: { dspUrl: `https://127.0.0.1:${dspPort}` },
    });
    systems.push(supplier);
    const estate = await startSystem({
      ...common,
      parties: ['estate'],
      ports: { start: 0, wan: estateWanPort },
      mqttUrl: `mqtts://127.0.0.1:${mqttPort}`,
      mqttProtocolVersion: 4,
      remote: { supplierUrl: url(supplierPort), dspWanUrl: url(dspWanPort) },
    });
    systems.push(estate);
    for (const s of systems) trustSystem(s);
    return { dir, dspChm, supplier, estate, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
