#!/usr/bin/env node
// Runs the test suite with Node's built-in runner and TypeScript through tsx
// (the tests import src/ directly; the CLI tests run bin/ppmid-relay.js, i.e. dist/).
// Usage: node scripts/test.mjs [PATH-PREFIX...]  (default: every *.test.ts under src/ and test/)
// After the run it prints the slowest test files (sum of their top-level test
// durations, from scripts/durations-reporter.mjs), just before the runner's
// closing summary (`ℹ tests/pass/fail/...` and any failing tests), which stays
// last and unchanged.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, isStale } from './build.mjs';

const SLOWEST = Number(process.env.PPMID_TEST_SLOWEST ?? 15);

const root = new URL('..', import.meta.url).pathname;
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}
const prefixes = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));
const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// Tests that run the `ppmid-relay` command run the compiled dist/: build it
// first when src/ changed (scripts/build.mjs), once, rather than in each
// command they start.
const runsCli = (f) => /bin\/ppmid-relay|support\/cli\.ts/.test(readFileSync(join(root, f), 'utf8'));
if (files.some(runsCli) && isStale()) {
  try {
    build();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'ppmid-test-durations-'));
const durationsFile = join(tmp, 'durations.json');
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    join(root, 'scripts/test-setup.mjs'),
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/durations-reporter.mjs')}`,
    `--test-reporter-destination=${durationsFile}`,
    ...files,
  ],
  { cwd: root, stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, TZ: 'UTC' } },
);

// Pass stdout through line by line; from the runner's closing summary on
// (`ℹ tests N`, then the other `ℹ` lines and any list of failing tests) hold
// the lines back, so that the durations are printed just before it.
let partial = '';
let closing = null;
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');
function passLine(line) {
  if (closing === null && /^ℹ tests \d+/.test(plain(line))) closing = [];
  if (closing !== null) closing.push(line);
  else process.stdout.write(`${line}\n`);
}
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  const lines = (partial + chunk).split('\n');
  partial = lines.pop();
  for (const l of lines) passLine(l);
});

function slowestFiles() {
  let perFile;
  try {
    perFile = JSON.parse(readFileSync(durationsFile, 'utf8'));
  } catch {
    return '';
  }
  const rows = Object.entries(perFile)
    .sort((a, b) => b[1] - a[1])
    .slice(0, SLOWEST);
  if (rows.length === 0) return '';
  const lines = rows.map(([f, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(root, f)}`);
  return `slowest test files (sum of top-level test durations):\n${lines.join('\n')}\n`;
}

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => {
  if (partial) passLine(partial);
  process.stdout.write(slowestFiles());
  if (closing?.length) process.stdout.write(`${closing.join('\n')}\n`);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(signal ? 1 : (code ?? 1));
});
