/**
 * 6.15.1 Update Security Credentials (CS02b with two certificates, about
 * 1.8 KB) to the home's GSME (the CHF's mailbox) and PPMID (its tunnel), end
 * to end under a VirtualClock: over the HAN tunnel's 1500-byte transfer, so
 * the DSP sends it as GBT blocks (GBCS 7.2.11, src/dcc/dsp/han-downlink.ts);
 * the CHF routes each block on its routing header, the device reassembles,
 * checks the whole Command and answers once, and that answer ends the one
 * supplier command. Both emulators run no CS02b (UNSUPPORTED): the point is
 * that the Command reaches them whole and is answered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuisRequest } from '../../src/duis/index.ts';
import { duisBodyToJson } from '../../src/supplier/duis-order.ts';
import { allTemplates } from '../support/dsp-transform.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** The body with every past ExecutionDateTime moved an hour after `now` (the DSP refuses past ones). */
function notBefore(body: unknown, now: number): unknown {
  if (Array.isArray(body)) return body.map((b) => notBefore(b, now));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body))
    out[k] =
      k === 'ExecutionDateTime' && typeof v === 'string' && Date.parse(v) < now
        ? new Date(now + 3_600_000).toISOString()
        : notBefore(v, now);
  return out;
}

describe('e2e: 6.15.1 (CS02b, ~1.8 KB) as GBT blocks on the downlink to the GSME and the PPMID', () => {
  const suite = virtualSystemSuite('gbt-downlink');
  const { vc } = suite;

  it('reaches each device in blocks and is answered once, correlated to the one request', async () => {
    const sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const plan = home.plan as unknown as Record<string, string | undefined>;
    const chf = home.home.chf;
    const t = allTemplates().find((x) => x.srv === '6.15.1');
    assert.ok(t, 'a 6.15.1 DUIS template');
    const body = JSON.parse(JSON.stringify(duisBodyToJson(parseDuisRequest(t.xml).body)));
    for (const [type, meter] of [
      ['GSME', home.gsme],
      ['PPMID', home.ppmid],
    ] as const) {
      const target = plan[type.toLowerCase()]!;
      assert.ok(meter && target, `the home has a ${type}`);
      const chfMark = chf.events.at(-1)?.seq ?? 0;
      const mark = meter.events.length;
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: { kind: 'duis', srv: '6.15.1', body: notBefore(body, vc.now()) as never },
          target,
          route: 'wan',
        }),
      );
      const f = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
      assert.equal(f.state, 'responded', `${type}: ${f.state} ${f.reason ?? ''}`);
      assert.ok(f.response?.gbcs, `${type}: the device's GBCS answer`);
      // the CHF routed blocks (no whole oversize Command, nothing discarded), each within the transfer
      const routed = chf.events.filter((e) => e.seq > chfMark && e.kind === 'route' && e.target === target);
      assert.deepEqual(
        routed.filter((e) => e.action === 'discard').map((e) => e.reason),
        [],
        `${type}: discarded by the CHF`,
      );
      const blocks = routed.filter((e) => e.gbt);
      assert.equal(blocks.length, 2, `${type}: ${routed.length} routed, ${blocks.length} GBT blocks`);
      for (const b of blocks) {
        assert.equal(b.action, type === 'GSME' ? 'to-gsme-mailbox' : 'to-device');
        assert.ok((b.size ?? 0) <= 1500, `${type}: a ${b.size}-byte block`);
      }
      // the device took the whole Command once (one command event), no GBT error
      const fresh = meter.events.slice(mark);
      const commands = fresh.filter((e) => e.kind === 'command');
      assert.equal(commands.length, 1, `${type}: ${show(commands)}`);
      assert.equal(commands[0]!.decision, 'accepted', `${type}: ${show(commands[0])}`);
    }
  });
});
