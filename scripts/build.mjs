#!/usr/bin/env node
// Builds dist/: the compiled JavaScript the `ppmid-relay` command runs.
// Usage: node scripts/build.mjs [--if-stale] [--quiet]
//
// - `tsc -p tsconfig.build.json --noCheck` transpiles src/ (tests excluded)
//   to dist/, rewriting the `.ts` import extensions to `.js`. Type checking is
//   `npm run lint`'s job; the build only emits, so it stays a few seconds.
// - Every other file under src/ (console HTML/CSS/JS, XSD) is copied beside
//   the compiled modules, so `new URL('./x.html', import.meta.url)` finds it.
// - dist/.build-stamp holds a fingerprint of src/ and the tsconfig files
//   (path, size, mtime of each); `--if-stale` builds only when it differs.
// The build goes to a fresh directory that replaces dist/ at the end, so a
// process running from dist/ never sees half a build, and removed sources
// leave no stale module behind.
//
// Run by `npm ci` (prepare), `npm start`, `npm test` / scripts/test.mjs and
// bin/ppmid-relay.js itself when src/ changed since the last build.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const STAMP = '.build-stamp';
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

const isTest = (name) => name.endsWith('.test.ts') || name.endsWith('.test-support.ts');

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile() && !isTest(entry.name)) out.push(p);
  }
  return out;
}

/** A fingerprint of what the build reads: every non-test file under src/ and the build configuration. */
export function sourceFingerprint() {
  const h = createHash('sha256');
  for (const p of [...walk(SRC, []), ...INPUTS.map((f) => join(ROOT, f))].sort()) {
    const s = statSync(p, { throwIfNoEntry: false });
    h.update(`${relative(ROOT, p)}\0${s ? `${s.size}:${s.mtimeMs}` : '-'}\n`);
  }
  return h.digest('hex');
}

/** True when dist/ is missing or was built from other sources than src/ holds now. */
export function isStale() {
  let stamp;
  try {
    stamp = readFileSync(join(DIST, STAMP), 'utf8').trim();
  } catch {
    return true;
  }
  return stamp !== sourceFingerprint();
}

/** Builds dist/ from src/; throws with tsc's output when the build fails. */
export function build({ quiet = false } = {}) {
  const fingerprint = sourceFingerprint();
  const out = `${DIST}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('cannot build dist/: typescript is not installed (run `npm ci`, which installs it)');
  }
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--noCheck', '--outDir', out],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`tsc failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  for (const p of walk(SRC, [])) {
    if (p.endsWith('.ts')) continue;
    const to = join(out, relative(SRC, p));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(p, to);
  }
  writeFileSync(join(out, STAMP), `${fingerprint}\n`);
  // Swap the new build in. A concurrent build of the same sources may have
  // won the race: then this one is discarded (both are the same).
  const old = `${DIST}.old-${process.pid}`;
  try {
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(out, DIST);
  } catch {
    rmSync(out, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  if (!quiet) process.stderr.write(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  if (args.includes('--if-stale') && !isStale()) process.exit(0);
  try {
    build({ quiet });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
