/**
 * The supplier console's timeline stages (js/labels.js computeStages, the
 * browser module itself): they depend on the order hops happened in, not on
 * the order they reached the page. A hop that arrives over SSE while the
 * command's GET is loading is stored before the older hops the GET brings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain browser ES module without types
import { computeStages } from './js/labels.js';

type Stage = { id: string; status: string };

const command = { route: 'ppmid', terminal: false, commandVariants: [2] };
const at = (n: number) => new Date(Date.UTC(2026, 11, 7, 4, 0, n)).toISOString();
const hops = [
  { seq: 0, at: at(0), kind: 'created', detail: {} },
  { seq: 1, at: at(0), kind: 'route-chosen', detail: { route: 'ppmid' } },
  { seq: 2, at: at(1), kind: 'duis-sent', detail: { cv: 2 } },
  { seq: 3, at: at(2), kind: 'duis-answer', detail: { cv: 2, httpStatus: 200, code: 'I0' } },
  { seq: 4, at: at(3), kind: 'envelope-published', detail: {} },
  { seq: 5, at: at(4), kind: 'ppmid-status', detail: { outcome: 'forwarded' } },
];
const observed = [
  { seq: 10, at: at(4), kind: 'ch-route', detail: { decision: 'delivered', source: 'ppmid' } },
  { seq: 11, at: at(4), kind: 'meter-decision', detail: { decision: 'accepted' } },
];

function statuses(h: unknown[], o: unknown[]): Record<string, string> {
  return Object.fromEntries((computeStages(command, h, o, true) as Stage[]).map((x) => [x.id, x.status]));
}

describe('supplier console: timeline stages', () => {
  const inOrder = statuses(hops, observed);

  it('a PPMID delivery: DUIS, route, PPMID, CH and meter done; the response waits', () => {
    assert.deepEqual(inOrder, {
      duis: 'done',
      route: 'done',
      ppmid: 'done',
      ch: 'done',
      meter: 'done',
      response: 'pending',
    });
  });

  it('the same stages whatever order the hops reached the page in', () => {
    // the DUIS answer and later hops came over SSE during the GET; the GET's older hops were stored after them
    const arrival = [hops[3], hops[4], hops[5], hops[0], hops[1], hops[2]];
    assert.deepEqual(statuses(arrival, [...observed].reverse()), inOrder);
    for (let shift = 1; shift < hops.length; shift++)
      assert.deepEqual(
        statuses([...hops.slice(shift), ...hops.slice(0, shift)], observed),
        inOrder,
        `shift ${shift}`,
      );
  });
});
