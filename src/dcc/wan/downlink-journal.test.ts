import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { FileDownlinkJournal } from './downlink-journal.ts';
import { type DownlinkOutcome, SmWan } from './sm-wan.ts';

const CHF = '00DB1234567890A2';
const H = 3_600_000;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function journalDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'csp-journal-'));
  dirs.push(d);
  return join(d, 'downlink');
}

/** A CSP process: its SM WAN with the journal in `dir`, one CH (WAN down unless `up`). */
function csp(clock: VirtualClock, dir: string, up = false) {
  const journal = new FileDownlinkJournal(dir);
  const wan = new SmWan({ clock, random: 1, config: { latency: { kind: 'fixed', ms: 500 } }, journal });
  const received: number[] = [];
  const outcomes: DownlinkOutcome[] = [];
  wan.onDownlinkOutcome((o) => outcomes.push(o));
  const link = wan.addCh({ chf: CHF, availability: { kind: up ? 'always' : 'none' } });
  link.attachReceiver((b) => received.push(b[1]));
  return { wan, link, journal, received, outcomes };
}

const cmd = (n: number) => Uint8Array.from([0xdf, n]);

describe('the CSP downlink journal: a crash of the SM WAN process loses no accepted command', () => {
  it('commands waiting for a CH whose WAN is down survive a crash, in order, once', () => {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1));
    const dir = journalDir();
    const a = csp(clock, dir);
    for (let i = 0; i < 3; i++)
      a.wan.sendCommand({ requestId: `r${i}`, target: CHF, chf: CHF, gbcs: cmd(i) });
    assert.equal(a.wan.chMetrics(CHF).downlink.held, 3);
    assert.equal(statSync(join(dir, `${CHF}.json`)).mode & 0o077, 0, 'private');
    // kill -9: the first process is abandoned; a new one starts from the same directory
    clock.advance(H);
    const b = csp(clock, dir);
    assert.equal(b.wan.chMetrics(CHF).downlink.held, 3, 'restored');
    b.link.force('up');
    clock.advance(1_000);
    assert.deepEqual(b.received, [0, 1, 2], 'each delivered once, in the order accepted');
    assert.deepEqual(
      b.outcomes.map((o) => [o.requestId, o.outcome, o.elapsedMs]),
      [
        ['r0', 'delivered', H + 500],
        ['r1', 'delivered', H + 500],
        ['r2', 'delivered', H + 500],
      ],
      'the original acceptance time is kept',
    );
    assert.deepEqual(readdirSync(dir), [], 'nothing kept once delivered');
    assert.equal(a.received.length, 0);
    // a third process finds nothing to send again
    const c = csp(clock, dir, true);
    clock.advance(1_000);
    assert.deepEqual(c.received, []);
  });

  it('a delivered command is forgotten at once; one past its TTL while the process was down expires on restart', () => {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1));
    const dir = journalDir();
    const a = csp(clock, dir, true);
    const restartAt = clock.now() + 3 * H;
    a.wan.sendCommand({ requestId: 'sent', target: CHF, chf: CHF, gbcs: cmd(1) });
    clock.advance(500);
    assert.deepEqual(a.received, [1]);
    a.link.force('down');
    a.wan.send({ chf: CHF, gbcs: cmd(2), requestId: 'late', origin: 'chm', ttlMs: 2 * H });
    clock.advance(H);
    // the first process dies an hour later (its expiry timer never fires); the next starts after the TTL
    const b = new SmWan({
      clock: new VirtualClock(restartAt),
      random: 1,
      journal: new FileDownlinkJournal(dir),
    });
    const outcomes: DownlinkOutcome[] = [];
    b.onDownlinkOutcome((o) => outcomes.push(o));
    const link = b.addCh({ chf: CHF });
    const got: number[] = [];
    link.attachReceiver((x) => got.push(x[1]));
    assert.deepEqual(
      outcomes.map((o) => [o.requestId, o.outcome, o.origin]),
      [['late', 'expired', 'chm']],
    );
    assert.deepEqual(got, [], 'the delivered one is not sent again');
    assert.equal(b.chMetrics(CHF).downlink.held, 0);
  });

  it('an unreadable journal file is set aside, not half-used', () => {
    const clock = new VirtualClock(Date.UTC(2026, 5, 1));
    const dir = journalDir();
    new FileDownlinkJournal(dir);
    writeFileSync(join(dir, `${CHF}.json`), '{"format":"other"}');
    const b = csp(clock, dir, true);
    assert.equal(b.wan.chMetrics(CHF).downlink.held, 0);
    assert.ok(readdirSync(dir).includes(`${CHF}.json.unreadable`));
  });
});
