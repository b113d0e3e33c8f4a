/**
 * What the devices of a home keep in non-volatile memory across a power cut
 * (a `kill -9` of the estate's process is one): the meters' state (credit,
 * Originator Counters and the rest of their GBCS anti-replay memory, pending
 * future-dated commands), the GPF's (its anti-replay memory, its own General
 * and Security Event Logs, the GPF Device Log, Change of Tenancy, credential
 * state, and the gas mirror as the GSME last wrote it) and the CH's WAN
 * uplink buffer (CH-4: responses
 * waiting for the WAN). Written through, synchronously, before what changed
 * them can have an effect outside the device (a meter's response is still to
 * go on air when its state is written), atomically (a temporary file renamed
 * over the old one): a crash keeps either the old or the new state, never
 * half of one. The PPMID's outbox has its own snapshot (PP-3, estate.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UplinkBufferEntry } from '../devices/chf/chf.ts';
import type { EsmeSnapshot } from '../devices/esme/esme.ts';
import type { GpfSnapshot } from '../devices/gpf/gpf.ts';
import type { GsmeSnapshot } from '../devices/gsme/gsme.ts';
import type { Eui } from '../runtime/bytes.ts';
import { Logger } from '../runtime/logger.ts';

const log = Logger.get('sim:nvm');

export interface HomeNvm {
  format: 'home-nvm/1';
  savedAt: number;
  esme: EsmeSnapshot;
  gsme: GsmeSnapshot;
  /** the GPF inside the CH (absent in a file from before: the GPF starts from its defaults) */
  gpf?: GpfSnapshot;
  /** the CH's WAN uplink buffer, oldest first */
  uplink: UplinkBufferEntry[];
}

/** JSON with bigint and byte arrays kept (device snapshots hold both). */
export function nvmStringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return { $bigint: x.toString() };
    if (x instanceof Uint8Array) return { $bytes: Buffer.from(x).toString('hex') };
    return x;
  });
}

export function nvmParse<T>(text: string): T {
  return JSON.parse(text, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === '$bigint') return BigInt(x.$bigint);
      if (keys.length === 1 && keys[0] === '$bytes') return new Uint8Array(Buffer.from(x.$bytes, 'hex'));
    }
    return x;
  }) as T;
}

/** One file per home under `<dir>/nvm/`, named by its CHF. */
export class HomeNvmStore {
  private readonly dir: string;
  writes = 0;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'nvm');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private file(chf: Eui): string {
    return join(this.dir, `${chf}.json`);
  }

  save(chf: Eui, nvm: HomeNvm): void {
    const file = this.file(chf);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, nvmStringify(nvm), { mode: 0o600 });
    renameSync(tmp, file);
    this.writes++;
  }

  load(chf: Eui): HomeNvm | undefined {
    const file = this.file(chf);
    if (!existsSync(file)) return undefined;
    try {
      const v = nvmParse<HomeNvm>(readFileSync(file, 'utf8'));
      if (v.format !== 'home-nvm/1') throw new Error(`unknown format ${String(v.format)}`);
      return v;
    } catch (err) {
      log.warn('home non-volatile memory unreadable: its devices start from their defaults', {
        chf,
        error: String(err),
      });
      return undefined;
    }
  }
}
