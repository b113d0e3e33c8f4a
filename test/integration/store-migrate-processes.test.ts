/**
 * migrate() when several processes start at once (ARCHITECTURE "Scaling out":
 * stateless parties against one database): every child migrates the same
 * fresh database at the same moment; each migration must be applied by
 * exactly one of them and none may fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import {
  appliedMigrations,
  discoverMigrations,
  type MigrationReport,
} from '../../src/adapters/store/index.ts';
import { forEachStoreKind } from '../../src/adapters/store/testing.ts';
import { waitFor } from '../support/wait.ts';

const CHILD = new URL('../support/store-migrate-child.ts', import.meta.url).pathname;
const CHILDREN = 4;

interface Child {
  out: string;
  err: string;
  exit: Promise<number | null>;
  write(s: string): void;
  /** ends the child if it is still running (a failed wait must not leave it holding the test process) */
  kill(): void;
}

function startChild(optsJson: string): Child {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, optsJson], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PPMID_LOG: 'silent' },
  });
  const c: Child = {
    out: '',
    err: '',
    exit: new Promise((resolve) => p.on('exit', (code) => resolve(code))),
    write: (s) => p.stdin.write(s),
    kill: () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    },
  };
  p.stdout.on('data', (d) => {
    c.out += d.toString();
  });
  p.stderr.on('data', (d) => {
    c.err += d.toString();
  });
  return c;
}

forEachStoreKind((kind, open) => {
  it(`${CHILDREN} processes migrating one fresh ${kind} database at once apply each migration exactly once`, async (t) => {
    const store = await open({ migrate: false });
    t.after(() => store.close());
    const children = Array.from({ length: CHILDREN }, () => startChild(JSON.stringify(store.openOptions)));
    t.after(() => {
      for (const c of children) c.kill();
    });
    // a safety limit, not a measure: four cold tsx processes on a loaded 2-core machine can take a while
    await waitFor(() => children.every((c) => c.out.includes('ready\n')), 180_000, {
      what: () => `all ${CHILDREN} children ready (stderr: ${children.map((c) => c.err).join(' | ')})`,
    });
    for (const c of children) c.write('go\n');
    const codes = await Promise.all(children.map((c) => c.exit));
    assert.deepEqual(
      codes,
      children.map(() => 0),
      children.map((c) => c.err).join('\n'),
    );
    const reports = children.map((c) => JSON.parse(c.out.split('\n')[1]) as MigrationReport);
    const registry = (await discoverMigrations()).map((m) => m.name);
    assert.deepEqual(reports.flatMap((r) => r.applied).sort(), registry);
    assert.deepEqual(await appliedMigrations(store), registry);
  });
});
