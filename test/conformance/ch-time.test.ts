/**
 * SECMP0038 3.1.1 and decision "time without WAN": a CH without WAN has time
 * status Unreliable; the PROVISIONAL Set CH Time command (0x0F03), issued by
 * the DCC (ACB-originated and ACB-signed, dcc/dsp/ch-time.ts) and relayed by
 * the PPMID while the CH has no WAN (NO_WAN_CHF_RELAY_CODES), gives it
 * Reliable time; a bad or unauthorised one is refused with 0x8E06 and the
 * time status stays Unreliable. With a WAN, CH-2 still discards PPMID
 * relays to the CHF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSetChTimeCommand } from '../../src/dcc/dsp/ch-time.ts';
import { DEFAULT_CH_TIME_CONFIG } from '../../src/devices/chf/ch-time.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import {
  decodeChTimeResponse,
  encodeChTimeCommand,
  PROVISIONAL_MESSAGE_CODE,
} from '../../src/gbcs/codes/provisional.ts';
import { gbcsInvokeId } from '../../src/gbcs/payload/dlms.ts';
import { SecurityContext } from '../../src/gbcs/security.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { verifyChAlert } from '../support/alert-check.ts';
import { newAtps } from '../support/atps-harness.ts';

const ACB = '90B3D51F30000002';
const SUPPLIER = '90B3D51F30010000';

describe('Set CH Time through the PPMID route (SECMP0038 3.1.1, PROVISIONAL 0x0F03)', async () => {
  const atps = newAtps();
  const world = (await atps.profile('rtds')).world;
  const dcc = new SecurityContext({ keyStore: world, acb: ACB });
  const { id } = await atps.createHome({ profile: 'rtds' });
  const chf = atps.home(id).chf;
  let acbCounter = 1n << 50n;
  const now = () => chf.time.now();
  const setTime = (o: { at?: number; validityMs?: number } = {}) =>
    buildSetChTimeCommand(dcc, {
      chf: RTDS_EUIS.chf,
      user: SUPPLIER,
      userCounter: 7n,
      acbCounter: ++acbCounter,
      now: o.at ?? atps.home(id).clock.now(),
      validityMs: o.validityMs,
    });
  const refusals = () =>
    atps
      .alerts(id)
      .filter((a) => a.name === 'ch-time-refused')
      .map((a) => verifyChAlert(world, ACB, a.hex, true).alert);

  it('with a WAN, a PPMID relay to the CHF is still discarded (CH-2) and the WAN is the time source', () => {
    assert.equal(chf.time.status(), 'reliable');
    const [r] = atps.inject(id, 'ppmid', setTime().gbcs);
    assert.equal(r.chDecision, 'discarded');
    assert.equal(r.chReason, 'target-is-chf');
  });

  it('WAN lost: Reliable through the holdover, then Unreliable; alerts carry "doubtful"', () => {
    atps.backchannel(id, { action: 'wan-down' });
    atps.backchannel(id, { action: 'advance', ms: DEFAULT_CH_TIME_CONFIG.timeHoldoverMs - 1 });
    assert.equal(chf.time.status(), 'reliable');
    atps.backchannel(id, { action: 'advance', ms: 2 });
    assert.equal(chf.time.status(), 'unreliable');
  });

  it('unauthorised: a supplier-originated Set CH Time reaches the CHF but is refused (8F30 + 8E06), status stays Unreliable', () => {
    const c = ++acbCounter;
    const t = atps.home(id).clock.now();
    const bySupplier = dcc.seal(
      {
        cra: 'command',
        originatorCounter: c,
        originator: SUPPLIER,
        recipient: RTDS_EUIS.chf,
        otherInfo: { messageCode: PROVISIONAL_MESSAGE_CODE.SET_CH_TIME },
        content: encodeChTimeCommand({
          preset: t,
          validFrom: t,
          validTo: t + 60_000,
          invoke: gbcsInvokeId(c),
        }),
      },
      { sign: true },
    );
    const [r] = atps.inject(id, 'ppmid', bySupplier);
    assert.equal(r.chDecision, 'delivered');
    assert.equal(r.chReason, 'no-wan-commissioning');
    assert.ok(r.alerts.includes('8F30'), JSON.stringify(r.alerts));
    assert.ok(r.alerts.includes('8E06'), JSON.stringify(r.alerts));
    const last = refusals().at(-1);
    assert.equal(last?.alert === 'ch-time-refused' && last.reason, 'no-authority');
    assert.equal(chf.time.status(), 'unreliable');
  });

  it('bad: a tampered MAC, or a validity interval longer than the CH allows, is refused with 8E06', () => {
    const tampered = setTime().gbcs.slice();
    tampered[tampered.length - 1] ^= 0x01;
    const [a] = atps.inject(id, 'ppmid', tampered);
    assert.deepEqual(a.alerts, ['8E06']);
    assert.equal(chf.time.status(), 'unreliable');
    const [b] = atps.inject(id, 'ppmid', setTime({ validityMs: 2 * 3_600_000 }).gbcs);
    assert.deepEqual(b.alerts, ['8E06']);
    const reasons = refusals().map((x) => (x.alert === 'ch-time-refused' ? x.reason : null));
    assert.deepEqual(reasons.slice(-2), ['authentication', 'malformed']);
    assert.ok(refusals().every((x) => x.alert === 'ch-time-refused' && !x.reliable));
    assert.equal(chf.time.status(), 'unreliable');
  });

  it('good: the ACB-signed command gives the CH Reliable time; the signed Response (buffered for the WAN, CH-4) carries it', () => {
    const before = atps.wanUplink(id).length;
    const cmd = setTime();
    const [r] = atps.inject(id, 'ppmid', cmd.gbcs);
    assert.equal(r.chDecision, 'delivered');
    assert.deepEqual(r.alerts, []);
    assert.equal(chf.time.status(), 'reliable');
    const applied = atps
      .chEvents(id)
      .findLast((e) => e.kind === 'time' && e.reason === 'time-command-applied')!;
    assert.equal(now(), cmd.preset + (atps.home(id).clock.now() - applied.at), 'CH time = the DCC preset');
    assert.ok(chf.uplinkDepth() >= 1, 'the Response waits for the WAN, never to the PPMID');
    atps.backchannel(id, { action: 'wan-up' });
    const counter = dcc.decodeVerify(cmd.gbcs).message.originatorCounter;
    const responses = atps
      .wanUplink(id)
      .slice(before)
      .filter((u) => u.cra === 'response' && u.originator === RTDS_EUIS.chf)
      .map((u) => dcc.decodeVerify(fromHex(u.hex)));
    const refused = responses.find((x) => x.message.originatorCounter !== counter);
    assert.ok(refused, 'the refused (malformed validity) command was answered too');
    assert.deepEqual(decodeChTimeResponse(refused.message.content).applied, false);
    const v = responses.find((x) => x.message.originatorCounter === counter)!;
    assert.equal(v.signature, 'valid', 'a response to a critical command is signed by the CHF');
    assert.equal(v.message.recipient, ACB);
    assert.deepEqual(decodeChTimeResponse(v.message.content), {
      applied: true,
      chTime: cmd.preset,
      reliable: true,
    });
    atps.backchannel(id, { action: 'wan-down' });
  });

  it('a held-back older command cannot set the clock back (time-regression)', () => {
    const old = setTime({ at: atps.home(id).clock.now() - 3_600_000 });
    const [r] = atps.inject(id, 'ppmid', old.gbcs);
    assert.deepEqual(r.alerts, ['8E06']);
    const last = refusals().at(-1);
    assert.equal(last?.alert === 'ch-time-refused' && last.reason, 'time-regression');
    assert.equal(chf.time.status(), 'reliable', 'the refusal leaves the trusted time as it was');
  });
});
