/**
 * The PPMID is still a PPMID: a UTRN typed by the customer becomes PCS01 to the
 * GSME, emergency credit PCS02 (GBCS.md 2, 5; RTDS NA_PCS01 / NA_PCS02), MAC'd
 * device-to-device; the GSME's answer updates the display.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage } from '../../gbcs/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { RTDS_DEVICES, TrustAnchors } from '../security/credentials.ts';
import { DeviceSecurity } from '../security/device-security.ts';
import { makePpmidKit, type PpmidKit } from './testing.ts';
import { checkUtrnLocally, pcs01Content, pcs02Content } from './topup.ts';

const fixture = (file: string) => rtdsMessages().find((m) => m.file === file)!.bytes;
const PCS01 = fixture('PCS01_NA_SUCCESS_COMMAND_GBCS.HEX');
const PCS02 = fixture('PCS02_NA_SUCCESS_COMMAND_GBCS.HEX');
const PCS01_RESPONSE = fixture('PCS01_NA_SUCCESS_RESPONSE_GBCS.HEX');
const PCS02_RESPONSE = fixture('PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX');
const UTRN = '73941656880950804485'; // the UTRN inside the RTDS PCS01

/** The GSME's side, with the generated GSME keys and the PPMID as its peer: the shared device checks. */
function gsmeSecurity(kit: PpmidKit): DeviceSecurity {
  return new DeviceSecurity({
    credentials: {
      eui: RTDS_DEVICES.gsme,
      kaPrivateKey: kit.gsmeKeys.ka.privateKey,
      kaCertificate: kit.gsmeKeys.ka.certificate,
      dsPrivateKey: kit.gsmeKeys.ds.privateKey,
      dsCertificate: kit.gsmeKeys.ds.certificate,
    },
    trustAnchors: new TrustAnchors({}, [
      { eui: RTDS_DEVICES.ppmid, deviceType: 'PPMID', ka: kit.ppmidKeys.ka.certificate },
    ]),
  });
}

describe('PCS01: a UTRN typed on the PPMID', () => {
  it('the fixture UTRN passes the local checks; its GBZ payload is the fixture payload', () => {
    assert.deepEqual(checkUtrnLocally(UTRN), { ok: true });
    assert.equal(toHex(pcs01Content(UTRN)), toHex(decodeMessage(PCS01).content));
    assert.equal(toHex(pcs02Content(0)), toHex(decodeMessage(PCS02).content));
  });

  it('reproduces the RTDS PCS01 bytes except the MAC (same counter, same UTRN)', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.security.setOwnCounter(decodeMessage(PCS01).originatorCounter - 1n);
    const r = kit.ppmid.typeUtrn(UTRN);
    assert.deepEqual(r, { accepted: true, counter: '10000', target: RTDS_DEVICES.gsme });
    kit.clock.advance(1_000);
    assert.equal(kit.uplink.sent.length, 1);
    const sent = kit.uplink.sent[0].bytes;
    assert.equal(sent.length, PCS01.length);
    assert.equal(toHex(sent.subarray(0, -12)), toHex(PCS01.subarray(0, -12)));
    assert.notEqual(toHex(sent.subarray(-12)), toHex(PCS01.subarray(-12)), 'generated keys give another MAC');
    assert.equal(kit.ppmid.display().lastCustomerAction?.state, 'sent');
    assert.equal(kit.ppmid.display().lastCustomerAction?.utrnMasked, '****************4485');
  });

  it('its MAC verifies at the GSME with generated credentials (shared device checks), and a tampered one does not', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.typeUtrn(UTRN);
    kit.clock.advance(1_000);
    const sent = kit.uplink.sent[0].bytes;
    const gsme = gsmeSecurity(kit);
    const v = gsme.check(sent);
    assert.equal(v.ok, true, v.ok ? '' : `${v.reason}: ${v.detail}`);
    if (v.ok) {
      assert.equal(v.useCase, 'PCS01');
      assert.equal(v.originator.form, 'device/PPMID');
      assert.equal(v.replaySpace, 'top-up');
    }
    const t = sent.slice();
    t[t.length - 20] ^= 0x01;
    const bad = gsme.check(t);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.reason, 'MAC_INVALID');
  });

  it('each typed UTRN uses the next PPMID counter (the GSME would reject a replay)', async () => {
    const kit = await makePpmidKit();
    const a = kit.ppmid.typeUtrn(UTRN);
    const b = kit.ppmid.typeUtrn(UTRN);
    assert.ok(a.accepted && b.accepted && BigInt(b.counter) === BigInt(a.counter) + 1n);
  });

  it('a mistyped UTRN is refused on the PPMID and nothing is sent', async () => {
    const kit = await makePpmidKit();
    const wrongDigit = `${UTRN.slice(0, 19)}${(Number(UTRN[19]) + 1) % 10}`;
    assert.deepEqual(
      { ...kit.ppmid.typeUtrn(wrongDigit), detail: undefined },
      { accepted: false, reason: 'check-digit', detail: undefined },
    );
    assert.equal((kit.ppmid.typeUtrn('1234') as { reason: string }).reason, 'format');
    kit.clock.advance(10_000);
    assert.equal(kit.uplink.sent.length, 0);
    assert.equal(kit.ppmid.display().lastCustomerAction?.state, 'rejected-locally');
  });

  it('an ESME top-up through the PPMID (PECS01) is a ZSE command on the HAN: refused without a HAN path or an ESME', async () => {
    const kit = await makePpmidKit({ home: [{ eui: RTDS_DEVICES.esme, deviceType: 'ESME' }] });
    const r = kit.ppmid.typeUtrn(UTRN, { esme: RTDS_DEVICES.esme });
    assert.equal((r as { reason: string }).reason, 'no-han-path', JSON.stringify(r));
    assert.equal(kit.ppmid.display().lastCustomerAction?.state, 'failed');
    assert.equal(kit.uplink.sent.length, 0, 'nothing goes to the CH');
    assert.equal(
      (kit.ppmid.typeUtrn(UTRN, { esme: RTDS_DEVICES.gsme }) as { reason: string }).reason,
      'no-esme',
    );
  });

  it('no GSME in the home, or no KA certificate for it: refused with no-gsme', async () => {
    const kit = await makePpmidKit({ home: [{ eui: RTDS_DEVICES.esme, deviceType: 'ESME' }] });
    assert.equal((kit.ppmid.typeUtrn(UTRN) as { reason: string }).reason, 'no-gsme');
  });

  it('goes ahead of queued relayed commands but waits for the HAN like them (PP-4)', async () => {
    const kit = await makePpmidKit();
    kit.uplink.duty = 'Critical';
    kit.ppmid.typeUtrn(UTRN);
    kit.clock.advance(600_000);
    assert.equal(kit.uplink.sent.length, 0);
    kit.uplink.duty = 'Normal';
    kit.clock.advance(30_000);
    assert.equal(kit.uplink.sent.length, 1);
  });
});

describe('PCS02: emergency credit from the PPMID', () => {
  it('reproduces the RTDS PCS02 bytes except the MAC (issue date-time 0 as in RTDS), and verifies at the GSME', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.security.setOwnCounter(decodeMessage(PCS02).originatorCounter - 1n);
    assert.equal(kit.ppmid.activateEmergencyCredit({ issuedAt: 0 }).accepted, true);
    kit.clock.advance(1_000);
    const sent = kit.uplink.sent[0].bytes;
    assert.equal(toHex(sent.subarray(0, -12)), toHex(PCS02.subarray(0, -12)));
    const v = gsmeSecurity(kit).check(sent);
    assert.equal(v.ok, true);
  });
});

describe('the display learns from the GSME answers', () => {
  it('a Consumer Top Up Response (PCS01 response) MAC-verified: credit remaining and the top-up result', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.security.setOwnCounter(9999n);
    kit.ppmid.typeUtrn(UTRN);
    kit.clock.advance(1_000);
    const gsme = gsmeSecurity(kit);
    const cmd = gsme.check(kit.uplink.sent[0].bytes);
    assert.ok(cmd.ok);
    // the GSME's answer, with the RTDS response payload, MAC'd with the generated GSME key
    const response = gsme.buildResponse(cmd.message, decodeMessage(PCS01_RESPONSE).content, {
      critical: false,
    });
    assert.equal(toHex(response.subarray(0, -12)), toHex(PCS01_RESPONSE.subarray(0, -12)));
    kit.ppmid.onRemotePartyMessage(response);
    const d = kit.ppmid.display();
    assert.equal(d.credit.creditRemainingMillipence, 4_525_000);
    assert.equal(d.credit.source, 'gsme-top-up-response');
    assert.equal(d.lastCustomerAction?.state, 'accepted');
    assert.equal(d.lastCustomerAction?.valueMillipence, 2_025_000);
  });

  it('a refused top-up (value and credit -1, not applicable) keeps the credit shown; the action is refused', async () => {
    const kit = await makePpmidKit();
    const gsme = gsmeSecurity(kit);
    const answer = (payload: Uint8Array) => {
      const cmd = gsme.check(kit.uplink.sent.at(-1)!.bytes);
      assert.ok(cmd.ok);
      gsme.commit(cmd);
      kit.ppmid.onRemotePartyMessage(gsme.buildResponse(cmd.message, payload, { critical: false }));
    };
    kit.ppmid.typeUtrn(UTRN);
    kit.clock.advance(1_000);
    const accepted = decodeMessage(PCS01_RESPONSE).content;
    answer(accepted);
    assert.equal(kit.ppmid.display().credit.creditRemainingMillipence, 4_525_000);
    kit.ppmid.typeUtrn(UTRN);
    kit.clock.advance(1_000);
    // the same GBZ with result 01 and both amounts -1, as a GSME refusing the UTRN answers
    const refused = accepted.slice();
    refused.set([0x01, 0xff, 0xff, 0xff, 0xff], refused.length - 10);
    refused.set([0xff, 0xff, 0xff, 0xff], refused.length - 4);
    answer(refused);
    const d = kit.ppmid.display();
    assert.equal(d.credit.creditRemainingMillipence, 4_525_000);
    assert.equal(d.lastCustomerAction?.state, 'refused');
    assert.equal(d.lastCustomerAction?.result, 'rejected-invalid-top-up');
    assert.equal(d.lastCustomerAction?.valueMillipence, undefined);
  });

  it('a forged answer (RTDS MAC, not the GSME key) changes nothing', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.onRemotePartyMessage(PCS01_RESPONSE);
    assert.equal(kit.ppmid.display().credit.creditRemainingMillipence, null);
    assert.equal(kit.ppmid.events.at(-1)?.reason, 'MAC_INVALID');
  });

  it('a PCS02 Default Response marks emergency credit active', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.security.setOwnCounter(9999n);
    kit.ppmid.activateEmergencyCredit({ issuedAt: 0 });
    kit.clock.advance(1_000);
    const gsme = gsmeSecurity(kit);
    const cmd = gsme.check(kit.uplink.sent[0].bytes);
    assert.ok(cmd.ok);
    kit.ppmid.onRemotePartyMessage(
      gsme.buildResponse(cmd.message, decodeMessage(PCS02_RESPONSE).content, { critical: false }),
    );
    assert.equal(kit.ppmid.display().credit.emergencyCredit, 'active');
    assert.equal(kit.ppmid.display().lastCustomerAction?.state, 'accepted');
  });

  it('the backchannel stands in for the SE cluster reads (credit, debt, mode)', async () => {
    const kit = await makePpmidKit();
    kit.ppmid.updateDisplay({
      creditRemainingMillipence: 1_000_000,
      debtMillipence: 250_000,
      paymentMode: 'prepayment',
    });
    const c = kit.ppmid.display().credit;
    assert.deepEqual(
      [c.creditRemainingMillipence, c.debtMillipence, c.paymentMode, c.source],
      [1_000_000, 250_000, 'prepayment', 'backchannel'],
    );
  });

  it('CH-4: anything else arriving over the HAN (a response to a relayed command) is logged, not acted on', async () => {
    const kit = await makePpmidKit();
    const resp = rtdsMessages().find(
      (m) => m.file === 'ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX',
    )!.bytes;
    kit.ppmid.onRemotePartyMessage(resp);
    assert.equal(kit.ppmid.events.at(-1)?.reason, 'UNEXPECTED_MESSAGE');
    kit.ppmid.onRemotePartyMessage(Uint8Array.of(1, 2, 3));
    assert.equal(kit.ppmid.events.at(-1)?.reason, 'MALFORMED');
  });
});
