/**
 * SECMP0038 TE-1 / TE-2 through the enhanced PPMID: route `ppmid-inbox` puts
 * a supplier-signed delivery envelope into the PPMID's internet inbox; the
 * PPMID runs its PP-2 checks, keeps the command (PP-3) and relays it over the
 * HAN tunnel; the CH routes it (CH-1) and the real ESME emulator decides.
 *
 * - Every RTDS COMMAND addressed to the ESME 00DB1234567890A0 (rtds profile,
 *   a fresh home each) is delivered and accepted, with a response that
 *   verifies for its recipient, EXCEPT the ones in REFUSED below, which the
 *   PPMID must refuse by PP-2 (docs/atps.md has the same list): those never
 *   reach the CH.
 * - Every tamper mode is refused with its reason and nothing reaches the CH.
 * - The PPMID's customer: a UTRN typed on the PPMID (PCS01 through the CH
 *   mailbox) credits the GSME exactly once; typing it again is refused by the
 *   GSME; emergency credit (PCS02); the display follows.
 * - A PPMID restart (PP-3) mid-delivery loses nothing and applies nothing
 *   twice: the copy sent again is answered by the ESME's replay guard.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Atps, type CustomerActionResult } from '../../src/atps/api.ts';
import { defaultDeviceApps } from '../../src/atps/devices.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import { INBOX_TAMPERS, type InboxTamper } from '../../src/devices/ppmid/atps.ts';
import { TOP_UP_USE_CASES } from '../../src/devices/security/authority.ts';
import { lookupMessageCode } from '../../src/gbcs/codes/message-codes.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { fromHex, normaliseEui } from '../../src/runtime/bytes.ts';
import type { VirtualClock } from '../../src/runtime/clock.ts';
import { byName, COMMANDS } from '../support/atps-harness.ts';

const toEsme = COMMANDS.filter((m) => peekRouting(m.bytes).targetEui === RTDS_EUIS.esme);
const SUPPLIER = '90B3D51F30010000';
const NETWORK_OPERATOR = '90B3D51F30020000';
const ACB = '90B3D51F30000002';

/**
 * The RTDS commands to the ESME the PPMID must refuse (PP-2), by RTDS name,
 * with the reason and why (docs/ppmid.md 3, docs/atps.md "ppmid-inbox").
 */
const REFUSED: Array<{ name: RegExp; count: number; reason: string; why: string }> = [
  {
    name: /^11\.3_CS06\//,
    count: 5,
    reason: 'firmware',
    why: 'CS06 Activate Firmware: firmware distribution stays off local delivery (DSP-3, R9, CH-3)',
  },
  {
    name: /^(6\.15\.1_CS02bSupplierBySupplier|6\.23_CS02bSupplierByTransCoS)\//,
    count: 8,
    reason: 'oversize',
    why: 'CS02b credential replacement, 1.9 kB: over the 1500-byte tunnel transfer (PP-2, CH-2); refused, not split',
  },
  {
    name: /^(NA_CS02aSignature|NA_CS02bAnyExceptAbnormalRootByRecovery)\//,
    count: 2,
    reason: 'no-acb-mac',
    why: 'General Signing only, no ACB MAC: not a DCC Command for Local Delivery (DSP-2)',
  },
  {
    name: /^(4\.1\.1_ECS17b\/ECS17b_4\.1\.1_TWIN|4\.12\.2_ECS18a|4\.16_ECS17c|4\.2_ECS17a|4\.8\.3_ECS22a|6\.13_ECS35g\/ECS35g_6\.13_SUCCESS|6\.18\.1_ECS37|6\.22_ECS25b|6\.22_ECS25b3|6\.27_ECS29f|6\.5_ECS29a|6\.5_ECS29b|6\.5_ECS29d)[/_]/,
    count: 24,
    reason: 'originator-mismatch',
    why: `the network operator's commands (${NETWORK_OPERATOR}): the PPMID relays only the supplier that signed the envelope (${SUPPLIER})`,
  },
  {
    name: /^(6\.24\.1_CS02fMAC|8\.5_CS02bACBByACB)\//,
    count: 3,
    reason: 'originator-mismatch',
    why: `the ACB's own credential commands (${ACB}): not the supplier's`,
  },
];

const refusalOf = (name: string) => REFUSED.find((r) => r.name.test(name));

describe(`TE-1 every RTDS COMMAND to the ESME via ppmid-inbox (${toEsme.length}), fresh home each`, async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const profile = await atps.profile('rtds');
  const csp = new SecurityContext({ keyStore: profile.world, acb: profile.acb });

  it('the refusal table matches the fixtures exactly', () => {
    for (const r of REFUSED)
      assert.equal(toEsme.filter((m) => r.name.test(m.name)).length, r.count, `${r.name} (${r.why})`);
    assert.equal(
      toEsme.filter((m) => refusalOf(m.name)).length,
      REFUSED.reduce((n, r) => n + r.count, 0),
      'no command matches two rows',
    );
    // 189 RTDS commands to the ESME in the fixtures: 42 refused, 147 relayed and accepted
    assert.deepEqual([toEsme.length, REFUSED.reduce((n, r) => n + r.count, 0)], [189, 42]);
  });

  for (const m of toEsme)
    it(m.name, async () => {
      const { id } = await atps.createHome({ profile: 'rtds' });
      const esmeBefore = atps.deviceEvents(id, RTDS_EUIS.esme).application.length;
      const [r] = atps.inject(id, 'ppmid-inbox', m.bytes, { source: m.name });
      assert.equal(r.route, 'ppmid-inbox');
      assert.ok(
        r.statusReportDetails?.every((s) => s.signatureValid),
        'reports signed by the PPMID',
      );
      const refusal = refusalOf(m.name);
      if (refusal) {
        assert.deepEqual([r.ppmidDecision, r.ppmidReason], ['rejected', refusal.reason], r.ppmidDetail);
        assert.deepEqual(r.statusReports, ['rejected']);
        // never reached the CH: no routing decision, no relay alert, nothing at the ESME
        assert.equal(r.chDecision, null);
        assert.deepEqual(r.alerts, []);
        assert.ok(
          !atps.chEvents(id, { kind: 'route' }).some((e) => e.from === RTDS_EUIS.ppmid),
          'no CH route event from the PPMID',
        );
        assert.equal(atps.deviceEvents(id, RTDS_EUIS.esme).application.length, esmeBefore);
      } else {
        assert.deepEqual([r.ppmidDecision, r.ppmidReason], ['accepted-queued', null], r.ppmidDetail);
        // one report per step; after a relayed top-up the PPMID adds its HAN read of the
        // meter's credit as a second `forwarded` report (issue 15 evidence)
        const details = r.statusReportDetails ?? [];
        assert.deepEqual(
          details.filter((s) => !s.creditRead).map((s) => s.outcome),
          ['accepted-queued', 'forwarded'],
        );
        const reads = details.filter((s) => s.creditRead);
        const topUp = TOP_UP_USE_CASES.has(
          lookupMessageCode(peekRouting(m.bytes).messageCode)?.useCase ?? '',
        );
        assert.equal(reads.length, topUp ? 1 : 0, 'a credit read after a relayed top-up only');
        for (const s of reads) {
          assert.equal(s.outcome, 'forwarded');
          assert.equal(normaliseEui(s.creditRead!.meter), normaliseEui(RTDS_EUIS.esme));
        }
        assert.equal(r.chDecision, 'delivered');
        assert.equal(r.target, RTDS_EUIS.esme);
        assert.equal(r.deviceDecision, 'accepted', `${r.deviceReason}`);
        assert.ok(r.response, 'the ESME responded');
        assert.equal(r.responseRoute, 'wan');
        const v = csp.decodeVerify(fromHex(r.response));
        assert.equal(v.message.originatorCounter, peekRouting(m.bytes).originatorCounter);
        if (v.message.mac) assert.equal(v.mac, 'valid');
        else assert.equal(v.signature, 'valid');
        assert.equal(r.requestId?.split(':')[1], '00-DB-12-34-56-78-90-A0');
      }
      atps.deleteHome(id);
    });
});

const ECS17B = byName('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND');
const ECS02 = byName('ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND');

describe('TE-1 ppmid-inbox: every tamper mode is refused by PP-2 and nothing reaches the CH', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const expected: Record<InboxTamper, string | null> = {
    none: null,
    signature: 'bad-signature',
    unsigned: 'bad-signature',
    'unknown-key': 'unknown-key',
    'wrong-ppmid': 'wrong-ppmid',
    expired: 'expired',
    gbcs: 'bad-signature',
  };
  it('covers every tamper mode', () =>
    assert.deepEqual(Object.keys(expected).sort(), [...INBOX_TAMPERS].sort()));
  for (const tamper of INBOX_TAMPERS)
    it(tamper, async () => {
      const { id } = await atps.createHome({ profile: 'rtds' });
      const [r] = atps.injectInbox(id, { gbcs: ECS17B.hex, tamper });
      if (expected[tamper] === null) {
        assert.equal(r.ppmidDecision, 'accepted-queued');
        assert.equal(r.deviceDecision, 'accepted');
        return;
      }
      assert.deepEqual([r.ppmidDecision, r.ppmidReason], ['rejected', expected[tamper]], r.ppmidDetail);
      assert.deepEqual(r.statusReports, ['rejected']);
      assert.equal(r.chDecision, null);
      assert.deepEqual(r.chEvents.length, 0, 'no CH event at all');
      assert.deepEqual(r.alerts, []);
      assert.equal(atps.ppmid(id).outboxEntries().length, 0);
      // the genuine envelope still goes through afterwards
      const [ok] = atps.injectInbox(id, { gbcs: ECS17B.hex });
      assert.equal(ok.deviceDecision, 'accepted', ok.ppmidDetail);
    });

  it('the same envelope twice (QoS 1 redelivery): repeated, its latest outcome, nothing sent again', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const [a] = atps.injectInbox(id, { gbcs: ECS17B.hex });
    assert.deepEqual(a.statusReports, ['accepted-queued', 'forwarded']);
    const [b] = atps.injectInbox(id, { envelope: a.envelope! });
    assert.equal(b.repeated, true);
    assert.equal(b.ppmidDecision, 'forwarded');
    assert.equal(b.envelopeId, a.envelopeId);
    assert.equal(b.chDecision, null);
    assert.deepEqual(b.statusReports, ['forwarded']);
    // the same command in a new envelope: the PPMID's duplicate check (same message bytes)
    const [c] = atps.injectInbox(id, { gbcs: ECS17B.hex });
    assert.deepEqual([c.repeated, c.ppmidDecision, c.ppmidReason], [false, 'rejected', 'duplicate']);
    assert.notEqual(c.envelopeId, a.envelopeId);
    assert.equal(c.chDecision, null);
  });

  it('while the PPMID is offline: accepted and kept; forwarded when it is back', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    atps.backchannel(id, { action: 'ppmid-offline' });
    const [r] = atps.injectInbox(id, { gbcs: ECS17B.hex });
    assert.equal(r.ppmidDecision, 'accepted-queued');
    assert.equal(r.chDecision, null);
    assert.equal(r.chReason, 'waiting-at-ppmid:han-not-ready');
    assert.equal(atps.ppmid(id).outboxEntries().length, 1);
    atps.backchannel(id, { action: 'ppmid-online' });
    const s = atps.ppmidStatus(id);
    assert.deepEqual(
      s.statusReports.filter((x) => x.envelopeId === r.envelopeId).map((x) => x.outcome),
      ['accepted-queued', 'forwarded'],
    );
    const esme = atps.deviceEvents(id, RTDS_EUIS.esme).application;
    assert.equal(esme.filter((e) => e.kind === 'command' && e.decision === 'accepted').length, 1);
  });

  it("a bad body is the caller's error, not the PPMID's decision", async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    assert.throws(() => atps.injectInbox(id, { gbcs: 'zz' }), { code: 'ATPS_BAD_REQUEST' });
    assert.throws(() => atps.injectInbox(id, { gbcs: ECS17B.hex, tamper: 'nope' as InboxTamper }), {
      code: 'ATPS_BAD_REQUEST',
    });
    assert.throws(() => atps.injectInbox(id, { gbcs: ECS17B.hex, requestId: 'not-a-request-id' }), {
      code: 'ATPS_BAD_REQUEST',
    });
  });
});

describe("TE-1 the PPMID's customer through the backchannel (PCS01, PCS02)", async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const utrnAction = (id: string, utrn: string) =>
    atps.backchannel(id, { action: 'ppmid-utrn', utrn }).detail as CustomerActionResult;

  for (const profile of ['rtds', 'generated'] as const)
    it(`${profile}: a UTRN typed on the PPMID credits the GSME exactly once; the same UTRN again is refused`, async () => {
      const { id } = await atps.createHome({ profile });
      const issued = atps.issueUtrn(id, { value: 15 });
      const first = utrnAction(id, issued.utrn);
      assert.equal(first.typed.accepted, true);
      assert.deepEqual([first.chDecision, first.chReason], ['queued', 'ppmid-gsme-message']);
      assert.equal(first.gsme?.decision, 'accepted');
      assert.equal(first.gsme?.reason, 'OK');
      assert.equal(first.balanceAfter! - first.balanceBefore!, 15 * 100_000);
      assert.equal(first.display.credit.creditRemainingMillipence, first.balanceAfter);
      assert.equal(first.display.credit.source, 'gsme-top-up-response');
      assert.equal(first.display.lastCustomerAction?.state, 'accepted');
      assert.equal(first.display.lastCustomerAction?.valueMillipence, 15 * 100_000);

      const second = utrnAction(id, issued.utrn);
      assert.equal(second.typed.accepted, true, 'the PPMID cannot know: only the meter checks a UTRN');
      assert.equal(second.gsme?.reason, 'FAILED');
      assert.equal((second.gsme?.detail as { refusal?: string } | undefined)?.refusal, 'duplicate');
      assert.equal(second.balanceAfter, first.balanceAfter, 'credited once');
      assert.equal(second.display.lastCustomerAction?.state, 'refused');
      assert.equal(second.display.credit.creditRemainingMillipence, first.balanceAfter);

      // a second, new UTRN is credited
      const third = utrnAction(id, atps.issueUtrn(id, { value: 1 }).utrn);
      assert.equal(third.balanceAfter! - third.balanceBefore!, 100_000);
      const read = atps.backchannel(id, { action: 'ppmid-display' }).detail as {
        display: CustomerActionResult['display'];
      };
      assert.equal(read.display.credit.creditRemainingMillipence, third.balanceAfter);
    });

  it('a mistyped UTRN is refused by the PPMID itself and never reaches the HAN', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const utrn = atps.issueUtrn(id, { value: 5 }).utrn;
    const wrong = `${utrn.slice(0, 19)}${(Number(utrn[19]) + 1) % 10}`;
    const r = utrnAction(id, wrong);
    assert.deepEqual([r.typed.accepted, !r.typed.accepted && r.typed.reason], [false, 'check-digit']);
    assert.equal(r.chDecision, null);
    assert.equal(r.gsme, null);
    assert.equal(r.balanceAfter, r.balanceBefore);
  });

  it('without a GSME poll the PCS01 waits in the CH mailbox; the next poll applies it', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const r = atps.backchannel(id, { action: 'ppmid-utrn', value: 3, poll: false })
      .detail as CustomerActionResult;
    assert.equal(r.chDecision, 'queued');
    assert.equal(r.gsme, null);
    assert.equal(r.display.lastCustomerAction?.state, 'sent');
    assert.equal(atps.home(id).chf.mailboxDepth(RTDS_EUIS.gsme), 1);
    atps.backchannel(id, { action: 'gsme-poll' });
    const d = (
      atps.backchannel(id, { action: 'ppmid-display' }).detail as { display: CustomerActionResult['display'] }
    ).display;
    assert.equal(d.lastCustomerAction?.state, 'accepted');
  });

  it('emergency credit: PCS02 activates it at the GSME; the display shows it', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const r = atps.backchannel(id, { action: 'ppmid-emergency-credit' }).detail as CustomerActionResult;
    assert.equal(r.typed.accepted, true);
    assert.equal(r.gsme?.decision, 'accepted');
    assert.equal(r.emergencyCreditActive, true);
    assert.equal(r.display.credit.emergencyCredit, 'active');
    assert.equal(r.display.lastCustomerAction?.kind, 'emergency-credit');
  });
});

describe('TE-1 PPMID restart (PP-3): nothing lost, nothing applied twice', async () => {
  const atps = new Atps({ deviceApps: defaultDeviceApps });
  const esmeCommands = (id: string) =>
    atps
      .deviceEvents(id, RTDS_EUIS.esme)
      .application.filter((e) => e.kind === 'command')
      .map((e) => `${e.useCase}:${e.originatorCounter}:${e.decision}:${e.reason}`);

  it('restarted while the relayed command is in flight after the CH had it: sent again, the ESME replay guard answers the copy', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const clock = atps.home(id).clock as VirtualClock;
    const [r] = atps.injectInbox(id, { gbcs: ECS17B.hex }, { settleMs: 0 });
    assert.equal(r.ppmidDecision, 'accepted-queued');
    // run until the CH has routed it, while the PPMID still waits for the HAN result
    const routed = () => atps.chEvents(id, { kind: 'route' }).some((e) => e.from === RTDS_EUIS.ppmid);
    while (!routed()) assert.ok(clock.step(), 'the clock has work');
    assert.equal(atps.ppmid(id).outboxEntries()[0]?.inFlight, true, 'in flight at the restart');
    const restart = atps.backchannel(id, { action: 'ppmid-restart' }).detail as { inFlight: string[] };
    assert.deepEqual(restart.inFlight, [r.envelopeId]);
    const counter = peekRouting(ECS17B.bytes).originatorCounter;
    assert.deepEqual(esmeCommands(id), [
      `ECS17b:${counter}:accepted:OK`,
      `ECS17b:${counter}:rejected:REPLAY`,
    ]);
    const reports = atps.ppmidStatus(id).statusReports.filter((x) => x.envelopeId === r.envelopeId);
    assert.deepEqual(
      reports.map((x) => [x.outcome, x.attempts]),
      [
        ['accepted-queued', 0],
        ['forwarded', 2],
      ],
    );
    assert.ok(reports.every((x) => x.signatureValid));
    assert.equal(atps.ppmid(id).outboxEntries().length, 0);
    // the one response of the accepted command reached the WAN
    const responses = atps
      .wanUplink(id)
      .filter(
        (u) => u.cra === 'response' && u.counter === counter.toString() && u.originator === RTDS_EUIS.esme,
      );
    assert.equal(responses.length, 1);
  });

  it('restarted with commands still queued (PPMID offline): both survive, each applied once', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    atps.backchannel(id, { action: 'ppmid-offline' });
    const [a, b] = atps.injectInbox(id, [{ gbcs: ECS17B.hex }, { gbcs: ECS02.hex }]);
    assert.deepEqual([a.ppmidDecision, b.ppmidDecision], ['accepted-queued', 'accepted-queued']);
    const d = atps.backchannel(id, { action: 'ppmid-restart', radio: false }).detail as {
      outbox: number;
      restored: unknown[];
    };
    assert.deepEqual([d.outbox, d.restored.length], [2, 2]);
    assert.equal(atps.homeInfo(id).devices.find((x) => x.eui === RTDS_EUIS.ppmid)?.application, 'Ppmid');
    atps.backchannel(id, { action: 'ppmid-online' });
    assert.deepEqual(
      esmeCommands(id).map((x) => x.split(':').slice(0, 1).concat(x.split(':').slice(2)).join(':')),
      ['ECS17b:accepted:OK', 'ECS02:accepted:OK'],
    );
    const outcomes = atps
      .ppmidStatus(id)
      .statusReports.filter((x) => x.envelopeId === b.envelopeId)
      .map((x) => x.outcome);
    assert.deepEqual(outcomes, ['accepted-queued', 'forwarded']);
    // the duplicate memory survived: the supplier's retry of the same envelope is not sent again
    const [again] = atps.injectInbox(id, { envelope: a.envelope! });
    assert.deepEqual([again.repeated, again.ppmidDecision, again.chDecision], [true, 'forwarded', null]);
    assert.equal(esmeCommands(id).length, 2);
    assert.equal(atps.ppmidStatus(id).restarts, 1);
  });

  it('after a CH reboot (default bootMs, inside the HAN duplicate-rejection window) the first relay gets through (CH-9)', async () => {
    const { id } = await atps.createHome({ profile: 'rtds' });
    const home = atps.home(id);
    assert.ok(home.chf.config.bootMs < home.medium.duplicateRejectionMs);
    const before = home.medium.radioState(home.chRadioEui);
    atps.backchannel(id, { action: 'ch-reboot' });
    assert.ok(home.medium.outgoingApsCounter(home.chRadioEui) > before.apsCounter, 'the APS count went on');
    const [r] = atps.injectInbox(id, { gbcs: ECS17B.hex });
    assert.deepEqual([r.chDecision, r.deviceDecision, r.responseRoute], ['delivered', 'accepted', 'wan']);
    assert.equal(atps.metrics(id).counters['han.rx.duplicates'] ?? 0, 0);
  });

  it('a home whose device apps leave the PPMID bare has no ppmid-inbox route', async () => {
    const bare = new Atps({ deviceApps: null });
    const { id } = await bare.createHome({ profile: 'rtds' });
    assert.throws(() => bare.inject(id, 'ppmid-inbox', ECS17B.bytes), { code: 'ATPS_NO_PPMID_APP' });
    assert.throws(() => bare.backchannel(id, { action: 'ppmid-restart' }), { code: 'ATPS_NO_PPMID_APP' });
  });
});
