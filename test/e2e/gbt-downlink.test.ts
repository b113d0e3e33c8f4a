/**
 * 6.15.1 Update Security Credentials (CS02b with two certificates, about
 * 1.8 KB) to the home's GSME (the CHF's mailbox), end to end under a
 * VirtualClock: over the HAN tunnel's 1500-byte transfer, so
 * the DSP sends it as GBT blocks (GBCS 7.2.11, src/dcc/dsp/han-downlink.ts);
 * the CHF routes each block on its routing header, the device reassembles,
 * checks the whole Command and answers once, and that answer ends the one
 * supplier command. The supplier's own 6.15.1 to a PPMID is refused by the
 * DSP (E11: a PPMID holds no supplier cell, src/dcc/dsp/signer-cells.ts), and
 * no SR the DSP builds for a PPMID today exceeds the transfer: the PPMID gets
 * the ACB's 6.21 (CS02b NO handover, ACB-signed) whole, one block, and
 * answers it (UNSUPPORTED: it holds no network operator cell). GBT over a
 * device's tunnel is covered at the HAN level (src/devices/han/node.test.ts).
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

describe('e2e: 6.15.1 (CS02b, ~1.8 KB) as GBT blocks on the downlink to the GSME; the PPMID: 6.21 whole, 6.15.1 refused', () => {
  const suite = virtualSystemSuite('gbt-downlink');
  const { vc } = suite;

  it('reaches each device in blocks and is answered once, correlated to the one request', async () => {
    const sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const plan = home.plan as unknown as Record<string, string | undefined>;
    const chf = home.home.chf;
    const bodyOf = (srv: string) => {
      const t = allTemplates().find((x) => x.srv === srv);
      assert.ok(t, `a ${srv} DUIS template`);
      return JSON.parse(JSON.stringify(duisBodyToJson(parseDuisRequest(t.xml).body)));
    };
    for (const [type, meter, srv, gbtBlocks] of [
      ['GSME', home.gsme, '6.15.1', 2],
      ['PPMID', home.ppmid, '6.21', 0],
    ] as const) {
      const body = bodyOf(srv);
      const target = plan[type.toLowerCase()]!;
      assert.ok(meter && target, `the home has a ${type}`);
      const chfMark = chf.events.at(-1)?.seq ?? 0;
      const mark = meter.events.length;
      const c = await pumpVirtualPromise(
        vc,
        supplier.submit({
          premisesId: home.premisesId,
          order: { kind: 'duis', srv, body: notBefore(body, vc.now()) as never },
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
      assert.equal(blocks.length, gbtBlocks, `${type}: ${routed.length} routed, ${blocks.length} GBT blocks`);
      if (gbtBlocks === 0) assert.equal(routed.length, 1, `${type}: one whole Command routed`);
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
    // the supplier's own 6.15.1 to the PPMID: refused by the DSP before any command (E11), nothing reaches it
    const mark = home.ppmid!.events.length;
    const c = await pumpVirtualPromise(
      vc,
      supplier.submit({
        premisesId: home.premisesId,
        order: { kind: 'duis', srv: '6.15.1', body: notBefore(bodyOf('6.15.1'), vc.now()) as never },
        target: plan.ppmid!,
        route: 'wan',
      }),
    );
    const f = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
    assert.equal(`${f.state} ${f.reason}`, 'failed DSP answered E11');
    assert.deepEqual(
      home.ppmid!.events.slice(mark).filter((e) => e.kind === 'command'),
      [],
    );
  });
});
