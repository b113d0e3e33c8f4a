/**
 * The ESME's import daily read log (ECS21a, 4.6.1; daily-read-log.ts): at
 * each UTC midnight of virtual time the meter records its import
 * register(s); ECS21a reads the entries in the requested range through the
 * protected-read path, payload-encrypted for the requester. Read after
 * write against the registers observed at those midnights.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../gbcs/index.ts';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeCommand, decodeProtectedPlaintext } from '../../gbcs/use-cases/index.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { registerReadings } from './billing-data-log.ts';
import { DAILY_READ_LOG_CAPACITY } from './daily-read-log.ts';
import { defaultElectricityLoad, Esme } from './esme.ts';
import { esmeTestRig, type Fields, rtdsFixture } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const DAY = 86_400_000;
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const seconds = (ms: number) => Math.floor((ms - EPOCH_2000) / 1000);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
/** the envelope: the supplier's (known remote party) protected read of the prepayment daily read log */
const ECS21B = 'ECS21b_4.14_KRP_SUCCESS_COMMAND_GBCS.HEX';

function meter(variant: 'single' | 'twin' = 'single') {
  // mid-morning, a day after the RTDS reference time
  const start = Math.floor(RTDS_TIME / DAY) * DAY + DAY + 10 * 3600_000;
  const m = rig.meter(
    { variant, metrology: { load: defaultElectricityLoad(RTDS_DEVICES.esme, variant) } },
    start,
  );
  return { ...m, send: rig.changedSender(m, 1n << 41n), start, firstMidnight: Math.ceil(start / DAY) * DAY };
}

/** ECS21a fields: the ECS21b command's protected read, of the import daily read log over [from, to]. */
function ecs21a(from: number, to: number): Fields {
  const base = decodeMessage(rtdsFixture(ECS21B, 'COMMAND'));
  const f = decodeCommand('ECS21b', base.content).fields as Fields;
  const g = structuredClone(f.protectedReadDailyPrepayment!.getProtectedAttributes) as {
    objectList: Array<{
      classId: number;
      logicalName: string;
      attributeIndex: number;
      restriction: { restrictionType: number; restrictionValue: { from: string; to: string } | null };
    }>;
  };
  g.objectList = [
    {
      ...g.objectList[0]!,
      classId: 7,
      logicalName: '0-0:98.1.9.255',
      attributeIndex: 2,
      restriction: { restrictionType: 1, restrictionValue: { from: iso(from), to: iso(to) } },
    },
  ];
  return { protectedReadDailyRead: { getProtectedAttributes: g } };
}

/** Sends ECS21a over [from, to]; the decrypted rows (numbers), or the result when not a success. */
function readLog(m: ReturnType<typeof meter>, from: number, to: number) {
  const { ev, fields, message } = m.send(ECS21B, () => {}, { useCase: 'ECS21a', fields: ecs21a(from, to) });
  const v = fields.protectedReadDailyRead!.getProtectedAttributes as {
    result: string;
    value?: { protectedAttributes: string };
  };
  if (v.result !== 'success') return { ev, result: v.result, rows: null };
  const plaintext = rig.profile.remote.decryptPayload(fromHex(v.value!.protectedAttributes), message);
  const s = decodeDlmsData(plaintext).value as {
    type: string;
    items: Array<{ type: string; elements: Array<{ items: Array<{ type: string; value: number }> }> }>;
  };
  assert.equal(s.type, 'structure');
  assert.equal(s.items[0]!.type, 'compact-array');
  // the scalar columns (time, import register(s)); the TOU and block register arrays are checked named below
  const rows = s.items[0]!.elements.map((e) =>
    e.items.filter((i) => i.type !== 'array').map((i) => Number(i.value)),
  );
  // the plaintext is the catalogue's shape (protected-objects.ts, GBCS's entry_registerReadLogEntry), named whole
  const named = decodeProtectedPlaintext('ECS21a', plaintext) as {
    importDailyReadLog: Array<Record<string, number | number[]>>;
  };
  assert.deepEqual(
    named.importDailyReadLog.map((r) => Object.values(r).filter((x) => typeof x === 'number')),
    rows,
  );
  const twin = m.esme.stateView.variant === 'twin';
  const held = registerReadings(m.esme.stateView as never);
  for (const r of named.importDailyReadLog) {
    assert.deepEqual(Object.keys(r), [
      'time',
      'activeImport',
      ...(twin ? ['secondaryActiveImport'] : []),
      'touRegisters',
      ...(twin ? ['secondaryTouRegisters'] : []),
      'block1TouRegisters',
      'block2TouRegisters',
      'block3TouRegisters',
      'block4TouRegisters',
    ]);
    // the TOU registers the meter holds (this emulator does not accumulate them: the same at every midnight)
    assert.deepEqual(r.touRegisters, held.touRegisters);
    if (twin) assert.deepEqual(r.secondaryTouRegisters, held.secondaryTouRegisters);
    for (const b of [1, 2, 3, 4]) assert.equal((r[`block${b}TouRegisters`] as number[]).length, 8);
  }
  return { ev, result: v.result, rows };
}

describe('ESME import daily read log (ECS21a)', () => {
  it('records the import register at each midnight; ECS21a returns them, encrypted for the requester', () => {
    // meter A is looked at on each midnight; meter B (same load) sleeps through all three
    const a = meter();
    const b = meter();
    const midnights = [0, 1, 2].map((i) => a.firstMidnight + i * DAY);
    const atMidnight: number[] = [];
    for (const t of midnights) {
      a.clock.advance(t - a.clock.now());
      atMidnight.push(a.esme.stateView.registers.activeImportWh);
    }
    assert.ok(atMidnight[0]! < atMidnight[1]! && atMidnight[1]! < atMidnight[2]!, 'consumption in between');
    const end = midnights[2]! + 7 * 3600_000;
    a.clock.advance(end - a.clock.now());
    b.clock.advance(end - b.clock.now());
    const expected = midnights.map((t, i) => [seconds(t), atMidnight[i]!]);
    for (const m of [a, b]) {
      const r = readLog(m, m.start, end);
      assert.equal(r.ev?.reason, 'OK');
      assert.deepEqual(r.rows, expected);
    }
    // the register went on after the last midnight: the log holds midnight's value
    assert.ok(b.esme.stateView.registers.activeImportWh > atMidnight[2]!);
  });

  it('range filtering and an empty range', () => {
    const m = meter();
    const [m0, m1, m2] = [0, 1, 2].map((i) => m.firstMidnight + i * DAY) as [number, number, number];
    m.clock.advance(m2 + 3600_000 - m.clock.now());
    const all = readLog(m, m.start, m.clock.now()).rows!;
    assert.equal(all.length, 3);
    assert.deepEqual(readLog(m, m1, m2).rows, all.slice(1), 'both ends inclusive');
    assert.deepEqual(readLog(m, m0 + 1000, m2 - 1000).rows, [all[1]]);
    assert.deepEqual(readLog(m, m0 + 1000, m1 - 1000).rows, [], 'no midnight in range: no entries');
    assert.deepEqual(readLog(m, m.start, m0 - 1000).rows, []);
  });

  it('a twin ESME records both elements; the log is bounded and survives snapshot/restore', () => {
    const m = meter('twin');
    m.clock.advance(m.firstMidnight + 40 * DAY - m.clock.now());
    const log = m.esme.stateView.dailyReadLog.entries;
    assert.equal(log.length, DAILY_READ_LOG_CAPACITY, 'the oldest dropped');
    assert.equal(log.at(-1)!.time, seconds(m.firstMidnight + 40 * DAY));
    assert.deepEqual(
      log.map((e) => e.time),
      Array.from({ length: DAILY_READ_LOG_CAPACITY }, (_, i) =>
        seconds(m.firstMidnight + (40 - DAILY_READ_LOG_CAPACITY + 1 + i) * DAY),
      ),
      'the last midnights, one a day',
    );
    const rows = readLog(m, m.start, m.clock.now()).rows!;
    assert.equal(rows.length, DAILY_READ_LOG_CAPACITY);
    assert.ok(
      rows.every((r) => r.length === 3 && r[2]! > 0),
      'secondary import captured',
    );

    const snap = m.esme.snapshot();
    const other = new Esme({
      eui: RTDS_DEVICES.esme,
      clock: m.clock,
      credentials: rig.profile.credentials,
      trustAnchors: rig.profile.trustAnchors,
      variant: 'twin',
      metrology: { load: defaultElectricityLoad(RTDS_DEVICES.esme, 'twin') },
    });
    other.restore(snap);
    assert.deepEqual(other.stateView.dailyReadLog, snap.state.dailyReadLog);
    // restored, it goes on recording
    m.clock.advance(DAY);
    assert.equal(other.stateView.dailyReadLog.entries.at(-1)!.time, seconds(m.firstMidnight + 41 * DAY));
  });

  it('a hardware fault answers as the other protected log reads do, and changes nothing', () => {
    const m = meter();
    m.clock.advance(m.firstMidnight + DAY + 60_000 - m.clock.now());
    const before = m.esme.snapshot().state;
    m.esme.backchannel.hardwareFault('protectedReadDailyRead.getProtectedAttributes');
    m.esme.backchannel.hardwareFault('protectedReadDailyPrepayment.getProtectedAttributes');
    const r = readLog(m, m.start, m.clock.now());
    assert.equal(r.ev?.reason, 'FAILED');
    assert.equal(r.rows, null);
    const sibling = m.send(ECS21B).fields.protectedReadDailyPrepayment!.getProtectedAttributes as {
      result: string;
    };
    assert.equal(r.result, sibling.result);
    assert.equal(r.result, 'hardware-fault');
    assert.deepEqual(m.esme.snapshot().state, before);
    m.esme.backchannel.hardwareFault('protectedReadDailyRead.getProtectedAttributes', false);
    assert.equal(readLog(m, m.start, m.clock.now()).rows!.length, 2, 'repaired, it reads');
  });
});
