/**
 * The store a report command reads (`chm report`, `dsp charges`, ...): the
 * one of a system that ran. Opening a data directory that holds no store
 * would make an empty one and print an empty report, so a typo in
 * `--data-dir` would look like "nothing happened": refused instead.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SQLITE_FILE_NAME, storeOptionsFromEnv } from '../adapters/store/open.ts';
import { ConfigError } from '../runtime/errors.ts';

/** Throws a ConfigError when the SQLite store the options name does not exist (PostgreSQL: not checked). */
export function requireExistingStore(
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const opts = storeOptionsFromEnv(env);
  if (opts.databaseUrl) return;
  const file = join(resolve(dataDir ?? opts.dataDir ?? 'data'), SQLITE_FILE_NAME);
  if (!existsSync(file))
    throw new ConfigError(
      `no store at ${file}: give the data directory of a system that ran (--data-dir or PPMID_DATA_DIR), or DATABASE_URL`,
    );
}
