/**
 * The WAN link's durable send queue (issue 13): a downlink command the DSP
 * or the CHM of a split deployment handed to the WAN link is kept on disk
 * until the SM WAN's process acknowledged it (which then holds it in its own
 * journal, dcc/wan/downlink-journal.ts), so `kill -9` of the DSP's or the
 * CHM's process loses no command between them. After a restart the poster
 * sends what is kept again, in order, before anything new.
 *
 * An append-only file: `+{"id":..,"path":..,"body":..}` when a POST is
 * queued, `-<id>` once it is done (acknowledged, refused for good, or given
 * up). Written synchronously before the POST leaves; a torn last line (a
 * crash in the middle of a write) is ignored; the file is compacted to the
 * live entries at open and emptied whenever the queue is.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '../../runtime/logger.ts';

const log = Logger.get('wan-link:journal');

export interface KeptPost {
  id: number;
  path: string;
  body: unknown;
}

/** The poster's port: where its queue is kept (none: in memory only). */
export interface PostJournal {
  /** What was queued and not done when the process stopped, in order. */
  load(): KeptPost[];
  /** Records a queued POST; returns its id. */
  add(path: string, body: unknown): number;
  /** The POST is done (its peer took it, or it never will). */
  done(id: number): void;
}

export class FilePostJournal implements PostJournal {
  private nextId = 1;
  private live = 0;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  }

  load(): KeptPost[] {
    const kept = new Map<number, KeptPost>();
    if (existsSync(this.file)) {
      const lines = readFileSync(this.file, 'utf8').split('\n');
      for (const line of lines) {
        if (line.startsWith('+')) {
          try {
            const e = JSON.parse(line.slice(1)) as KeptPost;
            if (Number.isSafeInteger(e.id) && typeof e.path === 'string') kept.set(e.id, e);
          } catch {
            log.warn('a torn line of the WAN link journal ignored', { file: this.file });
          }
        } else if (line.startsWith('-')) kept.delete(Number(line.slice(1)));
      }
    }
    const list = [...kept.values()].sort((a, b) => a.id - b.id);
    this.nextId = Math.max(0, ...list.map((e) => e.id)) + 1;
    this.live = list.length;
    writeFileSync(this.file, list.map((e) => `+${JSON.stringify(e)}\n`).join(''), { mode: 0o600 });
    return list;
  }

  add(path: string, body: unknown): number {
    const id = this.nextId++;
    appendFileSync(this.file, `+${JSON.stringify({ id, path, body })}\n`, { mode: 0o600 });
    this.live++;
    return id;
  }

  done(id: number): void {
    this.live--;
    if (this.live <= 0) {
      this.live = 0;
      writeFileSync(this.file, '', { mode: 0o600 });
    } else appendFileSync(this.file, `-${id}\n`);
  }
}
