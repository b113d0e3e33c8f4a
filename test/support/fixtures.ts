/**
 * Where the shared reference data lives: `../shared/fixtures` beside the
 * checkout (as on every developer machine and in CI), or `PPMID_FIXTURES`.
 * Tests read fixtures in place; nothing is copied into the repo.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(new URL('../..', import.meta.url).pathname);

export const FIXTURES = resolve(process.env.PPMID_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures'));
export const RTDS_MESSAGES = join(FIXTURES, 'rtds', 'messages');
export const RTDS_KEYSTORE = join(FIXTURES, 'rtds', 'keystore');
export const DUIS_DIR = join(FIXTURES, 'duis');

if (!existsSync(FIXTURES)) {
  throw new Error(
    `fixtures not found at ${FIXTURES}: check out ../shared beside the repo or set PPMID_FIXTURES`,
  );
}

export interface RtdsMessage {
  /** e.g. `4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX` */
  name: string;
  folder: string;
  file: string;
  /** COMMAND, PRECOMMAND, RESPONSE, ALERT (or the odd extra kind word some files carry) */
  kind: string;
  /** use case from the folder, e.g. ECS17b */
  useCase: string;
  /** DUIS service reference variant from the folder, e.g. 4.1.1, or NA */
  srv: string;
  hex: string;
  bytes: Uint8Array;
}

/** Every RTDS GBCS message, sorted by name. */
export function rtdsMessages(): RtdsMessage[] {
  const out: RtdsMessage[] = [];
  for (const folder of readdirSync(RTDS_MESSAGES).sort()) {
    const dir = join(RTDS_MESSAGES, folder);
    if (!statSync(dir).isDirectory()) continue;
    const [srv, ...uc] = folder.split('_');
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.HEX')) continue;
      const hex = readFileSync(join(dir, file), 'utf8').trim();
      const m = /_(COMMAND|PRECOMMAND|RESPONSE|ALERT)_/.exec(file);
      out.push({
        name: `${folder}/${file}`,
        folder,
        file,
        kind: m ? m[1] : 'UNKNOWN',
        useCase: uc.join('_'),
        srv,
        hex,
        bytes: new Uint8Array(Buffer.from(hex, 'hex')),
      });
    }
  }
  return out;
}
