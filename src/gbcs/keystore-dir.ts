/**
 * Loads a key store directory in the RTDS layout. The only module of
 * src/gbcs that touches the file system (the codec itself stays pure).
 */
import type { KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type GbcsCertificate,
  KEYSTORE_FILE_PATTERN,
  type KeyEntry,
  type KeySlot,
  type KeyStore,
  type KeyStoreLoadReport,
  keyStoreFromFiles,
  MemoryKeyStore,
} from './keystore.ts';
import type { Eui } from './types.ts';

/** Reads every `<eui>[-pp]-<ka|ds>.<pem|key>` file of `dir` into a MemoryKeyStore (once; keep the store). */
export function loadKeyStoreDir(dir: string): MemoryKeyStore {
  return loadKeyStoreDirWithReport(dir).store;
}

export function loadKeyStoreDirWithReport(dir: string): {
  store: MemoryKeyStore;
  report: KeyStoreLoadReport;
} {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.pem') || name.endsWith('.key'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  return keyStoreFromFiles(files);
}

/**
 * A key store directory read on demand, for one-shot commands (`gbcs
 * decode`) that need two or three EUIs of hundreds. The RTDS file names say
 * whose key each file holds, so a lookup reads and parses that EUI's files
 * only. The result is the same as loading the directory whole: a file only
 * ever fills the EUI of its name (a certificate for another EUI is skipped
 * either way). Listing (`entries`, `euis`, `remoteParties`) reads them all.
 */
export class LazyKeyStoreDir implements KeyStore {
  private readonly files = new Map<Eui, string[]>();
  private readonly store = new MemoryKeyStore();
  private readonly read = new Set<Eui>();

  constructor(readonly dir: string) {
    for (const name of readdirSync(dir).sort()) {
      const m = KEYSTORE_FILE_PATTERN.exec(name);
      if (!m) continue;
      const eui = m[1].toUpperCase();
      const names = this.files.get(eui);
      if (names) names.push(name);
      else this.files.set(eui, [name]);
    }
  }

  /** How many EUIs have been read so far. */
  get euisRead(): number {
    return this.read.size;
  }

  private load(eui: Eui): MemoryKeyStore {
    const e = eui.toUpperCase();
    if (!this.read.has(e)) {
      this.read.add(e);
      const names = this.files.get(e) ?? [];
      keyStoreFromFiles(
        names.map((name) => ({ name, text: readFileSync(join(this.dir, name), 'utf8') })),
        this.store,
      );
    }
    return this.store;
  }
  private loadAll(): MemoryKeyStore {
    for (const e of this.files.keys()) this.load(e);
    return this.store;
  }

  get(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    return this.load(eui).get(eui, slot);
  }
  publicKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    return this.load(eui).publicKey(eui, slot);
  }
  privateKey(eui: Eui, slot: KeySlot): KeyObject | undefined {
    return this.load(eui).privateKey(eui, slot);
  }
  certificate(eui: Eui, slot: KeySlot): GbcsCertificate | undefined {
    return this.load(eui).certificate(eui, slot);
  }
  role(eui: Eui): number | null | undefined {
    return this.load(eui).role(eui);
  }
  entries(): Iterable<KeyEntry> {
    return this.loadAll().entries();
  }
  euis(): Eui[] {
    return this.loadAll().euis();
  }
  remoteParties(): Eui[] {
    return this.loadAll().remoteParties();
  }
}
