/**
 * A worker thread that runs slices of an arm (src/sim/runner.ts) for
 * `sim run --workers N`: the parent posts `{ scenario, arm, options }`, the
 * worker posts progress and then the slice's counts. Every slice has its own
 * parties, clock and store, so slices share nothing but the thread pool.
 */
import { parentPort } from 'node:worker_threads';
import { configureLogging } from '../runtime/logger.ts';
import { type ArmRunOptions, runArm } from './runner.ts';
import type { Arm, Scenario } from './scenario.ts';

export type SliceRequest = {
  type: 'run';
  scenario: Scenario;
  arm: Arm;
  options: Omit<ArmRunOptions, 'signal' | 'onProgress'>;
  logSpec: string;
};
export type SliceMessage =
  | { type: 'progress'; progress: Parameters<NonNullable<ArmRunOptions['onProgress']>>[0] }
  | { type: 'done'; counts: Awaited<ReturnType<typeof runArm>> }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  const ac = new AbortController();
  port.on('message', (m: SliceRequest | { type: 'stop' }) => {
    if (m.type === 'stop') {
      ac.abort();
      return;
    }
    configureLogging({ spec: m.logSpec });
    runArm(m.scenario, m.arm, {
      ...m.options,
      signal: ac.signal,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies SliceMessage),
    }).then(
      (counts) => port.postMessage({ type: 'done', counts } satisfies SliceMessage),
      (err: unknown) =>
        port.postMessage({
          type: 'error',
          message: err instanceof Error ? err.message : String(err),
        } satisfies SliceMessage),
    );
  });
}
