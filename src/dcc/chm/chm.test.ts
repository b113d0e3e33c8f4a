import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStoreKind } from '../../adapters/store/testing.ts';
import { provisionalAlertContent } from '../../devices/chf/alerts.ts';
import { type HomeProfile, keyStoreFor, loadProfile } from '../../devices/home/profiles.ts';
import { checkCommand, ReplayGuard } from '../../gbcs/acceptance.ts';
import { decodeBufferFeedCommand, PROVISIONAL_MESSAGE_CODE } from '../../gbcs/codes/provisional.ts';
import { decodeMessage } from '../../gbcs/decode.ts';
import { cosemDateTimeFromDate, gbcsInvokeId } from '../../gbcs/payload/dlms.ts';
import { SecurityContext } from '../../gbcs/security.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { ChmError } from './errors.ts';
import { connectPpmid, createChmEstate, ppmidSends } from './estate.ts';

let profile: HomeProfile;
before(async () => {
  profile = await loadProfile('generated');
});

const S = 1000;

forEachStoreKind((_kind, open) => {
  async function estate(t: { after: (fn: () => Promise<void>) => void }, homes = 2) {
    const store = await open();
    t.after(() => store.close());
    const clock = new VirtualClock();
    const e = await createChmEstate({ clock, store, homes, profile });
    const settle = async (ms = 5 * S) => {
      clock.advance(ms);
      await e.chm.whenIdle();
    };
    return { clock, store, e, settle };
  }

  describe('CHM alert ingestion from real CH alerts (CSP-2)', () => {
    it('PPMID Connected: decoded, verified, stored, counted per CH', async (t) => {
      const { e, settle } = await estate(t);
      const [h0, h1] = e.homes;
      connectPpmid(h0);
      connectPpmid(h1);
      await settle();
      const alerts = await e.chm.alerts({ type: 'ppmid-connected' });
      // each PPMID raises PPMID Connected on join and again when its tunnel opens (CH-5)
      assert.deepEqual(alerts.map((a) => `${a.chf}:${a.reason}`).sort(), [
        `${h0.chf}:joined`,
        `${h0.chf}:tunnel-opened`,
        `${h1.chf}:joined`,
        `${h1.chf}:tunnel-opened`,
      ]);
      for (const a of alerts) {
        assert.equal(a.verified, true);
        assert.equal(a.mac, 'valid', "the CHM holds the ACB KA key the alert is MAC'd for");
        assert.equal(a.signature, 'absent', 'PPMID Connected is a non-critical alert');
        assert.equal(a.provisional, true);
        assert.equal(a.alertCode, 0x8e01);
        assert.equal(a.ppmid, a.chf === h0.chf ? h0.ppmid : h1.ppmid);
        assert.ok(a.alertAt !== null && Math.abs(a.alertAt - a.receivedAt) < 2 * S);
      }
      const ch = await e.chm.ch(h0.chf);
      assert.equal(ch?.ppmidConnected, 2);
      assert.equal(ch?.mode, 'normal');
      assert.equal(await e.chm.repo.countAlerts({ chf: h1.chf }), 2);
    });

    it('PPMID Relay Rejected with its reason; critical alerts carry a verified CHF signature', async (t) => {
      const { e, settle } = await estate(t, 1);
      const h = e.homes[0];
      connectPpmid(h);
      await settle();
      // a PPMID relays a message addressed to the CHF itself: CH-2 discards it and alerts
      const acb = new SecurityContext({
        keyStore: keyStoreFor(e.world, [e.profile.acb]),
        acb: e.profile.acb,
      });
      const toChf = acb.seal({
        cra: 'command',
        originatorCounter: 5n,
        originator: e.profile.acb,
        recipient: h.chf,
        otherInfo: { messageCode: 0x0001 },
        content: Uint8Array.of(0xd9, 0x00),
      });
      ppmidSends(h, toChf);
      await settle();
      const [r] = await e.chm.alerts({ type: 'ppmid-relay-rejected' });
      assert.ok(r, 'relay rejection stored');
      assert.equal(r.reason, 'target-is-chf');
      assert.equal(r.target, h.chf);
      assert.equal(r.ppmid, h.ppmid);
      assert.equal(r.critical, true);
      assert.equal(r.signature, 'valid');
      assert.equal(r.verified, true);
      assert.equal((await e.chm.ch(h.chf))?.relayRejected, 1);
    });

    it('a tampered alert is stored as unverified and does not change the CH', async (t) => {
      const { clock, e } = await estate(t, 1);
      const h = e.homes[0];
      const chfCtx = new SecurityContext({ keyStore: keyStoreFor(e.world, [h.chf]), acb: e.profile.acb });
      const c = provisionalAlertContent(
        { alert: 'standalone-entered', by: null, cause: 'block-buffer-feed' },
        gbcsInvokeId(9n),
        cosemDateTimeFromDate(new Date(clock.now())),
      );
      const good = chfCtx.seal({
        cra: 'alert',
        originatorCounter: 9n,
        originator: h.chf,
        recipient: e.profile.acb,
        otherInfo: { messageCode: c.messageCode },
        content: c.content,
      });
      const bad = good.slice();
      bad[bad.length - 20] ^= 0x01;
      const stored = await e.chm.ingestNow({ chf: h.chf, gbcs: bad, at: clock.now() });
      assert.ok(stored && 'verified' in stored);
      assert.equal(stored.verified, false);
      assert.equal(stored.mac, 'invalid');
      assert.equal((await e.chm.ch(h.chf))?.mode ?? 'normal', 'normal');
      // the genuine one applies, and the same bytes twice are stored once
      await e.chm.ingestNow({ chf: h.chf, gbcs: good, at: clock.now() });
      assert.equal(await e.chm.ingestNow({ chf: h.chf, gbcs: good, at: clock.now() }), null);
      assert.equal((await e.chm.ch(h.chf))?.mode, 'standalone');
      assert.equal(await e.chm.repo.countAlerts({ chf: h.chf }), 2);
      assert.equal(await e.chm.repo.countAlerts({ chf: h.chf, verified: false }), 1);
      // garbage is counted, never a crash
      assert.equal(await e.chm.ingestNow({ chf: h.chf, gbcs: Uint8Array.of(1, 2), at: clock.now() }), null);
      assert.equal(e.chm.metrics.snapshot().counters['chm.rx.malformed'], 1);
    });
  });

  describe('Block / Unblock Buffer Feed, standalone list, re-join (A20), isolated flag (A22) (CSP-3)', () => {
    it('the Block command is real GBCS the CHF trusts: WAN provider signature, ACB MAC, provisional code', async (t) => {
      const { e } = await estate(t, 1);
      const h = e.homes[0];
      const cmd = await e.chm.block(h.chf, { operator: 'alice', note: 'suspected compromise' });
      const bytes = fromHex(cmd.gbcsHex);
      const m = decodeMessage(bytes);
      assert.equal(m.cra, 'command');
      assert.equal(m.originator, e.profile.wanProvider);
      assert.equal(m.recipient, h.chf);
      assert.equal(m.messageCode, PROVISIONAL_MESSAGE_CODE.BLOCK_BUFFER_FEED);
      assert.equal(decodeBufferFeedCommand(m.content).action, 'block');
      assert.equal(e.world.role(m.originator), 6, 'originated by the WAN provider role');
      // verified with what the CHF holds: its own KA key and the certificates
      const chfCtx = new SecurityContext({ keyStore: keyStoreFor(e.world, [h.chf]), acb: e.profile.acb });
      assert.equal(chfCtx.verifySignature(m), 'valid');
      assert.equal(chfCtx.verifyMac(m), 'valid');
      const check = checkCommand(bytes, { device: h.chf, security: chfCtx, replay: new ReplayGuard() });
      assert.equal(check.accepted, true);
      assert.equal(check.accepted && check.critical, true);
      // tampering breaks it
      const bad = bytes.slice();
      bad[bad.length - 30] ^= 0x80;
      assert.equal(
        checkCommand(bad, { device: h.chf, security: chfCtx, replay: new ReplayGuard() }).accepted,
        false,
      );
    });

    it('block -> standalone (listed) -> clear -> unblock -> normal, flagged as having run isolated', async (t) => {
      const { clock, e, settle } = await estate(t, 2);
      const [h, other] = e.homes;
      connectPpmid(h);
      await settle();
      const t0 = clock.now();
      const block = await e.chm.block(h.chf, { operator: 'alice' });
      assert.equal((await e.chm.ch(h.chf))?.mode, 'block-pending');
      await assert.rejects(
        e.chm.block(h.chf, { operator: 'bob' }),
        (err: ChmError) => err.code === 'CHM_COMMAND_PENDING',
      );
      await settle();
      assert.equal(h.home.chf.standalone, true, 'the CHF accepted Block Buffer Feed');
      const after = (await e.chm.repo.command(block.requestId))!;
      assert.equal(after.status, 'succeeded');
      assert.equal(after.result, 0);
      assert.equal(after.wanOutcome, 'delivered');
      const ch = (await e.chm.ch(h.chf))!;
      assert.equal(ch.mode, 'standalone');
      assert.deepEqual(
        (await e.chm.standaloneChs()).map((c) => c.chf),
        [h.chf],
      );
      assert.ok((await e.chm.alerts({ chf: h.chf, type: 'standalone-entered' })).length === 1);
      assert.equal((await e.chm.ch(other.chf))?.mode ?? 'normal', 'normal');

      // A20: no re-join before an operator marks it cleared
      await assert.rejects(
        e.chm.unblock(h.chf, { operator: 'alice' }),
        (err: ChmError) => err.code === 'CHM_NOT_CLEARED',
      );
      await assert.rejects(e.chm.markCleared(other.chf, { operator: 'x' }), ChmError);
      await settle(3_600_000);
      const cleared = await e.chm.markCleared(h.chf, { operator: 'carol', note: 'PPMID replaced' });
      assert.equal(cleared.cleared, true);
      assert.equal(cleared.clearedBy, 'carol');
      const unblock = await e.chm.unblock(h.chf, { operator: 'carol' });
      assert.equal((await e.chm.ch(h.chf))?.mode, 'unblock-pending');
      assert.equal((await e.chm.standaloneChs()).length, 1, 'still listed until the CH confirms');
      await settle();
      assert.equal(h.home.chf.standalone, false);
      assert.equal((await e.chm.repo.command(unblock.requestId))?.status, 'succeeded');
      const back = (await e.chm.ch(h.chf))!;
      assert.equal(back.mode, 'normal');
      assert.equal(back.ranIsolated, true, 'A22 flag kept after the CH returned');
      assert.deepEqual(await e.chm.standaloneChs(), []);
      const rr = await e.chm.returnsRecord(h.chf);
      assert.equal(rr.ranIsolated, true);
      assert.equal(rr.faultReason, 'DCC Fault');
      assert.equal(rr.periods.length, 1);
      assert.ok(
        rr.periods[0].startedAt >= t0 && rr.periods[0].endedAt! - rr.periods[0].startedAt >= 3_600_000,
      );
      assert.equal((await e.chm.returnsRecord(other.chf)).faultReason, null);
      assert.deepEqual(
        (await e.chm.chs({ ranIsolated: true })).map((c) => c.chf),
        [h.chf],
      );
      // a second block starts a new period and resets the clearance
      await e.chm.block(h.chf, { operator: 'alice' });
      await settle();
      const again = (await e.chm.ch(h.chf))!;
      assert.equal(again.mode, 'standalone');
      assert.equal(again.cleared, false);
      assert.equal((await e.chm.returnsRecord(h.chf)).periods.length, 2);
    });

    it('a Block that the WAN cannot deliver expires and the CH returns to normal', async (t) => {
      const { e, settle } = await estate(t, 1);
      const h = e.homes[0];
      e.wan.backchannel.forceDown(h.chf);
      const cmd = await e.chm.block(h.chf, { operator: 'alice' });
      await settle(25 * 3_600_000);
      const c = (await e.chm.repo.command(cmd.requestId))!;
      assert.equal(c.status, 'expired');
      assert.equal(c.wanOutcome, 'expired');
      assert.equal((await e.chm.ch(h.chf))?.mode, 'normal');
      assert.equal(h.home.chf.standalone, false);
    });

    it('a Block queued at the CSP while the WAN is down is carried once the WAN returns', async (t) => {
      const { e, settle } = await estate(t, 1);
      const h = e.homes[0];
      e.wan.backchannel.forceDown(h.chf);
      const cmd = await e.chm.block(h.chf, { operator: 'alice' });
      await settle(3_600_000);
      assert.equal((await e.chm.repo.command(cmd.requestId))?.status, 'queued');
      e.wan.backchannel.forceUp(h.chf);
      await settle();
      assert.equal((await e.chm.repo.command(cmd.requestId))?.status, 'succeeded');
      assert.equal((await e.chm.ch(h.chf))?.mode, 'standalone');
    });

    it('refuses bad requests with typed errors', async (t) => {
      const { e } = await estate(t, 1);
      await assert.rejects(
        e.chm.block('nonsense', { operator: 'a' }),
        (err: ChmError) => err.code === 'CHM_BAD_REQUEST',
      );
      await assert.rejects(
        e.chm.block(e.homes[0].chf, { operator: ' ' }),
        (err: ChmError) => err.code === 'CHM_BAD_REQUEST',
      );
      await assert.rejects(
        e.chm.block('00DB0000000000FF', { operator: 'a' }),
        (err: ChmError) => err.code === 'CHM_UNKNOWN_CH',
      );
      await assert.rejects(
        e.chm.unblock(e.homes[0].chf, { operator: 'a' }),
        (err: ChmError) => err.code === 'CHM_NOT_STANDALONE',
      );
      e.chm.setDownlink(undefined);
      await assert.rejects(
        e.chm.block(e.homes[0].chf, { operator: 'a' }),
        (err: ChmError) => err.code === 'CHM_NO_WAN',
      );
    });
  });
});
