/**
 * The operator guard of a stand-alone party (`supplier serve`, `chm serve`,
 * `dsp serve` without --split; issue 13): its operators are those of
 * `<data-dir>/credentials` (PPMID_DATA_DIR, default ./data), created and
 * printed once on the first start, as `ppmid-relay up` does.
 */
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { installHttpGuard } from '../adapters/http/guard.ts';
import { ensurePrivateDir, OperatorRegistry } from '../runtime/operators.ts';

export function standAloneGuard(o: {
  dataDir?: string;
  host: string;
  publicPaths: readonly (string | RegExp)[];
}): { guard: (app: FastifyInstance) => void; describe(): string } {
  const dataDir = resolve(o.dataDir ?? process.env.PPMID_DATA_DIR ?? 'data');
  ensurePrivateDir(dataDir);
  const operators = OperatorRegistry.open(join(dataDir, 'credentials'));
  return {
    guard: (app) => installHttpGuard(app, { operators, bindHost: o.host, publicPaths: o.publicPaths }),
    describe: () =>
      operators.created.length
        ? `operator credentials (created now, printed once; kept 0600 in ${operators.dir}):\n${operators.created
            .map((c) => `  ${c.name.padEnd(10)} ${c.role.padEnd(10)} ${c.token}\n`)
            .join('')}`
        : `operator credentials: ${operators.dir}/<name>.token\n`,
  };
}
