#!/usr/bin/env node
// Entry point of the `ppmid-relay` command: the compiled JavaScript in dist/
// (built by `npm ci`'s prepare step, see scripts/build.mjs). In a checkout,
// a dist/ older than src/ is rebuilt first, so the command always runs the
// sources as they are.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { build, isStale } = await import('../scripts/build.mjs');
  if (isStale()) {
    process.stderr.write('ppmid-relay: src/ changed since dist/ was built: building ...\n');
    try {
      build();
    } catch (err) {
      process.stderr.write(`ppmid-relay: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
  }
}
const { main } = await import('../dist/cli/main.js');
await main(process.argv);
