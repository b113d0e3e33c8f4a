/**
 * Polyphase ESME (issue 12, phases.ts): the per-phase objects (phase 2 and
 * 3 quantities, by OBIS) exist on a polyphase ESME only. A polyphase meter
 * reads and writes them (ECS29b sets the phase thresholds, ECS26k reads them
 * back); a single element meter answers object-unavailable for them (the
 * phase 1 accesses of a read still answer) and refuses a write naming them
 * whole, with its state untouched. RTDS commands with fresh counters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectPhase } from './phases.ts';
import { esmeTestRig, type Fields } from './test-rig.test-support.ts';

const rig = esmeTestRig();
const ECS26K = '6.2.1_ECS26k/ECS26k_6.2.1_SUCCESS_COMMAND_GBCS.HEX';
const ECS29B = '6.5_ECS29b/ECS29b_6.5_SUCCESS_COMMAND_GBCS.HEX';
const PHASE_THRESHOLDS = [
  'rmsVoltageSagThresholdL2',
  'rmsVoltageSwellThresholdL2',
  'rmsVoltageSagThresholdL3',
  'rmsVoltageSwellThresholdL3',
] as const;

describe('polyphase ESME: per-phase objects', () => {
  it('the phase of an object comes from its OBIS code (1-0:52.x L2, 1-0:72.x L3)', () => {
    assert.equal(objectPhase('rmsVoltageSagCountL2'), 2);
    assert.equal(objectPhase('averageRmsVoltageProfileL3'), 3);
    assert.equal(objectPhase('rmsVoltageSagCount'), null);
    assert.equal(objectPhase('voltageLimiter1'), null);
    assert.equal(objectPhase('no such object'), null);
  });

  it('a polyphase ESME writes the phase thresholds (ECS29b) and reads them back (ECS26k)', () => {
    const m = rig.meter({ variant: 'polyphase' });
    const send = rig.changedSender(m, 0x2000n);
    const w = send(ECS29B, (f) => {
      f.rmsVoltageSagThresholdL2!.value = 101;
      f.rmsVoltageSwellThresholdL2!.value = 131;
      f.rmsVoltageSagThresholdL3!.value = 102;
      f.rmsVoltageSwellThresholdL3!.value = 132;
    });
    assert.equal(w.ev?.reason, 'OK');
    for (const o of PHASE_THRESHOLDS)
      assert.equal((w.fields[o]!.value as { result: string }).result, 'success');
    const r = send(ECS26K);
    const value = (o: string) => (r.fields[o]!.value as { value: number }).value;
    assert.deepEqual(
      PHASE_THRESHOLDS.map((o) => value(o)),
      [101, 131, 102, 132],
    );
  });

  it('a single element ESME has no per-phase objects: ECS26k reads phase 1 only, ECS29b is refused whole, nothing changes', () => {
    const m = rig.meter();
    const send = rig.changedSender(m, 0x2000n);
    const r = send(ECS26K);
    const result = (f: Fields, o: string, member: string) => (f[o]![member] as { result: string }).result;
    for (const o of PHASE_THRESHOLDS) assert.equal(result(r.fields, o, 'value'), 'object-unavailable');
    assert.equal(result(r.fields, 'rmsVoltageSagThreshold', 'value'), 'success');
    const before = JSON.stringify(m.esme.stateView);
    const w = send(ECS29B);
    assert.equal(w.ev?.reason, 'FAILED');
    assert.equal(result(w.fields, 'rmsVoltageSagThresholdL2', 'value'), 'object-unavailable');
    assert.equal(result(w.fields, 'rmsVoltageSagCountL3', 'reset'), 'object-unavailable');
    assert.equal(result(w.fields, 'voltageLimiter1', 'thresholdNormal'), 'other-reason');
    assert.equal(JSON.stringify(m.esme.stateView), before);
  });
});
