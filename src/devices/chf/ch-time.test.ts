/**
 * SECMP0038 3.1.1 / decision "time without WAN": the CH's time status is
 * derived from its time source (WAN time sync, else an accepted Set CH Time
 * command), with a holdover after the last trusted sync.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../runtime/clock.ts';
import { ChClock, checkChTimeCommand, DEFAULT_CH_TIME_CONFIG, deriveChTimeStatus } from './ch-time.ts';

const T0 = Date.UTC(2026, 0, 1);
const H = 3_600_000;
const HOLD = DEFAULT_CH_TIME_CONFIG.timeHoldoverMs;

describe('deriveChTimeStatus (pure)', () => {
  const sync = (at: number) => ({ lastSync: { at, source: 'wan' as const, chTime: at } });
  const cases: Array<[string, { lastSync: null } | ReturnType<typeof sync>, number, boolean, string]> = [
    ['never synchronised, no WAN', { lastSync: null }, T0, false, 'unreliable'],
    ['never synchronised, WAN up', { lastSync: null }, T0, true, 'reliable'],
    ['WAN lost just now', sync(T0), T0, false, 'reliable'],
    ['WAN lost, at the end of the holdover', sync(T0), T0 + HOLD, false, 'reliable'],
    ['WAN lost, past the holdover', sync(T0), T0 + HOLD + 1, false, 'unreliable'],
    ['WAN regained after the holdover', sync(T0), T0 + 3 * HOLD, true, 'reliable'],
  ];
  for (const [name, s, now, wanUp, want] of cases)
    it(name, () => assert.equal(deriveChTimeStatus(s, now, wanUp, HOLD), want));
});

describe('checkChTimeCommand (pure)', () => {
  const cmd = { preset: T0, validFrom: T0, validTo: T0 + 600_000 };
  const cfg = DEFAULT_CH_TIME_CONFIG;
  it('applies a command with a short validity interval to a CH without WAN', () =>
    assert.equal(checkChTimeCommand(cmd, { lastSync: null }, false, cfg), null));
  it('refuses while the WAN (the GBCS time source) is up', () =>
    assert.equal(checkChTimeCommand(cmd, { lastSync: null }, true, cfg), 'wan-time-present'));
  it('refuses a validity interval longer than the configured maximum', () =>
    assert.equal(
      checkChTimeCommand(
        { ...cmd, validTo: T0 + cfg.timeCommandMaxValidityMs + 1 },
        { lastSync: null },
        false,
        cfg,
      ),
      'malformed',
    ));
  it('refuses a preset before the last trusted sync (a held-back old command)', () =>
    assert.equal(
      checkChTimeCommand(cmd, { lastSync: { at: T0, source: 'time-command', chTime: T0 + 1 } }, false, cfg),
      'time-regression',
    ));
});

describe('ChClock', () => {
  function setup(wanUp: boolean, offset = 0) {
    const clock = new VirtualClock(T0);
    const wan = { up: wanUp, isUp: () => wan.up };
    return { clock, wan, ch: new ChClock(clock, wan, DEFAULT_CH_TIME_CONFIG, offset) };
  }

  it('a CH that never had WAN: Unreliable, its own (wrong) clock', () => {
    const { ch, clock } = setup(false, -5 * H);
    assert.equal(ch.status(), 'unreliable');
    assert.equal(ch.now(), clock.now() - 5 * H);
  });

  it('WAN up: Reliable and follows the WAN time; WAN lost: Reliable for the holdover, then Unreliable; regained: Reliable', () => {
    const { ch, clock, wan } = setup(true, -5 * H);
    assert.equal(ch.status(), 'reliable');
    assert.equal(ch.now(), clock.now());
    clock.advance(H);
    wan.up = false;
    ch.syncFromWan(); // the Chf does this on the WAN's down edge
    clock.advance(HOLD);
    assert.equal(ch.status(), 'reliable');
    clock.advance(1);
    assert.equal(ch.status(), 'unreliable');
    wan.up = true;
    assert.equal(ch.status(), 'reliable');
  });

  it('Set CH Time accepted: Reliable with the preset time, for the holdover; refused: stays Unreliable', () => {
    const { ch, clock } = setup(false, -5 * H);
    const preset = clock.now() + 2_000; // the DCC's time, two seconds after issue
    assert.equal(
      ch.applyTimeCommand({ preset, validFrom: preset - 60_000, validTo: preset + 540_000 }),
      null,
    );
    assert.equal(ch.status(), 'reliable');
    assert.equal(ch.now(), preset);
    assert.equal(
      ch.applyTimeCommand({ preset: preset - 1, validFrom: preset - 60_000, validTo: preset }),
      'time-regression',
    );
    assert.equal(ch.now(), preset, 'a refused command changes nothing');
    clock.advance(HOLD + 1);
    assert.equal(ch.status(), 'unreliable');

    const other = setup(false);
    assert.equal(other.ch.applyTimeCommand({ preset: T0, validFrom: T0, validTo: T0 + 2 * H }), 'malformed');
    assert.equal(other.ch.status(), 'unreliable');
  });
});
