/**
 * ESME consumption over virtual time (issue 12): with metrology, the
 * registers advance with the load on the injected clock and the half-hour
 * profile data logs grow; the 4.8.x reads (ECS22c in clear, ECS22b
 * protected) return the half hours recorded at their real times after the
 * rows the meter was given, and ECS17b the advanced registers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { HALF_HOUR_MS } from '../meter-common/metrology.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { defaultElectricityLoad, Esme } from './esme.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const seconds = (ms: number) => Math.floor((ms - EPOCH_2000) / 1000);

function meter(variant: 'single' | 'twin' = 'single') {
  // a day after the RTDS reference rows end
  const start = Math.floor(RTDS_TIME / HALF_HOUR_MS) * HALF_HOUR_MS + 24 * 3600_000;
  const m = rig.meter(
    { variant, metrology: { load: defaultElectricityLoad(RTDS_DEVICES.esme, variant) } },
    start,
  );
  return { clock: m.clock, esme: m.esme, send: rig.changedSender(m, 1n << 41n), start };
}

const ECS22C = 'ECS22c_4.8.2_SUCCESS_COMMAND_GBCS.HEX';
const ECS22B = 'ECS22b_4.8.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX';
const ECS17B = 'ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX';

describe('ESME consumption over virtual time: profiles grow and read back', () => {
  it('ECS22c: the reactive import profile holds one row per half hour since, at its real time, summing to the register advance', () => {
    const m = meter();
    const before = m.esme.stateView.registers.reactiveImportVarh;
    m.clock.advance(4 * HALF_HOUR_MS + 5 * 60_000);
    const range = (f: Fields) => {
      const b = f.profileDataReactiveImport!.buffer as Record<string, unknown>;
      b.fromValue = seconds(m.start);
      b.toValue = seconds(m.clock.now());
    };
    const rows = (
      m.send(ECS22C, range).fields.profileDataReactiveImport!.buffer as {
        value: Array<Record<string, number>>;
      }
    ).value;
    assert.deepEqual(
      rows.map((r) => r.time),
      [0, 1, 2, 3].map((i) => seconds(m.start + i * HALF_HOUR_MS)),
    );
    const after = m.esme.stateView.registers.reactiveImportVarh;
    const sum = rows.reduce((s, r) => s + r.reactiveEnergyImport!, 0);
    assert.ok(sum > 0);
    assert.ok(
      after - before >= sum && after - before <= sum + 40 * 3,
      'the 5 open minutes are in the register only',
    );
    // an hour later there are two more
    m.clock.advance(2 * HALF_HOUR_MS);
    const more = (m.send(ECS22C, range).fields.profileDataReactiveImport!.buffer as { value: unknown[] })
      .value;
    assert.equal(more.length, 6);
    assert.deepEqual(more.slice(0, 4), rows, 'what was recorded stays');
  });

  it('ECS22b (protected) and ECS17b: the active import profile and register advance together', () => {
    const m = meter();
    const reg = () => {
      const { fields, message } = m.send(ECS17B);
      const v = Object.values(fields)[0]!.getProtectedAttributes as {
        value: { protectedAttributes: string };
      };
      const s = decodeDlmsData(
        rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message),
      ).value;
      return Number(
        (s as unknown as { items: Array<{ items: Array<{ value: number }> }> }).items[0]!.items[0]!.value,
      );
    };
    const r0 = reg();
    m.clock.advance(3 * HALF_HOUR_MS);
    const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
    const { fields, message } = m.send(ECS22B, (f) => {
      const o = (
        f.protectedReadProfileImport!.getProtectedAttributes as {
          objectList: Array<{ restriction: { restrictionValue: { from: string; to: string } } }>;
        }
      ).objectList[0]!;
      o.restriction.restrictionValue = { from: iso(m.start), to: iso(m.clock.now()) };
    });
    const v = Object.values(fields)[0]!.getProtectedAttributes as { value: { protectedAttributes: string } };
    const s = decodeDlmsData(rig.profile.remote.decryptPayload(fromHex(v.value.protectedAttributes), message))
      .value as {
      items: Array<{ elements: Array<{ items: Array<{ value: number }> }> }>;
    };
    const rows = s.items[0]!.elements.map((e) => e.items.map((i) => Number(i.value)));
    assert.deepEqual(
      rows.map((r) => r[0]),
      [0, 1, 2].map((i) => seconds(m.start + i * HALF_HOUR_MS)),
    );
    const sum = rows.reduce((a, r) => a + r[1]!, 0);
    assert.equal(
      reg() - r0,
      sum,
      'on the half-hour boundary the register advanced by exactly the three half hours',
    );
  });

  it('a snapshot restores the recorded profile; a meter without metrology keeps the reference registers', () => {
    const m = meter();
    m.clock.advance(2 * HALF_HOUR_MS);
    const snap = m.esme.snapshot();
    assert.equal(snap.state.metrology?.logs.profile?.entries.length, 2);
    const plain = new Esme({
      eui: RTDS_DEVICES.esme,
      clock: m.clock,
      credentials: rig.profile.credentials,
      trustAnchors: rig.profile.trustAnchors,
    });
    const r = plain.stateView.registers.activeImportWh;
    m.clock.advance(10 * HALF_HOUR_MS);
    assert.equal(plain.stateView.registers.activeImportWh, r);
    assert.equal(plain.stateView.metrology, null);
    plain.restore(snap);
    // restored, it goes on recording: the 10 half hours since the snapshot too
    const restored = plain.stateView;
    assert.equal(restored.metrology?.logs.profile?.entries.length, 12);
  });
});
