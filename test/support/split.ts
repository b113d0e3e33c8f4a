/**
 * The processes of a split deployment as the e2e tests start them
 * (`bin/ppmid-relay.js` with `--split` and the estate): `spawnParty` keeps
 * each process's output and its exit, `freePort` picks a port free before the
 * start (every process must know the others' URLs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
