#!/usr/bin/env node
// Entry point of the `ppmid-relay` command. The sources are TypeScript, run
// through tsx's loader, so a fresh clone works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
