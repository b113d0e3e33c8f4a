/**
 * ESME emulator against the RTDS reference messages (ARCHITECTURE
 * "Conformance anchors": an ESME holding the RTDS ESME key accepts the RTDS
 * commands addressed to it and rejects tampered, replayed and misaddressed
 * ones; SECMP0038 TE-1, DSP-6).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { RTDS_KEYSTORE, rtdsMessages } from '../../../test/support/fixtures.ts';
import {
  decodeDer,
  decodeMessage,
  ecdsaVerify,
  type GbcsMessage,
  loadKeyStoreDir,
  type MemoryKeyStore,
} from '../../gbcs/index.ts';
import { decodeDlmsApdu, encodeDlmsApdu, encodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { decodeCommand, decodeResponse, encodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { HomeNvmStore } from '../../sim/nvm.ts';
import { ChClock, DEFAULT_CH_TIME_CONFIG } from '../chf/ch-time.ts';
import {
  RecordingUplink,
  type RtdsProfile,
  rebuildCommand,
  rtdsEsmeProfile,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { Esme, type EsmeOptions } from './esme.ts';
import { blockIndex, defaultTariff, electricityPriceView, touIndex } from './tariff.ts';

const ESME = RTDS_DEVICES.esme;
const all = rtdsMessages();
const commandsToEsme = all.filter((m) => {
  if (m.kind !== 'COMMAND') return false;
  try {
    return decodeMessage(m.bytes).recipient === ESME;
  } catch {
    return false;
  }
});
const fixture = (name: string) => {
  const m = all.find((x) => x.name.endsWith(name));
  if (!m) throw new Error(`no fixture ${name}`);
  return m.bytes;
};

let ks: MemoryKeyStore;
let profile: RtdsProfile;

before(async () => {
  ks = loadKeyStoreDir(RTDS_KEYSTORE);
  profile = await rtdsEsmeProfile(ks);
});

function newEsme(extra: Partial<EsmeOptions> = {}) {
  const clock = new VirtualClock(RTDS_TIME);
  const esme = new Esme({
    eui: ESME,
    clock,
    credentials: profile.credentials,
    trustAnchors: profile.trustAnchors,
    ...extra,
  });
  const up = new RecordingUplink(() => clock.now());
  esme.attachUplink(up);
  return { esme, clock, up };
}

/** The snapshot without the device's own alert counter (sending an alert is not a change of the meter). */
function meterState(s: ReturnType<Esme['snapshot']>) {
  return { ...s, security: { replay: s.security.replay } };
}

/** Verifies a message the ESME sent: MAC with the fixture key store, or signature with its generated DS certificate. */
function verifyFromEsme(bytes: Uint8Array): GbcsMessage {
  const m = decodeMessage(bytes);
  assert.equal(m.originator, ESME);
  if (m.mac !== null) assert.equal(profile.remote.verifyMac(m), 'valid', 'MAC of the ESME message');
  else {
    assert.ok(m.signature, 'DF-only messages are signed');
    assert.ok(ecdsaVerify(m.signedData, m.signature!, profile.dsCertificate.publicKey), 'signature verifies');
  }
  return m;
}

describe('ESME: every RTDS command addressed to 00DB1234567890A0 (TE-1, conformance anchor)', () => {
  it('there are RTDS commands for the ESME', () => assert.ok(commandsToEsme.length > 100));
  for (const m of commandsToEsme) {
    it(`${m.useCase}: ${m.file} is accepted and answered with a verifiable response`, () => {
      const { esme, up } = newEsme();
      esme.onRemotePartyMessage(m.bytes);
      const ev = esme.events.find((e) => e.kind === 'command');
      assert.equal(ev?.decision, 'accepted', `${ev?.reason} ${JSON.stringify(ev?.detail)}`);
      const sent = up.take();
      const cmd = decodeMessage(m.bytes);
      const responses = sent.map(decodeMessage).filter((x) => x.cra === 'response');
      assert.equal(responses.length, 1, 'exactly one response');
      const r = verifyFromEsme(sent[sent.findIndex((x) => decodeMessage(x).cra === 'response')]);
      assert.equal(r.recipient, cmd.originator);
      assert.equal(r.originatorCounter, cmd.originatorCounter);
      assert.equal(r.messageCode, cmd.messageCode);
      // critical commands (and signature-only ones) get a DF-only signed response (RTDS ECS43, ECS70)
      const expected = decodeMessage(fixture(m.name.replace('_COMMAND_', '_RESPONSE_')));
      assert.equal(r.envelope, expected.envelope, 'same wrapping as the RTDS response');
      assert.equal(r.dateTime !== null, expected.dateTime !== null, 'date-time presence as in RTDS');
    });
  }
});

describe('ESME: byte-identical RTDS responses (payload shape and MAC at once)', () => {
  const cases = [
    '4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS',
    '2.2_CS01a/CS01a_2.2_SUCCESS',
    '7.4_ECS45/ECS45_7.4_SUCCESS',
    '4.18_ECS82/ECS82_4.18_SUCCESS',
    '11.2_ECS52/ECS52_11.2_SUCCESS',
    '4.11.1_ECS24/ECS24_4.11.1_SUCCESS',
  ];
  for (const c of cases) {
    it(`${c}: the response equals the RTDS RESPONSE byte for byte`, () => {
      const { esme, up } = newEsme();
      esme.onRemotePartyMessage(fixture(`${c}_COMMAND_GBCS.HEX`));
      const sent = up.take();
      assert.equal(sent.length, 1);
      assert.equal(toHex(sent[0]), toHex(fixture(`${c}_RESPONSE_GBCS.HEX`)));
    });
  }

  it('critical responses (ECS43, ECS70, ECS02) equal RTDS up to the signature, which verifies with the generated DS key', () => {
    for (const c of [
      '7.2_ECS43/ECS43_7.2_SUCCESS',
      '6.11_ECS70/ECS70_6.11_SUCCESS',
      '1.6_ECS02/ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS',
      '1.2.1_ECS01b/ECS01b_1.2.1_IMMEDIATE_TOU_SUCCESS',
      '1.2.1_ECS01b/ECS01b_1.2.1_IMMEDIATE_BLOCK_SUCCESS',
      '1.2.1_ECS01b/ECS01b_1.2.1_FUTURE_DATED_TOU_BLOCK_SUCCESS',
      '1.2.1_ECS01b/ECS01b_1.2.1_CANCELLATION_TOU_BLOCK_SUCCESS',
    ]) {
      const { esme, up } = newEsme();
      esme.onRemotePartyMessage(fixture(`${c}_COMMAND_GBCS.HEX`));
      const got = verifyFromEsme(up.take()[0]);
      const exp = decodeMessage(fixture(`${c}_RESPONSE_GBCS.HEX`));
      assert.equal(toHex(got.signedData), toHex(exp.signedData), c);
    }
  });
});

describe('ESME: accepted commands change state', () => {
  it('CS01a (2.2) adds the UTRN value (10 pounds) to the meter balance; the same UTRN is refused the second time', () => {
    const { esme, up } = newEsme();
    const before = esme.stateView.meterBalance;
    const cmd = fixture('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX');
    esme.onRemotePartyMessage(cmd);
    assert.equal(esme.stateView.meterBalance, before + 1_000_000);
    up.take();
    const snap = esme.snapshot();
    esme.onRemotePartyMessage(cmd);
    const last = esme.events.filter((e) => e.kind === 'command').at(-1)!;
    assert.equal(last.decision, 'rejected');
    assert.equal(last.reason, 'REPLAY');
    assert.deepEqual(esme.snapshot().state, snap.state, 'nothing changes');
    const alert = verifyFromEsme(up.take()[0]);
    assert.equal(alert.cra, 'alert');
  });

  it('CS01a: a UTRN with a wrong check digit or MAC is refused (8F63) and the balance stays', () => {
    const base = decodeMessage(fixture('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    for (const utrn of ['73946144332040217316', '73946144332040217325']) {
      const { esme, up } = newEsme();
      const content = new Uint8Array(base.content);
      content.set(Buffer.from(utrn, 'latin1'), content.length - 20);
      const cmd = rebuildCommand(profile.remote, base, { content });
      const before = esme.stateView.meterBalance;
      esme.onRemotePartyMessage(cmd);
      assert.equal(esme.stateView.meterBalance, before);
      const [resp, alert] = up.take().map(verifyFromEsme);
      const dl = decodeDlmsApdu(resp.content);
      assert.ok(dl.apdu === 'access-response' && dl.results[0].result !== 0, 'error result');
      assert.equal(alert.cra, 'alert');
      assert.match(toHex(alert.content), /8F63/);
    }
  });

  it('ECS43 disables, ECS44 arms supply (7.2, 7.3); ECS45 reads it back', () => {
    const { esme } = newEsme();
    esme.onRemotePartyMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.supply, 'disabled');
    esme.onRemotePartyMessage(fixture('7.3_ECS44/ECS44_7.3_ERROR_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.supply, 'armed');
  });

  it('ECS42 (7.1, no RTDS fixture: built from GBCS V3.1 facts, script 51, Message Code 0x004F) enables an armed supply', () => {
    const { esme, up } = newEsme({ initialState: { supply: 'armed' } });
    const ecs43 = decodeMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    const content = new Uint8Array(ecs43.content);
    content[content.length - 1] = 51;
    esme.onRemotePartyMessage(
      rebuildCommand(profile.remote, ecs43, { content, otherInfo: { messageCode: 0x004f } }),
    );
    assert.equal(esme.stateView.supply, 'enabled');
    const r = verifyFromEsme(up.take()[0]);
    assert.equal(r.envelope, 'general-signing', 'critical: signed response');
    // the script of another use case under ECS42's code is refused
    const wrong = newEsme({ initialState: { supply: 'armed' } });
    wrong.esme.onRemotePartyMessage(
      rebuildCommand(profile.remote, ecs43, { otherInfo: { messageCode: 0x004f } }),
    );
    assert.equal(wrong.esme.stateView.supply, 'armed');
  });

  it('CS01a: the same UTRN under a new counter is a duplicate (8F51)', () => {
    const { esme, up } = newEsme();
    const base = decodeMessage(fixture('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, base, {}));
    const balance = esme.stateView.meterBalance;
    up.take();
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, base, { counter: 0x400000000n }));
    assert.equal(esme.stateView.meterBalance, balance);
    const [, alert] = up.take().map(verifyFromEsme);
    assert.match(toHex(alert.content), /128F51/);
  });

  it('ECS02 sets credit mode, ECS03 prepayment mode with its disablement threshold (1.6)', () => {
    const { esme } = newEsme({ initialState: { paymentMode: 'prepayment' } });
    esme.onRemotePartyMessage(fixture('1.6_ECS02/ECS02_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.paymentMode, 'credit');
    esme.onRemotePartyMessage(fixture('1.6_ECS03/ECS03_1.6_IMMEDIATE_SINGLE_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.paymentMode, 'prepayment');
    assert.equal(esme.stateView.disablementThreshold, 556677);
  });

  it('ECS70 sets the clock from the CH time within the validity interval; outside it the clock stays (6.11)', () => {
    const { esme, clock } = newEsme({ clockOffsetMs: -3_600_000, timeStatus: 'unreliable' });
    esme.onRemotePartyMessage(fixture('6.11_ECS70/ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.deviceNow(), clock.now());
    assert.equal(esme.getTimeStatus(), 'reliable');
    const late = newEsme({ clockOffsetMs: -3_600_000, networkTime: () => RTDS_TIME + 3_600_000 });
    late.esme.onRemotePartyMessage(fixture('6.11_ECS70/ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(late.esme.deviceNow(), late.clock.now() - 3_600_000);
  });

  it('CS06 activates a transferred image whose hash matches (11.3); a wrong hash fails', () => {
    const hash = fromHex('AA758690730934FF0685AA758690730934FF0685657788990011223344556677');
    const { esme, up } = newEsme();
    esme.backchannel.loadFirmwareImage(hash, fromHex('0123ABCE'));
    esme.onRemotePartyMessage(fixture('11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.firmware.version, '0123ABCE');
    const r = verifyFromEsme(up.take()[0]);
    assert.equal(
      toHex(r.content),
      toHex(decodeMessage(fixture('11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX')).content),
    );
    const other = newEsme();
    other.esme.onRemotePartyMessage(fixture('11.3_CS06/CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(other.esme.stateView.firmware.version, '0123ABCD');
    const der = decodeDer(decodeMessage(other.up.take()[0]).content);
    assert.equal(der.children?.[0].decoded?.kind === 'integer' && der.children[0].decoded.value, 1n);
  });

  it('future-dated ECS02 runs at its time on the device clock with alert 8F66; a cancellation removes it', () => {
    const { esme, clock, up } = newEsme({ initialState: { paymentMode: 'prepayment' } });
    esme.onRemotePartyMessage(fixture('1.6_ECS02/ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.paymentMode, 'prepayment');
    assert.equal(esme.pendingFutureDated().length, 1);
    up.take();
    clock.runUntil(Date.UTC(2030, 0, 15, 9, 0, 0));
    assert.equal(esme.stateView.paymentMode, 'credit');
    // fifteen years of daily standing charge ran the prepayment credit out first: 8F0F, then the 8F66
    const sent = up.take().map(verifyFromEsme);
    assert.deepEqual(
      sent.map((a) => a.messageCode),
      [0x1000, 0x00cc],
    );
    const alert = sent[1]!;
    assert.equal(alert.cra, 'alert');
    assert.equal(alert.messageCode, 0x00cc);
    const expected = decodeMessage(
      fixture('1.6_ECS02/ECS02_1.6_8F66_FUTURE_DATED_TWIN_SUCCESS_ALERT_PAYMENT_MODE_GBCS.HEX'),
    );
    // same body as RTDS: alert code, execution time, Message Code|counter|class|OBIS|attr
    assert.equal(toHex(alert.content).slice(10), toHex(expected.content).slice(10));

    const c = newEsme({ initialState: { paymentMode: 'prepayment' } });
    c.esme.onRemotePartyMessage(fixture('1.6_ECS02/ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS_COMMAND_GBCS.HEX'));
    c.esme.onRemotePartyMessage(
      rebuildCommand(
        profile.remote,
        decodeMessage(fixture('1.6_ECS02/ECS02_1.6_CANCELLATION_TWIN_SUCCESS_COMMAND_GBCS.HEX')),
        { counter: 0x3een },
      ),
    );
    assert.equal(c.esme.pendingFutureDated().length, 0);
    c.clock.runUntil(Date.UTC(2030, 1, 1));
    assert.equal(c.esme.stateView.paymentMode, 'prepayment');
  });

  it('future-dated CS06 activates at its time (8F66, RTDS shape) or reports 8F67', () => {
    const hash = fromHex('AA758690730934FF0685AA758690730934FF0685657788990011223344556677');
    const { esme, clock, up } = newEsme();
    esme.backchannel.loadFirmwareImage(hash, fromHex('0123ABCF'));
    esme.onRemotePartyMessage(fixture('11.3_CS06/CS06_11.3_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(esme.stateView.firmware.version, '0123ABCD');
    up.take();
    clock.runUntil(Date.UTC(2030, 0, 15, 9));
    assert.equal(esme.stateView.firmware.version, '0123ABCF');
    const alert = verifyFromEsme(up.take()[0]);
    assert.equal(
      toHex(alert.content),
      toHex(decodeMessage(fixture('11.3_CS06/CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX')).content),
    );
  });
});

describe('ESME: prices (DUIS 1.2.1 ECS01b) and the tariff read (4.11.1 ECS24)', () => {
  const ecs01b = (v: string) => fixture(`1.2.1_ECS01b/ECS01b_1.2.1_${v}_COMMAND_GBCS.HEX`);
  const ecs24 = () => fixture('4.11.1_ECS24/ECS24_4.11.1_SUCCESS_COMMAND_GBCS.HEX');
  const prices = (esme: Esme) => electricityPriceView(esme.stateView.tariff);

  /** The ECS24 response's two unit charges (attr 5 of 19.20.4 and 19.20.0), hex. */
  function readCharges(esme: Esme, up: RecordingUplink): string[] {
    esme.onRemotePartyMessage(
      rebuildCommand(profile.remote, decodeMessage(ecs24()), { counter: 0x7000000000n }),
    );
    const r = verifyFromEsme(up.take().at(-1)!);
    const dl = decodeDlmsApdu(r.content);
    assert.ok(dl.apdu === 'access-response');
    assert.ok(dl.results.every((x) => x.result === 0));
    return dl.data.slice(-2).map((d) => toHex(encodeDlmsData(d)));
  }
  /** The ECS01b command's two passive unit charges (attr 6 data), hex. */
  function sentCharges(cmd: Uint8Array): string[] {
    const dl = decodeDlmsApdu(decodeMessage(cmd).content);
    assert.ok(dl.apdu === 'access-request');
    return dl.data.slice(0, 2).map((d) => toHex(encodeDlmsData(d)));
  }

  it('the default prices are the RTDS ESME reads (ECS24): standing charge 20000, TOU 1 2121, blocks A1 2289 B1 3546 A2 4002 B2 6969', () => {
    const p = prices(newEsme().esme);
    assert.equal(p.standingCharge, 20000);
    assert.deepEqual(
      [p.tou[0], p.tou[1], p.blocks[0][0], p.blocks[1][0], p.blocks[0][1], p.blocks[1][1]],
      [2121, 0, 2289, 3546, 4002, 6969],
    );
  });

  it('IMMEDIATE_TOU: the new prices are active at once and ECS24 reports exactly the unit charges written', () => {
    const { esme, up } = newEsme();
    esme.onRemotePartyMessage(ecs01b('IMMEDIATE_TOU_SUCCESS'));
    const r = verifyFromEsme(up.take()[0]);
    assert.equal(r.envelope, 'general-signing', 'critical: DF-only signed response');
    const p = prices(esme);
    assert.deepEqual(p.tou.slice(0, 4), [3221, 4327, 5744, 0]);
    assert.deepEqual(p.blocks[0].slice(0, 2), [0, 0], 'the whole table is replaced');
    assert.equal(p.standingCharge, 20000);
    assert.deepEqual(readCharges(esme, up), sentCharges(ecs01b('IMMEDIATE_TOU_SUCCESS')));
    assert.equal(esme.pendingFutureDated().length, 0);
  });

  it('IMMEDIATE_BLOCK: block prices BlockPrices 1 -> A1, B1, C1', () => {
    const { esme } = newEsme();
    esme.onRemotePartyMessage(ecs01b('IMMEDIATE_BLOCK_SUCCESS'));
    const p = prices(esme);
    assert.deepEqual(
      p.blocks.map((b) => b[0]),
      [2361, 4289, 6566, 0],
    );
    assert.equal(p.tou[0], 0);
  });

  it('FUTURE_DATED: nothing changes until 2030-01-15T09:00Z on the device clock; then both Charges activate with the RTDS 8F66 alerts (standing charge, then price matrix)', () => {
    const { esme, clock, up } = newEsme();
    const before = esme.stateView.tariff;
    esme.onRemotePartyMessage(ecs01b('FUTURE_DATED_TOU_BLOCK_SUCCESS'));
    up.take();
    assert.deepEqual(esme.stateView.tariff, before);
    assert.deepEqual(
      esme.pendingFutureDated().map((e) => [e.useCase, e.key, new Date(e.executeAt).toISOString()]),
      [
        ['ECS01b', 'Charge 0-0:19.20.4.255', '2030-01-15T09:00:00.000Z'],
        ['ECS01b', 'Charge 0-0:19.20.0.255', '2030-01-15T09:00:00.000Z'],
      ],
    );
    clock.runUntil(Date.UTC(2030, 0, 15, 8, 59, 59));
    assert.deepEqual(esme.stateView.tariff, before);
    assert.equal(up.take().length, 0);
    clock.runUntil(Date.UTC(2030, 0, 15, 9));
    const p = prices(esme);
    assert.deepEqual(
      [p.tou[0], p.blocks[0][0], p.blocks[0][1], p.blocks[1][0], p.blocks[1][1]],
      [3121, 3289, 5002, 4546, 7969],
    );
    const alerts = up.take().map(verifyFromEsme);
    assert.deepEqual(
      alerts.map((a) => [a.cra, a.messageCode]),
      [
        ['alert', 0x00cc],
        ['alert', 0x00cc],
      ],
    );
    for (const [i, name] of ['STANDING_CHARGE', 'PRICE_MATRIX'].entries()) {
      const rtds = decodeMessage(
        fixture(`1.2.1_ECS01b/ECS01b_1.2.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_${name}_GBCS.HEX`),
      );
      // same body as RTDS after the invoke-id (the device's own alert counter): code, time, Message Code|counter|class|OBIS|attr
      assert.equal(toHex(alerts[i].content).slice(10), toHex(rtds.content).slice(10), name);
      assert.equal(alerts[i].envelope, rtds.envelope);
    }
    assert.equal(esme.pendingFutureDated().length, 0);
    assert.deepEqual(readCharges(esme, up), sentCharges(ecs01b('FUTURE_DATED_TOU_BLOCK_SUCCESS')));
  });

  it('CANCELLATION removes the pending activation of both Charges: the prices stay, no 8F66', () => {
    const { esme, clock, up } = newEsme();
    const before = esme.stateView.tariff;
    esme.onRemotePartyMessage(ecs01b('FUTURE_DATED_TOU_BLOCK_SUCCESS'));
    esme.onRemotePartyMessage(ecs01b('CANCELLATION_TOU_BLOCK_SUCCESS'));
    const [, cancelled] = up.take().map(verifyFromEsme);
    assert.equal(
      toHex(cancelled.signedData),
      toHex(
        decodeMessage(fixture('1.2.1_ECS01b/ECS01b_1.2.1_CANCELLATION_TOU_BLOCK_SUCCESS_RESPONSE_GBCS.HEX'))
          .signedData,
      ),
    );
    assert.equal(esme.pendingFutureDated().length, 0);
    assert.equal(esme.events.filter((e) => e.kind === 'command').at(-1)?.reason, 'CANCELLED');
    clock.runUntil(Date.UTC(2031, 0, 1));
    assert.deepEqual(esme.stateView.tariff, before);
    assert.equal(up.take().length, 0);
  });

  it('a future-dated price survives snapshot/restore and activates in the restored meter', () => {
    const { esme } = newEsme();
    esme.onRemotePartyMessage(ecs01b('FUTURE_DATED_TOU_BLOCK_SUCCESS'));
    const s = esme.snapshot();
    const fresh = newEsme();
    fresh.esme.restore(s);
    assert.deepEqual(fresh.esme.pendingFutureDated(), esme.pendingFutureDated());
    fresh.clock.runUntil(Date.UTC(2030, 0, 15, 9));
    assert.equal(prices(fresh.esme).tou[0], 3121);
    assert.equal(fresh.up.take().length, 2, 'two 8F66');
  });

  it('an ECS01b payload that is not two unit charges and two activation times is refused (error response, 8F1E), prices unchanged', () => {
    const base = decodeMessage(ecs01b('IMMEDIATE_TOU_SUCCESS'));
    const dl = decodeDlmsApdu(base.content);
    assert.ok(dl.apdu === 'access-request');
    const variants: Uint8Array[] = [];
    // a price as double-long instead of long
    const price = structuredClone(dl);
    const table = price.data[1];
    assert.ok(table.type === 'structure' && table.items[2].type === 'array');
    const entry = table.items[2].items[0];
    assert.ok(entry.type === 'structure');
    entry.items[1] = { type: 'double-long', value: 3221 };
    variants.push(encodeDlmsApdu(price));
    // an activation time of 11 bytes
    const short = structuredClone(dl);
    short.data[3] = { type: 'octet-string', value: new Uint8Array(11) };
    variants.push(encodeDlmsApdu(short));
    // an ECS43 supply action under the ECS01b code
    variants.push(decodeMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX')).content);
    for (const content of variants) {
      const { esme, up } = newEsme();
      const before = esme.snapshot().state;
      esme.onRemotePartyMessage(rebuildCommand(profile.remote, base, { content }));
      assert.deepEqual(esme.snapshot().state, before);
      const sent = up.take().map(verifyFromEsme);
      assert.deepEqual(
        sent.map((x) => x.cra),
        ['response', 'alert'],
      );
      const r = decodeDlmsApdu(sent[0].content);
      assert.ok(r.apdu === 'access-response' && r.results.every((x) => x.result !== 0));
      assert.match(toHex(sent[1].content), /128F1E/);
    }
  });

  /** The ECS24 response of `esme` by the catalogue's named fields. */
  function readTariffNamed(esme: Esme, up: RecordingUplink, counter = 0x7000000000n) {
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, decodeMessage(ecs24()), { counter }));
    return decodeResponse('ECS24', verifyFromEsme(up.take().at(-1)!).content).fields;
  }

  it('read after write by named fields: ECS01b (1.2.1) built from named prices sets them; ECS24 (4.11.1) reads them back by name', () => {
    const { esme, up } = newEsme();
    const base = decodeMessage(ecs01b('IMMEDIATE_TOU_SUCCESS'));
    const { header, fields } = decodeCommand('ECS01b', base.content);
    const written = structuredClone(fields);
    const table = written.primaryPriceCharge.unitChargePassive.chargeTable;
    table.find((e) => e.index === touIndex(1))!.chargePerUnit = 1234;
    table.find((e) => e.index === touIndex(48))!.chargePerUnit = -7;
    table.find((e) => e.index === blockIndex(2, 3))!.chargePerUnit = 32767;
    written.standingCharge.unitChargePassive.chargeTable[0].chargePerUnit = 31415;
    const content = encodeCommand('ECS01b', written, { header });
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, base, { content }));
    assert.equal(esme.events.filter((e) => e.kind === 'command').at(-1)?.decision, 'accepted');
    up.take();
    const read = readTariffNamed(esme, up);
    for (const object of ['standingCharge', 'primaryPriceCharge'] as const) {
      assert.equal(read[object].unitChargeActive.result, 'success');
      assert.deepEqual(read[object].unitChargeActive.value, written[object].unitChargePassive, object);
    }
    const price = new Map(
      read.primaryPriceCharge.unitChargeActive.value!.chargeTable.map((e) => [e.index, e.chargePerUnit]),
    );
    assert.deepEqual([price.get('01'), price.get('30'), price.get('B3')], [1234, -7, 32767]);
    assert.equal(read.standingCharge.unitChargeActive.value!.chargeTable[0].chargePerUnit, 31415);
    assert.deepEqual(read.currencyUnit.valueActive, { result: 'success', value: true });
  });

  it('ECS24 reading anything but its row (a get list of another use case) is refused with 8F1E', () => {
    const { esme, up } = newEsme();
    const base = decodeMessage(ecs24());
    const other = decodeMessage(fixture('4.18_ECS82/ECS82_4.18_SUCCESS_COMMAND_GBCS.HEX')).content;
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, base, { content: other }));
    const sent = up.take().map(verifyFromEsme);
    assert.deepEqual(
      sent.map((x) => x.cra),
      ['response', 'alert'],
    );
    assert.match(toHex(sent[1].content), /128F1E/);
  });

  it('a snapshot in the earlier tariff form (hex OBIS, DLMS hex by class/OBIS/attr) restores from the NVM file: ECS24 reads it by name, the pending activation fires', () => {
    const { esme, up } = newEsme();
    esme.onRemotePartyMessage(ecs01b('FUTURE_DATED_TOU_BLOCK_SUCCESS'));
    up.take();
    const snap = esme.snapshot();
    // the earlier form, written out by hand (what a home's NVM file held before the migration)
    const legacyCharge = (price: number) => ({
      commodityScale: 3,
      priceScale: -5,
      commodity: { classId: 3, logicalName: '0100010800FF', attribute: 2 },
      table: [{ index: '01', chargePerUnit: price }],
    });
    const { tariff: _named, ...rest } = snap.state;
    const legacyState = {
      ...rest,
      charges: {
        standingCharge: {
          commodityScale: 0,
          priceScale: -5,
          commodity: { classId: 0, logicalName: '000000000000', attribute: 0 },
          table: [{ index: '', chargePerUnit: 19000 }],
        },
        primaryPrice: legacyCharge(1111),
      },
      tariffAttributes: {
        '3/00005E2C0107/2': '0600000007', // consumption threshold register value 7
        '21/0000100010FF/2': '0103060000138806FFFFFFFF06FFFFFFFF', // TOU 6 thresholds [5000, none, none]
        '9000/00005E2C0200/2': '0300', // no secondary element
      },
    };
    const legacyFutureDated = snap.futureDated.map((e) => ({
      ...e,
      key: e.key === 'Charge 0-0:19.20.4.255' ? 'Charge 0000131404FF' : 'Charge 0000131400FF',
      data: {
        ...e.data,
        object: e.data.object === 'standingCharge' ? 'standingCharge' : 'primaryPrice',
        unitCharge: legacyCharge(e.data.object === 'standingCharge' ? 21000 : 2222),
      },
    }));
    const dir = mkdtempSync(join(tmpdir(), 'esme-nvm-'));
    try {
      const store = new HomeNvmStore(dir);
      const chf = RTDS_DEVICES.chf;
      store.save(chf, {
        format: 'home-nvm/1',
        savedAt: 0,
        esme: { ...snap, state: legacyState, futureDated: legacyFutureDated } as never,
        gsme: {} as never,
        uplink: [],
      });
      const fresh = newEsme();
      fresh.esme.restore(store.load(chf)!.esme);
      assert.deepEqual(
        fresh.esme.pendingFutureDated().map((e) => e.key),
        ['Charge 0-0:19.20.4.255', 'Charge 0-0:19.20.0.255'],
      );
      let read = readTariffNamed(fresh.esme, fresh.up);
      assert.equal(read.consumptionThresholdRegister.value.value, 7);
      assert.deepEqual(read.blockThresholdsTou6.thresholds.value, [5000, 0xffffffff, 0xffffffff]);
      assert.equal(read.currencyUnit.valueActive.value, false);
      const defaults = defaultTariff();
      assert.deepEqual(
        read.activityCalendar.weekProfileActive.value,
        defaults.activityCalendar.weekProfileActive,
        'not in the legacy file: the default',
      );
      assert.equal(read.standingCharge.unitChargeActive.value!.chargeTable[0].chargePerUnit, 19000);
      assert.deepEqual(read.primaryPriceCharge.unitChargeActive.value!.commodity, {
        classId: 3,
        logicalName: '1-0:1.8.0.255',
        attributeIndex: 2,
      });
      fresh.clock.runUntil(Date.UTC(2030, 0, 15, 9));
      const alerts = fresh.up.take().map(verifyFromEsme);
      assert.equal(alerts.length, 2, 'two 8F66');
      const rtds = decodeMessage(
        fixture('1.2.1_ECS01b/ECS01b_1.2.1_8F66_FUTURE_DATED_TOU_BLOCK_SUCCESS_ALERT_PRICE_MATRIX_GBCS.HEX'),
      );
      assert.equal(toHex(alerts[1].content).slice(10), toHex(rtds.content).slice(10));
      read = readTariffNamed(fresh.esme, fresh.up, 0x7000000001n);
      assert.equal(read.standingCharge.unitChargeActive.value!.chargeTable[0].chargePerUnit, 21000);
      assert.equal(read.primaryPriceCharge.unitChargeActive.value!.chargeTable[0].chargePerUnit, 2222);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ECS01b from the network operator is refused (NO_AUTHORITY, 8F30): prices are the supplier s', () => {
    const { esme, up } = newEsme();
    const before = esme.snapshot().state;
    esme.onRemotePartyMessage(
      rebuildCommand(profile.remote, decodeMessage(ecs01b('IMMEDIATE_TOU_SUCCESS')), {
        originator: RTDS_PARTIES.networkOperator,
      }),
    );
    assert.equal(esme.events.filter((e) => e.kind === 'command').at(-1)?.reason, 'NO_AUTHORITY');
    assert.deepEqual(esme.snapshot().state, before);
    assert.match(toHex(verifyFromEsme(up.take()[0]).content), /128F30/);
  });
});

describe('ESME: rejected commands change nothing and raise the right alert', () => {
  const base = () => decodeMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));

  function expectRejected(bytes: Uint8Array, reason: string, alertCode: string) {
    const { esme, up } = newEsme();
    const before = esme.snapshot();
    esme.onRemotePartyMessage(bytes);
    const ev = esme.events.filter((e) => e.kind === 'command').at(-1)!;
    assert.equal(ev.decision, 'rejected');
    assert.equal(ev.reason, reason, String(ev.detail?.detail));
    assert.deepEqual(meterState(esme.snapshot()), meterState(before), 'state and counters unchanged');
    const sent = up.take().map(verifyFromEsme);
    assert.equal(sent.length, 1, 'one alert, no response');
    assert.equal(sent[0].cra, 'alert');
    assert.equal(sent[0].recipient, RTDS_PARTIES.supplier);
    const body = decodeDlmsApdu(sent[0].content);
    assert.ok(body.apdu === 'data-notification');
    assert.match(toHex(sent[0].content), new RegExp(`12${alertCode}090C`));
  }

  it('tampered APDU byte -> MAC_INVALID, 8F1E', () => {
    const b = new Uint8Array(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    b[b.length - 30] ^= 0x01;
    expectRejected(b, 'MAC_INVALID', '8F1E');
  });
  it('tampered MAC byte -> MAC_INVALID, 8F1E', () => {
    const b = new Uint8Array(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    b[b.length - 1] ^= 0x80;
    expectRejected(b, 'MAC_INVALID', '8F1E');
  });
  it('misaddressed (recipient another EUI, re-MACed) -> NOT_FOR_ME', () => {
    expectRejected(
      rebuildCommand(profile.remote, base(), { recipient: RTDS_DEVICES.esme2 }),
      'NOT_FOR_ME',
      '8F1E',
    );
  });
  it('wrong role: ECS43 signed by the network operator -> NO_AUTHORITY, 8F30', () => {
    const m = base();
    const cmd = rebuildCommand(profile.remote, m, { originator: RTDS_PARTIES.networkOperator });
    expectRejected(cmd, 'NO_AUTHORITY', '8F30');
  });
  it("unknown originator: the second RTDS supplier is not this ESME's supplier -> UNKNOWN_ORIGINATOR", () => {
    expectRejected(
      rebuildCommand(profile.remote, base(), { originator: RTDS_PARTIES.supplier2 }),
      'UNKNOWN_ORIGINATOR',
      '8F30',
    );
  });
  it('unsigned critical (signature stripped, MAC redone by the ACB) -> SIGNATURE_MISSING, 8F3D', () => {
    expectRejected(rebuildCommand(profile.remote, base(), { signWith: null }), 'SIGNATURE_MISSING', '8F3D');
  });
  it('signature by another key -> SIGNATURE_INVALID, 8F3D', () => {
    const wrongKey = ks.privateKey(RTDS_PARTIES.supplier2, 'ds')!;
    expectRejected(
      rebuildCommand(profile.remote, base(), { signWith: wrongKey }),
      'SIGNATURE_INVALID',
      '8F3D',
    );
  });
  it('DF only (no ACB MAC) -> MAC_MISSING', () => {
    expectRejected(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_PRECOMMAND_GBCS.HEX'), 'MAC_MISSING', '8F1E');
  });
  it('a response is not a command -> NOT_A_COMMAND', () => {
    expectRejected(fixture('4.18_ECS82/ECS82_4.18_SUCCESS_RESPONSE_GBCS.HEX'), 'NOT_A_COMMAND', '8F1E');
  });
  it('garbage -> MALFORMED', () => expectRejected(Uint8Array.of(0xdd, 0x00, 0x01), 'MALFORMED', '8F1E'));

  it('replay: the same command twice is applied once (DSP-6: both routes delivered it)', () => {
    const { esme, up } = newEsme();
    const cmd = fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX');
    esme.onRemotePartyMessage(cmd);
    assert.equal(esme.stateView.supply, 'disabled');
    esme.backchannel.consume(0);
    const snap = esme.snapshot();
    up.take();
    esme.onRemotePartyMessage(cmd);
    const ev = esme.events.filter((e) => e.kind === 'command').at(-1)!;
    assert.equal(ev.reason, 'REPLAY');
    assert.deepEqual(meterState(esme.snapshot()), meterState(snap));
    const [alert] = up.take().map(verifyFromEsme);
    assert.match(toHex(alert.content), /128F53/);
  });

  it('a payload that does not fit its Message Code (non-critical ECS45 code carrying a supply action) is refused with 8F1E', () => {
    const read = decodeMessage(fixture('7.4_ECS45/ECS45_7.4_SUCCESS_COMMAND_GBCS.HEX'));
    const action = decodeMessage(fixture('7.2_ECS43/ECS43_7.2_SUCCESS_COMMAND_GBCS.HEX'));
    const { esme, up } = newEsme();
    esme.onRemotePartyMessage(rebuildCommand(profile.remote, read, { content: action.content }));
    assert.equal(esme.stateView.supply, 'enabled');
    const sent = up.take().map(verifyFromEsme);
    assert.deepEqual(
      sent.map((s) => s.cra),
      ['response', 'alert'],
    );
    assert.match(toHex(sent[1].content), /128F1E/);
  });
});

describe('ESME: robustness', () => {
  it('random and mutated bytes never throw and never change state', () => {
    const seeds = commandsToEsme.slice(0, 20).map((m) => m.bytes);
    const { esme } = newEsme();
    const snap = esme.snapshot();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, i, x]) => {
            const c = new Uint8Array(b);
            c[i % c.length] ^= x;
            return c;
          }),
        ),
        (bytes) => {
          esme.onRemotePartyMessage(bytes);
          assert.deepEqual(esme.snapshot().state, snap.state);
          assert.deepEqual(esme.snapshot().security.replay, snap.security.replay);
        },
      ),
      { numRuns: 300, seed: 38 },
    );
  });

  it('snapshot/restore reproduces the meter (crash tests)', () => {
    const { esme } = newEsme();
    esme.onRemotePartyMessage(fixture('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    const s = esme.snapshot();
    const { esme: fresh } = newEsme();
    fresh.restore(s);
    assert.deepEqual(fresh.snapshot(), s);
    fresh.onRemotePartyMessage(fixture('2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(fresh.events.filter((e) => e.kind === 'command').at(-1)?.reason, 'REPLAY');
  });
});

describe('ESME time status follows the CH (SECMP0038 3.1.1, decision "time without WAN")', () => {
  function onCh(wanUp: boolean, chOffset = 0) {
    const wan = { up: wanUp, isUp: () => wan.up };
    const clock = new VirtualClock(RTDS_TIME);
    const ch = new ChClock(clock, wan, DEFAULT_CH_TIME_CONFIG, chOffset);
    const esme = new Esme({
      eui: ESME,
      clock,
      credentials: profile.credentials,
      trustAnchors: profile.trustAnchors,
      networkTime: () => ch.now(),
      networkTimeStatus: () => ch.status(),
      clockOffsetMs: 7_000,
    });
    const up = new RecordingUplink(() => clock.now());
    esme.attachUplink(up);
    return { wan, clock, ch, esme, up };
  }
  const read = fixture('4.1.1_ECS17b/ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX');
  const headerStatus = (up: RecordingUplink) => decodeMessage(up.take().at(-1)!).dateTime?.clockStatus;

  it('WAN up: Reliable, on the CH time; WAN lost past the holdover: Unreliable, responses carry 02; regained: Reliable again', () => {
    const t = onCh(true);
    assert.equal(t.esme.getTimeStatus(), 'reliable');
    assert.equal(t.esme.deviceNow(), t.clock.now(), 'synchronised to the CH');
    t.wan.up = false;
    t.ch.syncFromWan();
    t.clock.advance(DEFAULT_CH_TIME_CONFIG.timeHoldoverMs + 1);
    t.esme.onRemotePartyMessage(read);
    assert.equal(t.esme.getTimeStatus(), 'unreliable');
    assert.equal(headerStatus(t.up), 0x02, 'the response header carries "doubtful"');
    t.wan.up = true;
    assert.equal(t.esme.getTimeStatus(), 'reliable');
  });

  it('a CH that never had WAN: Unreliable, and ECS70 (6.11 / 8.1.1) cannot adopt the CH time', () => {
    const t = onCh(false);
    assert.equal(t.esme.getTimeStatus(), 'unreliable');
    assert.equal(t.esme.deviceNow(), t.clock.now() + 7_000, 'keeps its own clock');
    t.esme.onRemotePartyMessage(fixture('6.11_ECS70/ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX'));
    const ev = t.esme.events.findLast((e) => e.kind === 'command');
    assert.equal(ev?.reason, 'FAILED');
    assert.match(String((ev?.detail as { reason?: string } | undefined)?.reason), /Unreliable/);
    assert.equal(t.esme.getTimeStatus(), 'unreliable');
  });

  it('issue 15: a future-dated command is refused while the time is Unreliable (nothing queued, 8F1E); accepted once Reliable', () => {
    const t = onCh(false);
    const future = decodeMessage(fixture('1.6_ECS02/ECS02_1.6_FUTURE_DATED_TWIN_SUCCESS_COMMAND_GBCS.HEX'));
    t.esme.onRemotePartyMessage(rebuildCommand(profile.remote, future, { counter: 0x50n }));
    assert.equal(t.esme.pendingFutureDated().length, 0, 'nothing queued');
    const refused = t.esme.events.findLast((e) => e.kind === 'command');
    assert.equal(refused?.reason, 'FAILED');
    assert.match(String((refused?.detail as { error?: string } | undefined)?.error), /time is Unreliable/);
    const sent = t.up.take().map(verifyFromEsme);
    assert.ok(
      sent.some((m) => m.cra === 'response'),
      'answered',
    );
    assert.ok(
      sent.some((m) => m.cra === 'alert' && toHex(m.content).includes('8F1E')),
      'alert 8F1E with the answer',
    );
    const preset = t.clock.now();
    assert.equal(
      t.ch.applyTimeCommand({ preset, validFrom: preset - 1_000, validTo: preset + 600_000 }),
      null,
    );
    assert.equal(t.esme.getTimeStatus(), 'reliable');
    t.esme.onRemotePartyMessage(rebuildCommand(profile.remote, future, { counter: 0x51n }));
    assert.equal(t.esme.pendingFutureDated().length, 1, 'queued once the time is Reliable');
    assert.equal(t.esme.events.findLast((e) => e.kind === 'command')?.reason, 'SCHEDULED');
  });

  it('Set CH Time accepted by the CH: the ESME becomes Reliable on the preset time; refused: stays Unreliable', () => {
    const t = onCh(false, -3_600_000);
    const bad = { preset: t.clock.now(), validFrom: t.clock.now(), validTo: t.clock.now() + 2 * 3_600_000 };
    assert.equal(t.ch.applyTimeCommand(bad), 'malformed');
    assert.equal(t.esme.getTimeStatus(), 'unreliable');
    const preset = t.clock.now() + 1_000;
    assert.equal(
      t.ch.applyTimeCommand({ preset, validFrom: preset - 1_000, validTo: preset + 600_000 }),
      null,
    );
    assert.equal(t.esme.getTimeStatus(), 'reliable');
    assert.equal(t.esme.deviceNow(), preset);
    t.esme.onRemotePartyMessage(fixture('6.11_ECS70/ECS70_6.11_SUCCESS_COMMAND_GBCS.HEX'));
    assert.equal(t.esme.events.findLast((e) => e.kind === 'command')?.reason, 'OK', 'ECS70 now applies');
  });
});
