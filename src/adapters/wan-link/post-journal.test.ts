import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../../../test/support/wait.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { FilePostJournal } from './post-journal.ts';
import { HttpCspDownlink } from './wan-link.ts';

const CHF = '00DB12345A000002';

/** A stand-in for the SM WAN's process: answers 503 (busy) until `open`, then 202, recording the bodies. */
async function wanProcess(): Promise<{
  url: string;
  got: string[];
  refused: () => number;
  open(): void;
  server: Server;
}> {
  const got: string[] = [];
  let refused = 0;
  let accepting = false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (!accepting) {
        refused++;
        res.statusCode = 503;
        return res.end();
      }
      got.push((JSON.parse(body) as { gbcs: string }).gbcs);
      res.statusCode = 202;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    got,
    refused: () => refused,
    server,
    open: () => {
      accepting = true;
    },
  };
}

describe('WAN link journal: a crash of the DSP/CHM process loses no command the SM WAN has not taken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wan-link-journal-'));
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('commands queued when the process dies are sent after the restart, in order, once; then the file is empty', async () => {
    const wan = await wanProcess();
    servers.push(wan.server);
    const file = join(dir, 'wan-link', 'downlink-dsp.jsonl');
    const clock = new SystemClock();
    const first = new HttpCspDownlink({ wanUrl: wan.url, clock, journal: new FilePostJournal(file) });
    for (const b of ['01', '02', '03'])
      first.sendCommand({ requestId: `r${b}`, target: CHF, chf: CHF, gbcs: fromHex(b) });
    assert.equal(statSync(file).mode & 0o077, 0, 'private');
    // kill -9 while the SM WAN's process refuses them (after its first refusal, while the poster
    // waits to retry): the poster is abandoned, its timers stopped
    await waitFor(() => wan.refused() >= 1, 30_000, { what: 'a first refused attempt' });
    first.close();
    wan.open();
    const second = new HttpCspDownlink({ wanUrl: wan.url, clock, journal: new FilePostJournal(file) });
    second.sendCommand({ requestId: 'r04', target: CHF, chf: CHF, gbcs: fromHex('04') });
    // done once each POST was answered and the journal says so: nothing kept
    await waitFor(() => wan.got.length >= 4 && readFileSync(file, 'utf8') === '', 30_000, {
      what: 'the kept commands and the new one taken, the journal emptied',
    });
    second.close();
    assert.deepEqual(wan.got, ['01', '02', '03', '04'], 'the kept ones first, in order, each once');
    // a third start has nothing to send again
    const third = new HttpCspDownlink({ wanUrl: wan.url, clock, journal: new FilePostJournal(file) });
    third.close();
    assert.equal(wan.got.length, 4);
  });

  it('a torn last line (a crash in the middle of a write) is ignored', () => {
    const file = join(dir, 'torn.jsonl');
    const j = new FilePostJournal(file);
    assert.deepEqual(j.load(), []);
    const a = j.add('/wan/v1/downlink', { gbcs: 'AA' });
    j.add('/wan/v1/downlink', { gbcs: 'BB' });
    j.done(a);
    // the process died while appending a third entry
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, `${text}+{"id":3,"path":"/wan/v1/downl`);
    const again = new FilePostJournal(file).load();
    assert.deepEqual(
      again.map((e) => e.body),
      [{ gbcs: 'BB' }],
    );
  });
});
