/**
 * Running `ppmid-relay` as a user does, for the CLI tests: a one-shot command
 * (`runCli`), a server command waited on until it prints its listening line
 * (`startCli`), and the DSP config file `dsp serve --config` reads
 * (`writeDspConfig`: the RTDS keystore, the DSP's XML signing key and one
 * supplier user with the RTDS inventory).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RTDS_INVENTORY, SUPPLIER, XML_KEYS } from './dsp-service.ts';
import { RTDS_KEYSTORE } from './fixtures.ts';
import { withTimeout } from './wait.ts';

export const REPO_ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const CLI_BIN = join(REPO_ROOT, 'bin/ppmid-relay.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `ppmid-relay ...args` to completion (cwd the repository root, UTF-8 output). */
export function runCli(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: REPO_ROOT,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    ...(opts.env === undefined ? {} : { env: opts.env }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `ppmid-relay ...args` and resolves once its stdout matches `ready`,
 * whose first group is the URL it listens on. Rejects (and kills the process)
 * if it exits first or does not get ready within `timeoutMs`.
 */
export async function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 90_000,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  try {
    return await withTimeout(
      new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          out += d;
          const m = ready.exec(out);
          if (m) resolve({ child, url: m[1] });
        });
        child.once('exit', (code) => reject(new Error(`${args[0]} ${args[1]} exited ${code}: ${err}`)));
      }),
      timeoutMs,
      () => `${ready} from ${args.join(' ')} (stdout ${out}, stderr ${err})`,
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

/** Writes a `dsp serve --config` file: RTDS keys, one supplier user (IS, GS) answered at `receiveUrl`. */
export function writeDspConfig(path: string, receiveUrl: string): void {
  writeFileSync(
    path,
    JSON.stringify({
      keystore: RTDS_KEYSTORE,
      xmlSigningKey: join(XML_KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.key'),
      xmlSigningCertificate: join(XML_KEYS, 'dsp-xml-sign-90B3D51F30000002-ds.pem'),
      users: [
        {
          eui: SUPPLIER,
          roles: ['IS', 'GS'],
          xmlSigningCertificates: [join(XML_KEYS, 'xml-sign-90B3D51F30010000-ds.pem')],
          receiveUrl,
        },
      ],
      inventory: RTDS_INVENTORY,
    }),
  );
}
