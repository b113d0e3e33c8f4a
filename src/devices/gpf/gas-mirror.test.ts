import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultGsmeState, type GsmeState } from '../gsme/gsme.ts';
import { accrue, newLog } from '../meter-common/metrology.ts';
import { GasMirror } from './gas-mirror.ts';

const HALF_HOUR = 30 * 60_000;
const T0 = Date.UTC(2026, 0, 1);

function gsmeWithProfile(): GsmeState {
  const s = defaultGsmeState();
  s.metrology = {
    accruedTo: T0,
    logs: {
      profile: {
        intervalMs: HALF_HOUR,
        first: T0,
        entries: [],
        openStart: T0,
        open: {},
        capacity: 100,
        stopAfter: null,
      },
    },
  };
  return s;
}

const model = { meanPerHalfHour: { gas: 60 }, seed: 'mirror-test' };

describe('GasMirror', () => {
  it('holds the GSME data as it was at the write: later changes in place do not reach it', () => {
    const s = gsmeWithProfile();
    accrue(s.metrology!, model, T0 + 3 * HALF_HOUR + 600_000, (_c, a) => {
      s.registers.currentSummationDelivered += a;
    });
    const m = new GasMirror();
    m.update(s, T0 + 3 * HALF_HOUR + 600_000);
    const expected = structuredClone(s);
    assert.deepStrictEqual(m.state, expected, 'the same values structuredClone gives');
    // the GSME goes on: consumption accrues, logs close, balances and logs change in place
    accrue(s.metrology!, model, T0 + 6 * HALF_HOUR, (_c, a) => {
      s.registers.currentSummationDelivered += a;
    });
    s.meterBalance -= 1000;
    s.eventLog.push({ at: T0, code: 0x8161 });
    s.debt.amounts[0] = 1;
    assert.deepStrictEqual(m.state, expected, 'the mirror still holds the data of its write');
    assert.equal(s.metrology!.logs.profile!.entries.length, 6);
    assert.equal(m.state.metrology!.logs.profile!.entries.length, 3);
  });

  it('shares the closed profile entries and the frozen RTDS tables with the GSME instead of copying them on every write', () => {
    const s = gsmeWithProfile();
    accrue(s.metrology!, model, T0 + 4 * HALF_HOUR + 1, () => {});
    const m = new GasMirror();
    m.update(s, T0);
    const live = s.metrology!.logs.profile!;
    const mirrored = m.state.metrology!.logs.profile!;
    assert.equal(mirrored.entries.length, 4);
    for (let i = 0; i < 4; i++) assert.equal(mirrored.entries[i], live.entries[i], `entry ${i} shared`);
    assert.ok(Object.isFrozen(live.entries[0]), 'a closed entry is frozen: nothing changes it in place');
    assert.notEqual(mirrored.open, live.open, 'the open interval (still changing) is copied');
    assert.equal(
      m.state.friendlyCreditCalendar,
      s.friendlyCreditCalendar,
      'the frozen RTDS calendar is shared',
    );
    assert.ok(Object.isFrozen(s.friendlyCreditCalendar));
  });

  it('a read long after a write gives the data of that write, however the GSME log moved on (full: oldest dropped)', () => {
    const s = gsmeWithProfile();
    s.metrology!.logs.profile!.capacity = 5;
    const m = new GasMirror();
    let t = T0;
    for (let w = 0; w < 40; w++) {
      t += HALF_HOUR * (1 + (w % 3)) + 7_000;
      accrue(s.metrology!, model, t, (_c, a) => {
        s.registers.currentSummationDelivered += a;
      });
      m.update(s, t);
      const expected = structuredClone(s);
      // the GSME goes on before anyone reads: up to 4 more half hours close, the oldest are dropped
      accrue(s.metrology!, model, t + HALF_HOUR * (w % 5), () => {});
      if (w % 4 === 3) {
        // a new sampling log replaces an old one: the mirror keeps what the old one held at the write
        s.metrology!.logs.networkData = newLog(HALF_HOUR, t, 3, 3);
      }
      if (w % 3 === 0) assert.deepStrictEqual(m.state, expected, `write ${w}`);
      assert.deepStrictEqual(m.snapshot().state, expected, `write ${w}: snapshot`);
    }
    assert.equal(m.state.metrology!.logs.profile!.entries.length, 5);
  });

  it('refuses to answer from a log changed other than by closing intervals since the write', () => {
    const s = gsmeWithProfile();
    accrue(s.metrology!, model, T0 + 4 * HALF_HOUR, () => {});
    const m = new GasMirror();
    m.update(s, T0 + 4 * HALF_HOUR);
    s.metrology!.logs.profile!.entries.shift(); // dropped without moving `first`
    assert.throws(() => m.state, /changed other than by closing intervals/);
  });

  it('copies at the write a log whose entries are not frozen (a state given as plain copies)', () => {
    const s = gsmeWithProfile();
    s.metrology!.logs.profile!.entries.push({ gas: 5 }, { gas: 6 });
    const m = new GasMirror();
    m.update(s, T0);
    s.metrology!.logs.profile!.entries[0]!.gas = 99;
    s.metrology!.logs.profile!.entries.shift();
    assert.deepStrictEqual(
      m.state.metrology!.logs.profile!.entries.map((e) => e.gas),
      [5, 6],
    );
  });
});
