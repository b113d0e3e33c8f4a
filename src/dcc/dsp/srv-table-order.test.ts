/**
 * srvMarkdown() (the SRV table docs/dsp.md carries) is the same whichever
 * module a process imports first: the SRV table is built on first use from
 * the catalogue, the DUIS definitions, the registered transforms and the
 * non-device handlers, so an import cycle that let it be built before one of
 * those finished loading would change it. Each entry runs in its own
 * process (a fresh module graph); and no runtime import cycle reaches
 * srv-table.ts from the modules it reads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { srvMarkdown } from './srv-table.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(HERE, '../..');
const FIRST = [
  'dcc/dsp/transform/index.ts',
  'dcc/dsp/non-device.ts',
  'dcc/dsp/index.ts',
  'supplier/duis-order.ts',
];

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

function markdownAfter(first: string): string {
  const code = `await import(${JSON.stringify(resolve(SRC, first))});
const m = await import(${JSON.stringify(resolve(HERE, 'srv-table.ts'))});
process.stdout.write(m.srvMarkdown());`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Runtime (non type-only) relative imports of a module. */
function runtimeImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'/gms)) {
    if (m[1]) continue; // import type / export type
    const names = m[2]!.trim();
    if (
      /^\{[^}]*\}$/s.test(names) &&
      names
        .slice(1, -1)
        .split(',')
        .every((n) => /^\s*(type\s+\S+.*)?$/s.test(n))
    )
      continue; // only `type X` names
    const target = resolve(dirname(file), m[3]!);
    if (existsSync(target)) out.push(target);
  }
  return out;
}

describe('the SRV table does not depend on import order', () => {
  const expected = digest(srvMarkdown());
  for (const first of FIRST)
    it(`${first} imported first: the same table`, () => {
      assert.equal(digest(markdownAfter(first)), expected);
    });

  it('no runtime import cycle passes through srv-table.ts', () => {
    const start = resolve(HERE, 'srv-table.ts');
    const stack: string[] = [];
    const onStack = new Set<string>();
    const done = new Set<string>();
    const cycles: string[][] = [];
    const visit = (f: string) => {
      if (onStack.has(f)) {
        cycles.push([...stack.slice(stack.indexOf(f)), f]);
        return;
      }
      if (done.has(f)) return;
      onStack.add(f);
      stack.push(f);
      for (const d of runtimeImports(f)) visit(d);
      stack.pop();
      onStack.delete(f);
      done.add(f);
    };
    visit(start);
    const through = cycles.filter((c) => c.includes(start)).map((c) => c.map((f) => f.slice(SRC.length + 1)));
    assert.deepEqual(through, []);
  });
});
