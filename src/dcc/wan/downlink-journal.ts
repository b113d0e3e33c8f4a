/**
 * The CSP's durable downlink queue (issue 13): a command the SM WAN accepted
 * for a CH is kept on disk until it is handed to the CH or its TTL passes, so
 * a crash of the process that runs the SM WAN (`kill -9` of the estate, or of
 * the all-in-one system) loses no command the DSP or the CHM handed over.
 * After the restart the SM WAN re-queues each kept command for its CH, in the
 * order it was accepted, with its original acceptance time and expiry
 * (sm-wan.ts). A command handed to the CH is forgotten at that moment, before
 * anything else runs: at most once on the air, as a CSP's transport session
 * (the meter's anti-replay would refuse a second copy anyway).
 *
 * `DownlinkJournal` is the SM WAN's port; `FileDownlinkJournal` keeps one
 * JSON file per CH under a directory (written to a temporary file and renamed
 * over the old one: a crash keeps the old or the new list, never half).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Eui, fromHex, toHex } from '../../runtime/bytes.ts';
import { Logger } from '../../runtime/logger.ts';

const log = Logger.get('wan:journal');

/** One command the CSP holds for a CH. */
export interface KeptDownlink {
  requestId: string;
  target: Eui | null;
  origin: 'dsp' | 'chm';
  gbcs: Uint8Array;
  acceptedAt: number;
  expiresAt: number;
}

/** Where the SM WAN keeps its downlink queues (the port; the adapter below, or none: in memory only). */
export interface DownlinkJournal {
  /** The commands kept for `chf`, oldest first. */
  load(chf: Eui): KeptDownlink[];
  /** The commands held for `chf` now, oldest first (replaces what was kept). */
  save(chf: Eui, held: readonly KeptDownlink[]): void;
}

interface FileEntry {
  requestId: string;
  target: Eui | null;
  origin: 'dsp' | 'chm';
  gbcs: string;
  acceptedAt: number;
  expiresAt: number;
}

const FORMAT = 'csp-downlink/1';

export class FileDownlinkJournal implements DownlinkJournal {
  writes = 0;
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(chf: Eui): string {
    return join(this.dir, `${chf}.json`);
  }

  load(chf: Eui): KeptDownlink[] {
    const file = this.file(chf);
    if (!existsSync(file)) return [];
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; held?: FileEntry[] };
      if (v.format !== FORMAT || !Array.isArray(v.held))
        throw new Error(`unknown format ${String(v.format)}`);
      return v.held.map((e) => ({ ...e, gbcs: fromHex(e.gbcs) }));
    } catch (err) {
      // A file this code did not write: refused loudly, set aside, never half-used.
      log.error('CSP downlink journal unreadable: set aside', { chf, error: String(err) });
      renameSync(file, `${file}.unreadable`);
      return [];
    }
  }

  save(chf: Eui, held: readonly KeptDownlink[]): void {
    const file = this.file(chf);
    this.writes++;
    if (held.length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const body = JSON.stringify({
      format: FORMAT,
      held: held.map((e): FileEntry => ({ ...e, gbcs: toHex(e.gbcs) })),
    });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, body, { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** The CHs with something kept (tests, diagnostics). */
  chs(): Eui[] {
    return readdirSync(this.dir)
      .filter((f) => /^[0-9A-F]{16}\.json$/.test(f))
      .map((f) => f.slice(0, 16));
  }
}
