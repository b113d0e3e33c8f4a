/**
 * The workload's auxiliary load orders (sim/workload.ts): absent or 0 they
 * leave the other orders' random stream as it was; given, a share of the
 * orders are 7.5 / 7.6 for switch 2 with a Duration in range.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../runtime/clock.ts';
import type { SupplierPort } from './ports.ts';
import { validateScenario } from './scenario.ts';
import { AUX_LOAD_SWITCH, Workload, type WorkloadSpec } from './workload.ts';

const premises = ['P0', 'P1', 'P2', 'P3'];
const base: WorkloadSpec = { topUpsPerHomeHour: 1, readsPerHomeHour: 2, topUpPennies: [100, 3000] };
const orders = (spec: WorkloadSpec, n: number) => {
  const w = new Workload({
    clock: new VirtualClock(),
    supplier: {} as SupplierPort,
    premises,
    spec,
    random: 'aux',
  });
  return Array.from({ length: n }, () => w.nextOrder());
};

describe('workload: auxiliary load orders', () => {
  it('auxLoadPerHomeHour absent or 0: the same orders as before the field', () => {
    const before = orders(base, 300);
    assert.deepEqual(orders({ ...base, auxLoadPerHomeHour: 0 }, 300), before);
    assert.ok(before.every((o) => o.order.kind !== 'duis'));
  });

  it('given: about its share of the orders are 7.5 / 7.6 for switch 2, Durations in range; the rate counts them', () => {
    const spec = { ...base, auxLoadPerHomeHour: 1, auxLoadMinutes: [10, 20] as [number, number] };
    const all = orders(spec, 2000);
    const aux = all.flatMap((o) => (o.order.kind === 'duis' ? [o.order] : []));
    assert.ok(
      aux.length > 2000 * 0.2 && aux.length < 2000 * 0.3,
      `${aux.length} of 2000 (expected about 1/4)`,
    );
    const srvs = new Set(aux.map((o) => o.srv));
    assert.deepEqual([...srvs].sort(), ['7.5', '7.6']);
    for (const o of aux) {
      const inner = Object.values(Object.values(o.body)[0]!)[0]!;
      assert.equal(inner['@index'], AUX_LOAD_SWITCH);
      assert.ok(inner.Duration >= 10 && inner.Duration <= 20, String(inner.Duration));
    }
    const w = new Workload({ clock: new VirtualClock(), supplier: {} as SupplierPort, premises, spec });
    assert.equal(w.ratePerHour, premises.length * 4);
  });

  it('a scenario takes workload.auxLoadPerHomeDay (default absent) and names a bad one', () => {
    assert.equal(validateScenario({ kind: 'benefit' }).workload.auxLoadPerHomeDay, undefined);
    assert.equal(
      validateScenario({ kind: 'benefit', workload: { auxLoadPerHomeDay: 3 } }).workload.auxLoadPerHomeDay,
      3,
    );
    assert.throws(
      () => validateScenario({ kind: 'benefit', workload: { auxLoadPerHomeDay: -1 } }, 'x.yaml'),
      /x\.yaml\.workload\.auxLoadPerHomeDay/,
    );
  });
});
