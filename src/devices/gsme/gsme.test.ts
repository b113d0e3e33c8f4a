/**
 * GSME emulator. The RTDS holds no GSME or PPMID private key, so these tests
 * run in a generated world (the RTDS EUIs with fresh keys, test-support.ts)
 * and re-protect the RTDS GSME commands with those keys: same payloads,
 * real MACs and signatures (SECMP0038 TE-1; GBCS.md 2 for PCS01/PCS02).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, ecdsaVerify, type GbcsMessage, generateUtrn } from '../../gbcs/index.ts';
import { decodeGbz } from '../../gbcs/payload/gbz.ts';
import { toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { ChClock, DEFAULT_CH_TIME_CONFIG } from '../chf/ch-time.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { Gsme, type GsmeOptions } from './gsme.ts';

const GSME = RTDS_DEVICES.gsme;
const PPMID = RTDS_DEVICES.ppmid;
const HALF_HOUR = 30 * 60_000;
const all = rtdsMessages();
const commandsToGsme = all.filter((m) => {
  if (m.kind !== 'COMMAND') return false;
  try {
    return decodeMessage(m.bytes).recipient === GSME;
  } catch {
    return false;
  }
});
const fixture = (name: string) => {
  const m = all.find((x) => x.name.endsWith(name));
  if (!m) throw new Error(`no fixture ${name}`);
  return decodeMessage(m.bytes);
};

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME, PPMID]);
});

function newGsme(extra: Partial<GsmeOptions> = {}) {
  const clock = new VirtualClock(RTDS_TIME);
  const gsme = new Gsme({
    eui: GSME,
    clock,
    credentials: world.credentials(GSME),
    trustAnchors: world.trustAnchors([world.peer(PPMID, 'PPMID')]),
    pollIntervalMs: HALF_HOUR,
    ...extra,
  });
  const up = new RecordingUplink(() => clock.now()).bind(gsme);
  gsme.attachUplink(up);
  return { gsme, clock, up };
}

/** The RTDS command re-protected with the generated keys (signed again if it was signed). */
const protect = (m: GbcsMessage, changes: Parameters<typeof rebuildCommand>[2] = {}) =>
  rebuildCommand(world.remote, m, changes);

function verifyFromGsme(bytes: Uint8Array): GbcsMessage {
  const m = decodeMessage(bytes);
  assert.equal(m.originator, GSME);
  if (m.mac !== null) assert.equal(world.remote.verifyMac(m), 'valid');
  else
    assert.ok(
      m.signature && ecdsaVerify(m.signedData, m.signature, world.credentials(GSME).dsCertificate.publicKey!),
    );
  return m;
}

/** Delivers through the mailbox and lets the GSME wake up. */
function deliver(g: ReturnType<typeof newGsme>, bytes: Uint8Array): GbcsMessage[] {
  g.up.mailbox.push(bytes);
  g.clock.advance(HALF_HOUR);
  return g.up.take().map(verifyFromGsme);
}

function utrnCommand(
  counter: bigint,
  pennies: number,
  base = fixture('2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX'),
) {
  const utrn = generateUtrn(world.remote, {
    supplier: RTDS_PARTIES.supplier,
    device: GSME,
    counter,
    value: pennies,
    valueClass: 'pennies',
  });
  const content = new Uint8Array(base.content);
  content.set(Buffer.from(utrn, 'latin1'), content.length - 20);
  return { utrn, content };
}

describe('GSME: sleepy device on the CHF mailbox (HAN.md, SleepyHanUplink)', () => {
  it('polls every pollIntervalMs under the VirtualClock and answers through PUT', () => {
    const g = newGsme();
    g.up.mailbox.push(protect(fixture('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX')));
    g.clock.advance(HALF_HOUR - 1);
    assert.equal(g.up.polls, 0);
    assert.equal(g.up.sent.length, 0, 'asleep: nothing processed yet');
    g.clock.advance(1);
    assert.equal(g.up.polls, 1);
    assert.equal(g.up.sent.length, 1);
    g.clock.advance(3 * HALF_HOUR);
    assert.equal(g.up.polls, 4);
    g.gsme.stop();
    g.clock.advance(3 * HALF_HOUR);
    assert.equal(g.up.polls, 4);
  });
});

describe('GSME: every RTDS command addressed to 00DB1234567890A1, re-protected with generated keys', () => {
  for (const m of commandsToGsme) {
    it(`${m.useCase}: ${m.file} is accepted and answered`, () => {
      const g = newGsme();
      const cmd = decodeMessage(m.bytes);
      const sent = deliver(g, protect(cmd));
      const ev = g.gsme.events.find((e) => e.kind === 'command');
      assert.equal(ev?.decision, 'accepted', `${ev?.reason} ${JSON.stringify(ev?.detail)}`);
      const r = sent.find((s) => s.cra === 'response');
      assert.ok(r, 'a response');
      assert.equal(r.recipient, cmd.originator);
      assert.equal(r.originatorCounter, cmd.originatorCounter);
      const expected = decodeMessage(
        all.find((x) => x.name === m.name.replace('_COMMAND_', '_RESPONSE_'))!.bytes,
      );
      assert.equal(r.envelope, expected.envelope, 'wrapping as in RTDS');
      assert.equal(r.dateTime !== null, expected.dateTime !== null, 'date-time presence as in RTDS');
    });
  }
});

describe('GSME: use cases', () => {
  it('GCS13a: the encrypted Read Attributes Response holds the RTDS register records; header time status follows Reliable/Unreliable', () => {
    const g = newGsme({ timeStatus: 'unreliable' });
    const [r] = deliver(g, protect(fixture('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX')));
    const gbz = decodeGbz(r.content, false);
    const enc = gbz.components[0].encrypted!;
    const sealed = r.content.subarray(enc.offset!);
    const plain = world.remote.decryptPayload(sealed, r);
    const rtds = fixture('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX');
    assert.equal(
      toHex(r.content.subarray(0, enc.offset!)),
      toHex(rtds.content.subarray(0, enc.offset!)),
      'same GBZ header',
    );
    assert.equal(
      toHex(plain),
      '02030022E803000103002201000000030030010000002539300000000000'.slice(0, plain.length * 2),
    );
    assert.equal(r.dateTime?.clockStatus, 0x02);
  });

  it('CS01b: the UTRN adds credit and the Consumer Top Up Response reports it; the same UTRN again is a duplicate (8F51)', () => {
    const g = newGsme();
    const before = g.gsme.stateView.meterBalance;
    const base = fixture('2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX');
    const { content } = utrnCommand(0x600000000n, 1250);
    const [r] = deliver(g, protect(base, { content }));
    assert.equal(g.gsme.stateView.meterBalance, before + 1_250_000);
    // RTDS shape: 09 00 03, result 00, value 1 250 000, source 00, credit remaining
    assert.match(toHex(r.content), /^010901010705000D09000300D0121300/);
    const snap = g.gsme.snapshot().state;
    const again = deliver(g, protect(base, { content, counter: 0x600000001n }));
    assert.equal(g.gsme.stateView.meterBalance, snap.meterBalance);
    assert.match(toHex(again[0].content), /09000302FFFFFFFF/);
    assert.match(toHex(again[1].content), /^0109008F51/);
  });

  it('PCS01 from the PPMID (device-to-device MAC): credit added, source = PPMID (02)', () => {
    const g = newGsme();
    const before = g.gsme.stateView.meterBalance;
    const base = fixture('NA_PCS01/PCS01_NA_SUCCESS_COMMAND_GBCS.HEX');
    const { content } = utrnCommand(0x100000000n, 2025, base);
    const [r] = deliver(g, protect(base, { content }));
    assert.equal(r.recipient, PPMID);
    assert.equal(g.gsme.stateView.meterBalance, before + 2_025_000);
    assert.match(toHex(r.content), /^010901010705000D0900030028E61E0002/);
  });

  it('PCS02 from the PPMID activates emergency credit (Default Response SUCCESS, RTDS bytes)', () => {
    const g = newGsme();
    const [r] = deliver(g, protect(fixture('NA_PCS02/PCS02_NA_SUCCESS_COMMAND_GBCS.HEX')));
    assert.equal(g.gsme.stateView.emergencyCredit.active, true);
    assert.equal(toHex(r.content), toHex(fixture('NA_PCS02/PCS02_NA_SUCCESS_RESPONSE_GBCS.HEX').content));
  });

  it('PCS01 from a device that is not the joined PPMID -> UNKNOWN_ORIGINATOR; from the supplier -> NO_AUTHORITY', () => {
    const g = newGsme();
    const base = fixture('NA_PCS01/PCS01_NA_SUCCESS_COMMAND_GBCS.HEX');
    const other = newGsme({ trustAnchors: world.trustAnchors([]) });
    deliver(other, protect(base));
    assert.equal(other.gsme.events.find((e) => e.kind === 'command')?.reason, 'UNKNOWN_ORIGINATOR');
    deliver(g, protect(base, { originator: RTDS_PARTIES.supplier }));
    assert.equal(g.gsme.events.find((e) => e.kind === 'command')?.reason, 'NO_AUTHORITY');
  });

  it('GCS39 arms the valve (RTDS response bytes); the customer button enables it', () => {
    const g = newGsme();
    const [r] = deliver(g, protect(fixture('7.3_GCS39/GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX')));
    assert.equal(g.gsme.stateView.valve, 'armed');
    assert.equal(toHex(r.content), toHex(fixture('7.3_GCS39/GCS39_7.3_SUCCESS_RESPONSE_GBCS.HEX').content));
    assert.equal(g.gsme.backchannel.pressButton(), true);
    assert.equal(g.gsme.stateView.valve, 'enabled');
  });

  it('GCS28 sets the clock to the CH time inside the validity interval (result 0), refuses outside (result 2)', () => {
    const g = newGsme({
      clockOffsetMs: 5_000_000,
      timeStatus: 'unreliable',
      networkTime: () => Date.UTC(2015, 0, 1, 0, 10),
    });
    g.clock.advance(HALF_HOUR - 1);
    g.up.mailbox.push(protect(fixture('6.11_GCS28/GCS28_6.11_SUCCESS_COMMAND_GBCS.HEX')));
    g.clock.advance(1);
    const [r] = g.up.take().map(verifyFromGsme);
    assert.equal(g.gsme.deviceNow(), Date.UTC(2015, 0, 1, 0, 10));
    assert.equal(g.gsme.getTimeStatus(), 'reliable');
    assert.match(toHex(r.content), /020100$/);
    const bad = newGsme();
    const [e] = deliver(bad, protect(fixture('6.11_GCS28/GCS28_6.11_ERROR_COMMAND_GBCS.HEX')));
    assert.match(toHex(e.content), /020102$/);
  });

  it('GCS03 immediate (RTDS response bytes), future-dated with the RTDS 8F66 alert at its time, cancellation', () => {
    const g = newGsme();
    const [r] = deliver(g, protect(fixture('1.6_GCS03/GCS03_1.6_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX')));
    assert.equal(g.gsme.stateView.paymentMode, 'prepayment');
    assert.equal(
      toHex(r.content),
      toHex(fixture('1.6_GCS03/GCS03_1.6_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX').content),
    );

    const f = newGsme();
    deliver(f, protect(fixture('1.6_GCS03/GCS03_1.6_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX')));
    assert.equal(f.gsme.stateView.paymentMode, 'credit');
    f.clock.runUntil(Date.UTC(2030, 0, 15, 9));
    assert.equal(f.gsme.stateView.paymentMode, 'prepayment');
    const alert = f.up
      .take()
      .map(verifyFromGsme)
      .find((m) => m.cra === 'alert')!;
    const rtds = fixture('1.6_GCS03/GCS03_1.6_8F66_FUTURE_DATED_SUCCESS_ALERT_CHANGE_PAYMENT_MODE_GBCS.HEX');
    assert.equal(toHex(alert.content), toHex(rtds.content), 'byte-identical alert payload');
    assert.equal(alert.messageCode, rtds.messageCode);

    const c = newGsme();
    deliver(c, protect(fixture('1.6_GCS03/GCS03_1.6_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX')));
    deliver(c, protect(fixture('1.6_GCS03/GCS03_1.6_CANCELLATION_SUCCESS_COMMAND_GBCS.HEX')));
    assert.equal(c.gsme.pendingFutureDated().length, 0);
  });

  const gcs01b = (v: string) => fixture(`1.2.1_GCS01b/GCS01b_1.2.1_${v}_COMMAND_GBCS.HEX`);
  const rtdsResponse = (name: string) => fixture(name.replace('_COMMAND_', '_RESPONSE_'));

  it('GCS01b, GCS03: responses equal RTDS up to the signature (header date-time status FF; reads carry the clock status)', () => {
    for (const name of [
      '1.2.1_GCS01b/GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX',
      '1.2.1_GCS01b/GCS01b_1.2.1_FUTURE_DATED_BLOCK_SUCCESS_COMMAND_GBCS.HEX',
      '1.2.1_GCS01b/GCS01b_1.2.1_CANCELLATION_BLOCK_SUCCESS_COMMAND_GBCS.HEX',
      '1.6_GCS03/GCS03_1.6_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX',
    ]) {
      // the GSME wakes after half an hour: its clock half an hour behind shows the RTDS time then
      const g = newGsme({ clockOffsetMs: -HALF_HOUR });
      const [r] = deliver(g, protect(fixture(name)));
      assert.equal(r.envelope, 'general-signing');
      assert.equal(toHex(r.signedData), toHex(rtdsResponse(name).signedData), name);
    }
  });

  it('GCS01b IMMEDIATE_TOU: the published tariff and price matrix become the GSME price', () => {
    const g = newGsme();
    assert.deepEqual(g.gsme.stateView.price, { tariffInformation: null, priceMatrix: null });
    deliver(g, protect(gcs01b('IMMEDIATE_TOU_SUCCESS')));
    const { tariffInformation: ti, priceMatrix: pm } = g.gsme.stateView.price;
    assert.deepEqual(ti, {
      issuerEventId: 0x1c374a80,
      issuerTariffId: 1,
      tariffTypeChargingScheme: 0x00,
      label: '',
      numberOfPriceTiersInUse: 4,
      numberOfBlockThresholdsInUse: 0,
      unitOfMeasure: 0,
      currency: 826,
      priceTrailingDigit: 0x50,
      standingCharge: 22465,
      tierBlockMode: 0xff,
      blockThresholdMultiplier: 1,
      blockThresholdDivisor: 1000,
    });
    assert.deepEqual(pm, {
      issuerEventId: 0x1c374a80,
      issuerTariffId: 1,
      subPayloadControl: 1,
      entries: [
        { tierBlockId: 1, price: 9600 },
        { tierBlockId: 2, price: 10200 },
        { tierBlockId: 3, price: 10750 },
        { tierBlockId: 4, price: 11000 },
      ],
    });
  });

  it('GCS01b FUTURE_DATED_BLOCK: both commands wait for 2030-01-15T09:00Z, then apply with the RTDS 8F66 alerts byte for byte', () => {
    const g = newGsme();
    deliver(g, protect(gcs01b('IMMEDIATE_TOU_SUCCESS')));
    const before = g.gsme.stateView.price;
    deliver(g, protect(gcs01b('FUTURE_DATED_BLOCK_SUCCESS')));
    assert.deepEqual(
      g.gsme.pendingFutureDated().map((e) => e.key),
      ['Price 0x04', 'Price 0x05'],
    );
    assert.deepEqual(g.gsme.stateView.price, before);
    g.clock.runUntil(Date.UTC(2030, 0, 15, 9));
    const { tariffInformation: ti, priceMatrix: pm } = g.gsme.stateView.price;
    assert.equal(ti?.tariffTypeChargingScheme, 0x10);
    assert.equal(ti?.numberOfBlockThresholdsInUse, 3);
    assert.deepEqual(
      pm?.entries.map((e) => [e.tierBlockId, e.price]),
      [
        [0, 9600],
        [1, 10200],
        [2, 10750],
        [3, 11000],
      ],
    );
    const alerts = g.up
      .take()
      .map(verifyFromGsme)
      .filter((m) => m.cra === 'alert');
    for (const [i, name] of ['PUBLISH_TARIFF_INFORMATION', 'PUBLISH_PRICE_MATRIX'].entries()) {
      const rtds = fixture(
        `1.2.1_GCS01b/GCS01b_1.2.1_8F66_FUTURE_DATED_BLOCK_SUCCESS_ALERT_${name}_GBCS.HEX`,
      );
      assert.equal(toHex(alerts[i].content), toHex(rtds.content), name);
      assert.equal(alerts[i].messageCode, rtds.messageCode);
    }
    assert.equal(alerts.length, 2);
  });

  it('GCS01b CANCELLATION (Price Matrix start 0xFFFFFFFE) removes both pending commands; the price stays', () => {
    const g = newGsme();
    deliver(g, protect(gcs01b('FUTURE_DATED_BLOCK_SUCCESS')));
    deliver(g, protect(gcs01b('CANCELLATION_BLOCK_SUCCESS')));
    assert.equal(g.gsme.pendingFutureDated().length, 0);
    assert.equal(g.gsme.events.filter((e) => e.kind === 'command').at(-1)?.reason, 'CANCELLED');
    g.clock.runUntil(Date.UTC(2031, 0, 1));
    assert.deepEqual(g.gsme.stateView.price, { tariffInformation: null, priceMatrix: null });
    assert.equal(
      g.up
        .take()
        .map(decodeMessage)
        .filter((m) => m.cra === 'alert').length,
      0,
    );
  });

  it('GCS01b payloads that do not fit (a Change Supply, a split Price Matrix) are refused with 8F1E; nothing changes', () => {
    const base = gcs01b('IMMEDIATE_TOU_SUCCESS');
    const split = new Uint8Array(base.content);
    // Publish Price Matrix command index 1 of 2 (ZCL payload offset 16 in the second component)
    const second = base.content.length - (19 + 4 * 5);
    split[second + 16] = 1;
    split[second + 17] = 2;
    for (const content of [fixture('7.3_GCS39/GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX').content, split]) {
      const g = newGsme();
      const snap = g.gsme.snapshot().state;
      const sent = deliver(g, protect(base, { content }));
      assert.deepEqual(g.gsme.snapshot().state, snap);
      assert.deepEqual(
        sent.map((m) => m.cra),
        ['response', 'alert'],
      );
      assert.match(toHex(sent[1].content), /^0109008F1E/);
    }
  });

  it('rejections: tampered, replayed, unsigned critical; nothing changes but the Security Log, a GBZ security alert goes out', () => {
    const cmd = protect(fixture('7.3_GCS39/GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX'));
    const cases: Array<[string, Uint8Array, string]> = [
      [
        'tampered',
        (() => {
          const b = new Uint8Array(cmd);
          b[b.length - 15] ^= 1;
          return b;
        })(),
        'MAC_INVALID',
      ],
      [
        'unsigned',
        protect(fixture('7.3_GCS39/GCS39_7.3_SUCCESS_COMMAND_GBCS.HEX'), { signWith: null }),
        'SIGNATURE_MISSING',
      ],
    ];
    for (const [name, bytes, reason] of cases) {
      const g = newGsme();
      const snap = g.gsme.snapshot();
      const sent = deliver(g, bytes);
      assert.equal(g.gsme.events.find((e) => e.kind === 'command')?.reason, reason, name);
      assert.deepEqual(notSecurityLog(g.gsme.snapshot().state), notSecurityLog(snap.state));
      // the refusal is in the Security Event Log (CS10b), with the alert code it raised
      const logged = g.gsme.stateView.securityLog;
      assert.equal(logged.length, 1, name);
      assert.match(logged[0]!.code.toString(16).toUpperCase(), /^(8F1E|8F3D)$/);
      assert.deepEqual(
        sent.map((s) => s.cra),
        ['alert'],
      );
      assert.match(toHex(sent[0].content), /^010900(8F1E|8F3D)/);
    }
    const g = newGsme();
    deliver(g, cmd);
    const snap = g.gsme.snapshot();
    deliver(g, cmd);
    assert.equal(g.gsme.events.filter((e) => e.kind === 'command').at(-1)?.reason, 'REPLAY');
    assert.deepEqual(notSecurityLog(g.gsme.snapshot().state), notSecurityLog(snap.state));
    assert.equal(g.gsme.stateView.securityLog.length, 1);
  });

  it('random and mutated bytes never throw and never change state (but the Security Log)', () => {
    const g = newGsme();
    const seeds = commandsToGsme.slice(0, 10).map((m) => protect(decodeMessage(m.bytes)));
    const snap = g.gsme.snapshot();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, i, x]) => {
            const c = new Uint8Array(b);
            c[i % c.length] ^= x;
            return c;
          }),
        ),
        (bytes) => {
          g.gsme.onRemotePartyMessage(bytes);
          // only the Security Log grows (a refused command is a security event)
          assert.deepEqual(notSecurityLog(g.gsme.snapshot().state), notSecurityLog(snap.state));
          assert.deepEqual(g.gsme.snapshot().security.replay, snap.security.replay);
        },
      ),
      { numRuns: 200, seed: 38 },
    );
  });
});

describe('GSME time status follows the CH (SECMP0038 3.1.1, decision "time without WAN")', () => {
  it('no WAN: Unreliable (header 02), GCS28 refused; after Set CH Time: Reliable, GCS28 applies; WAN lost past the holdover: Unreliable again', () => {
    const wan = { up: false, isUp: () => wan.up };
    let ch: ChClock | undefined;
    const g = newGsme({
      clockOffsetMs: 5_000,
      networkTime: () => ch!.now(),
      networkTimeStatus: () => ch!.status(),
    });
    ch = new ChClock(g.clock, wan, DEFAULT_CH_TIME_CONFIG);
    const readBase = fixture('4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX');
    const clockCmd = fixture('6.11_GCS28/GCS28_6.11_SUCCESS_COMMAND_GBCS.HEX');
    let counter = 1n << 40n;
    const read = protect(readBase, { counter: ++counter });
    assert.equal(g.gsme.getTimeStatus(), 'unreliable');
    const r1 = deliver(g, read).find((m) => m.cra === 'response')!;
    assert.equal(r1.dateTime?.clockStatus, 0x02);
    const c1 = deliver(g, protect(clockCmd, { counter: ++counter })).find((m) => m.cra === 'response')!;
    assert.match(toHex(c1.content), /020102$/, 'not adjusted while the CH time is Unreliable');
    // the DCC's time: 00:10 when the GSME next wakes (the RTDS GCS28 validity interval holds it)
    const preset = Date.UTC(2015, 0, 1, 0, 10) - HALF_HOUR;
    assert.equal(ch.applyTimeCommand({ preset, validFrom: preset, validTo: preset + 600_000 }), null);
    assert.equal(g.gsme.getTimeStatus(), 'reliable');
    const c2 = deliver(g, protect(clockCmd, { counter: ++counter })).find((m) => m.cra === 'response')!;
    assert.match(toHex(c2.content), /020100$/, 'adjusted once the CH time is Reliable');
    assert.equal(g.gsme.deviceNow(), Date.UTC(2015, 0, 1, 0, 10));
    const r2 = deliver(g, protect(readBase, { counter: ++counter })).find((m) => m.cra === 'response')!;
    assert.equal(r2.dateTime?.clockStatus, 0x00);
    g.clock.advance(DEFAULT_CH_TIME_CONFIG.timeHoldoverMs);
    assert.equal(g.gsme.getTimeStatus(), 'unreliable');
  });

  it('issue 15: future-dated GCS03 refused while Unreliable (nothing queued); queued once Set CH Time made it Reliable', () => {
    const wan = { up: false, isUp: () => wan.up };
    let ch: ChClock | undefined;
    const g = newGsme({ networkTime: () => ch!.now(), networkTimeStatus: () => ch!.status() });
    ch = new ChClock(g.clock, wan, DEFAULT_CH_TIME_CONFIG);
    const future = fixture('1.6_GCS03/GCS03_1.6_FUTURE_DATED_SUCCESS_COMMAND_GBCS.HEX');
    let counter = 1n << 41n;
    const sent = deliver(g, protect(future, { counter: ++counter }));
    assert.equal(g.gsme.pendingFutureDated().length, 0, 'nothing queued');
    assert.ok(
      sent.some((m) => m.cra === 'response'),
      'answered',
    );
    assert.match(
      String(
        (g.gsme.events.findLast((e) => e.kind === 'command')?.detail as { error?: string } | undefined)
          ?.error,
      ),
      /time is Unreliable/,
    );
    const preset = g.clock.now();
    assert.equal(ch.applyTimeCommand({ preset, validFrom: preset, validTo: preset + 600_000 }), null);
    deliver(g, protect(future, { counter: ++counter }));
    assert.equal(g.gsme.pendingFutureDated().length, 1);
    assert.equal(g.gsme.stateView.paymentMode, 'credit', 'not yet');
  });
});

/** A GSME state without its Security Event Log (what a refused command may change). */
function notSecurityLog<T extends { securityLog?: unknown }>(s: T): Omit<T, 'securityLog'> {
  const { securityLog: _, ...rest } = s;
  return rest;
}
