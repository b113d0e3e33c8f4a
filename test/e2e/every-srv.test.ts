/**
 * Every device SRV a supplier may order (the DSP's SRV table, through
 * `orderableSrvs()`: SRVs the others land later are included by themselves),
 * end to end on the running system under a VirtualClock (src/system,
 * in-process ports, one estate for the file): a `duis` order with the body
 * of the SRV's first DUIS template (../shared, as JSON), signed by the
 * supplier, checked by the DSP (XSD on, XML-DSig verified: the same
 * `handleRequestAsync` its HTTP adapter calls; the in-process port has no
 * socket), transformed, sent over the SM WAN model to the device emulators,
 * and answered: the supplier's command ends with what came back. For SRVs
 * the SRV table lets a PPMID carry, the same order again forced through the
 * home's enhanced PPMID (CV 2, or CV 4 -> 6).
 *
 * No SRV is skipped: each ends in a terminal state, and the test prints one
 * line per SRV and route with the outcome (the device's GBCS answer, or who
 * refused and why). It asserts that none expired unanswered, that the
 * answered ones carry the device's GBCS response, and that a refusal says
 * who refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSignedPreCommandVariant, parseDuisRequest } from '../../src/duis/index.ts';
import { decodeMessage } from '../../src/gbcs/index.ts';
import { decodeResponse } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { duisBodyToJson, orderableSrvs } from '../../src/supplier/duis-order.ts';
import type { CommandRecord } from '../../src/supplier/model.ts';
import type { RunningSystem } from '../../src/system/system.ts';
import { derivedTemplates } from '../support/derived-templates.ts';
import { RTDS_INVENTORY } from '../support/dsp-service.ts';
import { allTemplates } from '../support/dsp-transform.ts';
import { untilTerminal } from '../support/supplier-commands.ts';
import { pumpVirtual, pumpVirtualPromise, virtualSystemSuite } from './harness.ts';

/**
 * The first DUIS template of each SRV carrying the SR's own body (not a Signed Pre-Command): its body as
 * JSON and the device type it targets (the RTDS inventory's type of the template's RequestID target).
 */
function examples(): Map<string, { body: unknown; type: string }> {
  const types = new Map<string, string>(RTDS_INVENTORY.map((d) => [d.eui, d.deviceType]));
  const m = new Map<string, { body: unknown; type: string }>();
  // DCC templates first; an SRV none shows takes its derived request (test/support/derived-templates.ts)
  for (const t of [...allTemplates(), ...derivedTemplates()]) {
    if (m.has(t.srv)) continue;
    const r = parseDuisRequest(t.xml);
    if (isSignedPreCommandVariant(r.header.commandVariant)) continue;
    const type = types.get(r.header.requestId.target) ?? 'ESME';
    m.set(t.srv, { body: JSON.parse(JSON.stringify(duisBodyToJson(r.body))), type });
  }
  return m;
}

/**
 * The body with every ExecutionDateTime before `now` (the DCC templates of 4.1.1 and 8.5 carry 2015 dates)
 * moved an hour after it: the DSP refuses a past execution time (PROVISIONAL E30, src/dcc/dsp/execution-date.ts,
 * test/integration/dsp-execution-date-http.test.ts). Later dates and the cancellation date 3000-12-31 are kept.
 */
function executionNotBefore(body: unknown, now: number): unknown {
  if (Array.isArray(body)) return body.map((b) => executionNotBefore(b, now));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body))
    out[k] =
      k === 'ExecutionDateTime' && typeof v === 'string' && Date.parse(v) < now
        ? new Date(now + 3_600_000).toISOString()
        : executionNotBefore(v, now);
  return out;
}

/**
 * Device SRVs whose order the device emulators leave unanswered today (the command expires): listed
 * here so that the test fails when one of them starts answering, or when another one stops.
 */
const NO_ANSWER: Readonly<Record<string, string>> = {
  '6.15.1 wan':
    'Update Security Credentials (KRP): the template body replaces the supplier credentials with RTDS certificates the estate does not hold; the meter sends no response',
  '6.24.1 wan': 'Retrieve Device Security Credentials (KRP, CS02f): no response from the meter emulator',
  '6.24.1 ppmid': 'Retrieve Device Security Credentials (KRP, CS02f): no response from the meter emulator',
};

describe('e2e: every orderable device SRV, DUIS -> DSP -> WAN -> device -> DUIS (virtual time)', () => {
  const suite = virtualSystemSuite('every-srv');
  const { vc } = suite;
  let sys: RunningSystem | undefined;

  it('each ends with the device answer (or a named refusal), over the WAN and through the PPMID', async () => {
    sys = await suite.start();
    assert.deepEqual(await pumpVirtualPromise(vc, sys.provisioned), []);
    const home = sys.estate!.homes[0];
    const supplier = sys.supplier!;
    const ex = examples();
    const plan = home.plan as unknown as Record<string, string>;
    const targetOf = (type: string) =>
      type === 'CHF'
        ? plan.chf
        : type === 'GSME'
          ? plan.gsme
          : type === 'GPF'
            ? plan.gpf
            : type === 'PPMID'
              ? plan.ppmid
              : plan.esme;
    // 8.12.x restore the Device Log backup the DSP holds of an old CH: the home's own, which the DSP backs up from
    // the 8.9 Read Device Log with ReadSecurityDetails (CCS07) sent before them (the first 8.9 template, CCS06,
    // reads no link keys)
    const dashed = (e: string) => e.match(/../g)!.join('-');
    ex.set('8.9', { body: { ReadSecurityDetails: null }, type: 'CHF' });
    ex.set('8.12.1', { body: { OldCHFID: dashed(plan.chf) }, type: 'CHF' });
    ex.set('8.12.2', { body: { OldGPFID: dashed(plan.gpf) }, type: 'GPF' });
    const device = orderableSrvs().filter((o) => o.class !== 'non-device');
    const missing = device.filter((o) => !ex.has(o.srv)).map((o) => o.srv);
    const lines: string[] = [];
    const problems: string[] = [];
    const unanswered: string[] = [];
    const runs: Array<{ srv: string; route: 'wan' | 'ppmid' }> = [];
    for (const o of device) {
      if (!ex.has(o.srv)) continue;
      runs.push({ srv: o.srv, route: 'wan' });
      if (o.localDelivery) runs.push({ srv: o.srv, route: 'ppmid' });
    }
    for (const r of runs) {
      let c: CommandRecord;
      try {
        c = await pumpVirtualPromise(
          vc,
          supplier.submit({
            premisesId: home.premisesId,
            order: {
              kind: 'duis',
              srv: r.srv,
              body: executionNotBefore(ex.get(r.srv)!.body, vc.now()) as never,
            },
            target: targetOf(ex.get(r.srv)!.type),
            route: r.route,
          }),
        );
      } catch (err) {
        lines.push(`${r.srv} ${r.route}: refused by the supplier: ${(err as Error).message}`);
        continue;
      }
      const f = await untilTerminal(supplier, c.id, (done) => pumpVirtual(vc, done));
      const line = `${r.srv} ${r.route} CV ${f.commandVariants?.join('>')} -> ${f.state}${f.response ? ` ${f.response.code}${f.response.gbcs ? ` GBCS ${f.response.gbcs.length / 2} B` : ''}` : ''}${f.reason ? ` (${f.reason})` : ''}`;
      lines.push(line);
      if (f.state === 'expired') unanswered.push(`${r.srv} ${r.route}`);
      // the restore took effect: the CHF answers CCS03 with success (the entries it backed up for 8.9)
      if (r.srv === '8.12.1' && f.response?.gbcs) {
        const m = decodeMessage(fromHex(f.response.gbcs));
        const got = decodeResponse('CCS03', m.content).fields as {
          zigbeeNetworkControl: { restoreDeviceLog: { result: string } };
        };
        if (got.zigbeeNetworkControl.restoreDeviceLog.result !== 'success')
          problems.push(`${line}: CCS03 ${got.zigbeeNetworkControl.restoreDeviceLog.result}`);
      }
      if (f.state === 'responded' && !f.response?.gbcs)
        problems.push(`${line}: responded without the device's GBCS`);
      if (f.state === 'failed' && !f.reason) problems.push(`${line}: failed without a reason`);
    }
    process.stdout.write(
      `# every SRV e2e (${runs.length} runs; no template: ${missing.join(', ') || 'none'})\n# ${lines.join('\n# ')}\n`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(unanswered, Object.keys(NO_ANSWER), 'the SRVs the devices leave unanswered (NO_ANSWER)');
    assert.ok(runs.length > 60, `${runs.length} runs`);
  });
});
