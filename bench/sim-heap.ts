/**
 * Heap per home after set-up, by constructor (not a benchmark: `bench/run.ts`
 * runs `*.bench.ts` only):
 *   node --import tsx bench/sim-heap.ts OUT_DIR HOMES_A HOMES_B
 * sets up an estate of A homes and one of B homes (the sim bench's set-up, on
 * dist/), writes a heap snapshot of each (OUT_DIR/homes-N.heapsnapshot) and
 * prints the self size per home of each constructor, (B - A) / (B - A homes):
 * what one more home holds.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadSimModules, provisionedEstate } from './sim-modules.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sim = await loadSimModules();
const { VirtualClock, configureLogging, pumpPromise } = sim;
const [out = 'out/sim-heap', a = '50', b = '150'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
configureLogging({ spec: 'error' });

async function snapshot(homes: number): Promise<{ file: string; heap: number }> {
  const vc = new VirtualClock();
  const sys = await provisionedEstate(sim, vc, homes);
  gc();
  const heap = process.memoryUsage().heapUsed;
  const file = writeHeapSnapshot(join(out, `homes-${homes}.heapsnapshot`));
  await pumpPromise(vc, sys.stop());
  gc();
  return { file, heap };
}

/** Self size and count per constructor (object) or type (the rest). */
function byConstructor(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f: string[] = s.snapshot.meta.node_fields;
  const types: string[] = s.snapshot.meta.node_types[0];
  const n = f.length;
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const m = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += n) {
    const t = types[s.nodes[i + iType]];
    const k = t === 'object' || t === 'closure' ? `${t}:${s.strings[s.nodes[i + iName]]}` : t;
    const e = m.get(k) ?? { size: 0, count: 0 };
    e.size += s.nodes[i + iSize];
    e.count++;
    m.set(k, e);
  }
  return m;
}

const ha = Number(a);
const hb = Number(b);
const sa = await snapshot(ha);
const sb = await snapshot(hb);
const ma = byConstructor(sa.file);
const mb = byConstructor(sb.file);
const rows = [...mb].map(([k, v]) => {
  const o = ma.get(k) ?? { size: 0, count: 0 };
  return { k, bytes: (v.size - o.size) / (hb - ha), count: (v.count - o.count) / (hb - ha) };
});
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((t, r) => t + r.bytes, 0);
const lines = [
  `heapUsed per home: ${((sb.heap - sa.heap) / (hb - ha) / 1024).toFixed(1)} KB; snapshot self size per home: ${(total / 1024).toFixed(1)} KB`,
  ...rows
    .slice(0, 40)
    .map((r) => `${(r.bytes / 1024).toFixed(2).padStart(8)} KB ${r.count.toFixed(1).padStart(7)}  ${r.k}`),
];
writeFileSync(join(out, 'per-home.txt'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
