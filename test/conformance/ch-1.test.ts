/**
 * SECMP0038 CH-1: the CH routes per GBCS 10.8.2 for every source (SM WAN,
 * HHT Transfer Data, PPMID Transfer Data, SME.C.PPMID-GSME), reading the
 * header only as far as the target, and delivers only to a device in its
 * Device Log that is not an HHT, GPF or CHF (for PPMID-relayed commands).
 * Table-driven over every RTDS message, through the test automation API.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AtpsRoute } from '../../src/atps/api.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { COMMANDS, NO_LIMITS, newAtps, RTDS } from '../support/atps-harness.ts';

const E = RTDS_EUIS;

/** What GBCS 10.8.2 and CH-1/CH-2 require for a COMMAND to `target` via `route`. */
function expectedForCommand(route: AtpsRoute, target: string, originator: string): [string, string] {
  if (target === E.chf)
    return route === 'ppmid' ? ['discarded', 'target-is-chf'] : ['delivered', 'target-is-chf-itself'];
  if (target === E.gpf)
    return route === 'ppmid' ? ['discarded', 'target-is-gpf'] : ['delivered', 'target-is-gpf-itself'];
  if (target === E.gsme)
    return route === 'ppmid' && originator === E.ppmid
      ? ['queued', 'ppmid-gsme-message']
      : ['queued', 'target-is-gsme'];
  if (target === E.esme || target === E.ppmid) return ['delivered', 'target-in-device-log'];
  return ['discarded', 'target-not-in-device-log'];
}

for (const route of ['wan', 'ppmid', 'hht'] as const) {
  describe(`CH-1 routing of every RTDS COMMAND via ${route}`, async () => {
    const atps = newAtps();
    const { id } = await atps.createHome({ profile: 'rtds', chf: NO_LIMITS });
    for (const m of COMMANDS) {
      const info = peekRouting(m.bytes);
      const [decision, reason] = expectedForCommand(route, info.targetEui, info.originatorEui);
      it(`${m.name} -> ${decision} (${reason})`, () => {
        const [r] = atps.inject(id, route, m.bytes, { source: m.name });
        assert.equal(r.target, info.targetEui);
        assert.equal(r.chDecision, decision, JSON.stringify(r));
        assert.equal(r.chReason, reason);
        // every CH-2 discard of a PPMID-relayed message raises PPMID Relay Rejected
        if (route === 'ppmid' && decision === 'discarded')
          assert.ok(atps.chEvents(id).some((e) => e.kind === 'alert'));
      });
    }
  });
}

describe('CH-1 / CH-2: responses and alerts are not routed down', async () => {
  const atps = newAtps();
  const { id } = await atps.createHome({ profile: 'rtds', chf: NO_LIMITS });
  const others = RTDS.filter((m) => m.kind === 'RESPONSE' || m.kind === 'ALERT');
  for (const route of ['wan', 'ppmid', 'hht'] as const)
    it(`via ${route}: every RTDS RESPONSE and ALERT (${others.length})`, () => {
      for (const m of others) {
        const [r] = atps.inject(id, route, m.bytes, { source: m.name });
        const own = route === 'ppmid' && peekRouting(m.bytes).originatorEui === E.ppmid;
        if (own) {
          // the PPMID's own response (e.g. CS08) is device traffic: to the WAN (CH-4)
          assert.equal(r.chDecision, 'delivered', m.name);
          assert.equal(r.chReason, 'response-or-alert', m.name);
        } else {
          assert.equal(r.chDecision, 'discarded', m.name);
          assert.equal(r.chReason, 'not-a-command', m.name);
        }
      }
    });
});

describe('CH-1: the CH reads the header only as far as the target', async () => {
  const atps = newAtps();
  const { id } = await atps.createHome({ profile: 'rtds', chf: NO_LIMITS });
  const cmd = COMMANDS.find((m) => m.bytes[0] === 0xdf || m.bytes[0] === 0xdd)!;
  it('a command whose content after the Message Code is garbage is still routed on its header', () => {
    const info = peekRouting(cmd.bytes);
    // keep the header up to and including the Message Code, then junk
    const headerEnd = info.targetOffset + 8 + 1 + 1 + 2 + 2;
    const junk = new Uint8Array(headerEnd + 40).fill(0xa5);
    junk.set(cmd.bytes.subarray(0, headerEnd));
    const [r] = atps.inject(id, 'wan', junk);
    assert.equal(r.target, info.targetEui);
    assert.notEqual(r.chReason, 'malformed');
  });
  it('bytes without a readable header are discarded as malformed, with an event', () => {
    const [r] = atps.inject(id, 'wan', Uint8Array.of(0xdf, 0x09, 0x07));
    assert.equal(r.chDecision, 'discarded');
    assert.equal(r.chReason, 'malformed');
    assert.ok(r.chEvents.length >= 1);
  });
});
