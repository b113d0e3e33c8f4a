/**
 * A block of free consecutive ports for a test that needs fixed ports (e.g.
 * `up --port-base N`): below the Linux ephemeral range, so that the
 * outgoing connections of other tests running at the same time do not take
 * them, probed before use; another base is drawn if any is taken.
 */
import { findBusyPorts } from '../../src/system/port-check.ts';

export async function freePortBlock(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 12_000 + Math.floor(Math.random() * 18_000);
    const ports = Array.from({ length: count }, (_, i) => ['start', base + i] as const);
    if ((await findBusyPorts(host, ports)).length === 0) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}
