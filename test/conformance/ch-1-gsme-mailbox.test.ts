/**
 * SECMP0038 CH-1, GSME mailbox (HAN.md): the CH queues messages for the sleepy
 * GSME with an expiry (a day by default), the GSME fetches them with GET /
 * GET-RESPONSE and sends responses and alerts by PUT, which the CH routes to
 * the WAN; an expired message raises GSME Command Not Retrieved (0x819D).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { GSME_COMMAND } from '../support/atps-harness.ts';

describe('CH-1 GSME mailbox', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });

  it('queued, fetched by the GSME on its poll, its answer PUT and routed to the WAN', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    // settleMs given: the ATPS runs only that long, the GSME is still asleep
    const [r] = atps.inject(id, 'wan', GSME_COMMAND.bytes, { settleMs: 60_000 });
    assert.equal(r.chDecision, 'queued');
    assert.equal(atps.home(id).chf.mailboxDepth(RTDS_EUIS.gsme), 1);
    const before = atps.wanUplink(id).length;
    const poll = atps.backchannel(id, { action: 'gsme-poll' });
    assert.deepEqual(poll.detail, { fetched: 1 });
    assert.equal(atps.home(id).chf.mailboxDepth(RTDS_EUIS.gsme), 0);
    // the rtds GSME holds generated keys, so it rejects the fixture command (MAC) and says so
    const ev = atps.deviceEvents(id, RTDS_EUIS.gsme).application.find((e) => e.kind === 'command');
    assert.equal(ev?.decision, 'rejected');
    const routed = atps.chEvents(id).filter((e) => e.kind === 'route' && e.from === RTDS_EUIS.gsme);
    assert.ok(routed.length >= 1, 'the GSME PUT something');
    assert.ok(routed.every((e) => e.action === 'to-wan'));
    assert.ok(
      atps
        .wanUplink(id)
        .slice(before)
        .some((u) => u.originator === RTDS_EUIS.gsme),
    );
  });

  it('by default inject settles through the GSME poll: the device decision is in the result', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const [r] = atps.inject(id, 'wan', GSME_COMMAND.bytes);
    assert.equal(r.chDecision, 'queued');
    assert.equal(atps.home(id).chf.mailboxDepth(RTDS_EUIS.gsme), 0);
    // MAC'd for the fixture GSME key: the home's GSME (generated keys) refuses it
    assert.equal(r.deviceDecision, 'rejected');
    assert.equal(r.deviceReason, 'MAC_INVALID');
    // re-MAC'd by the home's ACB for the home's GSME key (test-only, atps/remac.ts): executed and answered
    const [again] = atps.inject(id, 'wan', GSME_COMMAND.bytes, { remac: true });
    assert.equal(again.deviceDecision, 'accepted');
    assert.ok(again.response);
    assert.equal(again.responseRoute, 'wan');
  });

  it('an unretrieved message expires after a day: event and 819D alert to the CSP', async () => {
    const { id } = await atps.createHome({ profile: 'rtds', chf: { mailboxExpiryMs: 24 * 3_600_000 } });
    // keep the GSME asleep: it never polls
    atps.home(id).disconnect(RTDS_EUIS.gsme);
    atps.inject(id, 'wan', GSME_COMMAND.bytes);
    atps.backchannel(id, { action: 'advance', ms: 24 * 3_600_000 + 1 });
    assert.ok(atps.chEvents(id).some((e) => e.kind === 'mailbox' && e.reason === 'expired-not-retrieved'));
    const a = atps.alerts(id).find((x) => x.alertCode === '819D');
    assert.ok(a);
    assert.ok(atps.wanUplink(id).some((u) => u.hex === a.hex));
    assert.equal(atps.home(id).chf.mailboxDepth(RTDS_EUIS.gsme), 0);
  });
});
