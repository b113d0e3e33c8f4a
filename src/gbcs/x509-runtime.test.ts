import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = new URL('..', import.meta.url).pathname;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('@peculiar/x509 is only loaded after its Reflect polyfill', () => {
  it('every module that imports it (not only its types) imports x509-runtime.ts first', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      const value = /^import (?!type )[^;]*from '@peculiar\/x509';/m.exec(text);
      if (!value) continue;
      const runtime = /^import '[./]*(?:gbcs\/)?x509-runtime\.ts';/m.exec(text);
      if (!runtime || runtime.index > value.index) offenders.push(relative(SRC, file));
    }
    // a module that loads first without it throws "tsyringe requires a reflect polyfill"
    assert.deepEqual(offenders, []);
  });
});
