/**
 * SECMP0038 CH-6: Block / Unblock Buffer Feed (PROVISIONAL Message Codes
 * 0x0F01 / 0x0F02) from the CSP's Communications Hub Manager (WAN provider
 * role), signed and MAC'd like any critical command and verified by the CHF.
 * While blocked the CH is standalone: it relays nothing from any PPMID and
 * nothing PPMID traffic caused reaches the CSP; its own alerts and CSP
 * management traffic still flow. Unblock restores the relay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { encodeBufferFeedCommand, PROVISIONAL_MESSAGE_CODE } from '../../src/gbcs/codes/provisional.ts';
import { gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { byName, newAtps } from '../support/atps-harness.ts';

const esmeCommand = byName('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');
const ACB = '90B3D51F30000002';

describe('CH-6 Block / Unblock Buffer Feed', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const ctx = new SecurityContext({ keyStore: world, acb: ACB });
  const { id } = await atps.createHome({ profile: 'rtds' });

  it('relay works before blocking', () => {
    const [r] = atps.inject(id, 'ppmid', esmeCommand.bytes);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.responseRoute, 'wan');
  });

  it('Block: accepted, answered with a CHF-signed response, standalone alert sent', () => {
    const r = atps.bufferFeed(id, 'block');
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.targetType, 'CHF');
    assert.ok(atps.home(id).chf.standalone);
    const resp = atps.wanUplink(id).find((u) => u.cra === 'response' && u.originator === RTDS_EUIS.chf);
    assert.ok(resp, 'CHF response on the WAN');
    const v = ctx.decodeVerify(fromHex(resp.hex));
    assert.equal(v.message.messageCode, PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED);
    assert.equal(v.message.recipient, '90B3D51F30000007');
    assert.equal(v.signature, 'valid', 'response to a critical command is signed by the CHF');
    const a = atps.alerts(id).find((x) => x.name === 'standalone-entered');
    assert.ok(a);
    const d = verifyChAlert(world, ACB, a.hex, false).alert;
    assert.equal(d.alert === 'standalone-entered' && d.cause, 'block-buffer-feed');
    assert.ok(atps.wanUplink(id).some((u) => u.hex === a.hex));
  });

  it('standalone: a PPMID relay is discarded, its own alert still reaches the CSP', () => {
    const [r] = atps.inject(id, 'ppmid', esmeCommand.bytes);
    assert.equal(r.chDecision, 'discarded');
    assert.equal(r.chReason, 'standalone-mode');
    assert.equal(r.deviceDecision, null);
    assert.deepEqual(r.alerts, ['8E02']);
    const alert = atps.alerts(id).at(-1)!;
    assert.ok(atps.wanUplink(id).some((u) => u.hex === alert.hex));
  });

  it('standalone: even the PPMID->GSME messages and the PPMID own traffic stop', () => {
    const [r] = atps.inject(id, 'ppmid', byName('NA_PCS01/PCS01_NA_SUCCESS_COMMAND').bytes);
    assert.equal(r.chReason, 'standalone-mode');
  });

  it('standalone: WAN traffic still flows', () => {
    const [r] = atps.inject(id, 'wan', esmeCommand.bytes);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.responseRoute, 'wan');
  });

  it('Unblock: relay restored, standalone-left alert', () => {
    const u = atps.bufferFeed(id, 'unblock');
    assert.equal(u.chDecision, 'delivered');
    assert.equal(atps.home(id).chf.standalone, false);
    assert.ok(atps.alerts(id).some((a) => a.name === 'standalone-left'));
    const [r] = atps.inject(id, 'ppmid', esmeCommand.bytes);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.responseRoute, 'wan');
  });

  it('a response caused by PPMID traffic and still buffered is withheld once blocked (never silently)', async () => {
    const { id: h } = await atps.createHome({ profile: 'rtds', hht: true });
    atps.backchannel(h, { action: 'wan-down' });
    const [r] = atps.inject(h, 'ppmid', esmeCommand.bytes);
    assert.equal(r.responseRoute, null);
    assert.equal(atps.home(h).chf.uplinkDepth() >= 1, true);
    // the CHM reaches the CH through an HHT while the WAN is down
    const b = atps.bufferFeed(h, 'block', 'hht');
    assert.equal(b.chDecision, 'delivered');
    assert.ok(atps.chEvents(h).some((e) => e.kind === 'uplink' && e.reason === 'standalone-mode'));
    const before = atps.wanUplink(h).length;
    atps.backchannel(h, { action: 'wan-up' });
    const sent = atps.wanUplink(h).slice(before);
    assert.ok(!sent.some((u) => u.originator === RTDS_EUIS.esme), 'no PPMID-caused response reached the CSP');
    assert.ok(
      sent.some((u) => u.originator === RTDS_EUIS.chf),
      'the CH own traffic did',
    );
  });

  it('standalone survives a CH restart and is announced again', async () => {
    const { id: h } = await atps.createHome({ profile: 'rtds' });
    atps.bufferFeed(h, 'block');
    const last = atps.alerts(h).at(-1)?.seq ?? 0;
    atps.backchannel(h, { action: 'ch-reboot' });
    assert.ok(atps.home(h).chf.standalone);
    const a = atps.alerts(h, { since: last }).find((x) => x.name === 'standalone-entered');
    assert.ok(a);
    const d = verifyChAlert(world, ACB, a.hex, false).alert;
    assert.equal(d.alert === 'standalone-entered' && d.cause, 'restored-after-restart');
  });

  it('refused from a party without the WAN provider role, with a tampered MAC, or replayed', async () => {
    const { id: h } = await atps.createHome({ profile: 'rtds' });
    const supplier = '90B3D51F30010000';
    const bySupplier = ctx.seal(
      {
        cra: 'command',
        originatorCounter: 5_000_000n,
        originator: supplier,
        recipient: RTDS_EUIS.chf,
        otherInfo: { messageCode: PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED },
        content: encodeBufferFeedCommand('block', gbcsInvokeId(5_000_000n)),
      },
      { sign: true },
    );
    atps.inject(h, 'wan', bySupplier);
    assert.equal(atps.home(h).chf.standalone, false);
    assert.ok(atps.chEvents(h).some((e) => e.kind === 'command' && e.reason === 'no-authority'));
    const good = atps.bufferFeedBytes(h, 'block');
    const tampered = good.slice();
    tampered[tampered.length - 1] ^= 0x01;
    atps.inject(h, 'wan', tampered);
    assert.equal(atps.home(h).chf.standalone, false);
    assert.ok(atps.chEvents(h).some((e) => e.kind === 'command' && e.reason === 'mac-invalid'));
    atps.inject(h, 'wan', good);
    assert.equal(atps.home(h).chf.standalone, true);
    atps.bufferFeed(h, 'unblock');
    atps.inject(h, 'wan', good);
    assert.equal(atps.home(h).chf.standalone, false, 'a replayed Block is refused');
    assert.ok(atps.chEvents(h).some((e) => e.kind === 'command' && e.reason === 'replay'));
  });
});
