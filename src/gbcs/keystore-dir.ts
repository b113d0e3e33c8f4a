/**
 * Loads a key store directory in the RTDS layout. The only module of
 * src/gbcs that touches the file system (the codec itself stays pure).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KeyStoreLoadReport, keyStoreFromFiles, type MemoryKeyStore } from './keystore.ts';

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
