import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTDS_KEYSTORE } from '../../../test/support/fixtures.ts';
import { buildDuisResponse, parseDuisResponse } from '../../duis/index.ts';
import { validateAgainstDuisXsdInProcess } from '../../duis/xsd-inprocess.ts';
import {
  decodeMessage,
  type GbcsMessage,
  loadKeyStoreDir,
  MemoryKeyStore,
  SecurityContext,
} from '../../gbcs/index.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { AcbAlertGate } from './alert-integrity.ts';
import { type AlertRoutingView, type FirmwareDistribution, routeDeviceAlert } from './alert-routing.ts';
import type { DspInventoryDevice } from './inventory.ts';
import type { DspUser, UserRole } from './users.ts';

const ACB: Eui = '90B3D51F30000002';
/** CHFs whose KA certificates the RTDS key store holds (with the ACB's KA private key): their alerts' MACs verify */
const CHF: Eui = '00DB123456789001';
const OTHER_CHF: Eui = '00DB123456789002';
const IS: Eui = '90B3D51F30010000';
const GS: Eui = '90B3D51F30010001';
const ED: Eui = '90B3D51F30020000';
const IS_SUSPENDED: Eui = '90B3D51F30010002';

const user = (eui: Eui, roles: UserRole[], status: DspUser['status'] = 'active'): DspUser => ({
  eui,
  roles,
  status,
  xmlSigningCertificates: ['x'],
  gbcsCertificates: [],
  receiveUrl: 'http://127.0.0.1/receive',
  policies: { noWanCommissioning: false },
});

const dev = (eui: Eui, deviceType: DspInventoryDevice['deviceType'], chf: Eui): DspInventoryDevice => ({
  eui,
  deviceType,
  chf,
  csp: 'csp-north',
});

const ESME: Eui = '00DB1234567890A0';
const GSME: Eui = '00DB1234567890A1';
/** the registration data of HOME: IS supplies its ESME, GS its GSME */
const REGISTERED: Readonly<Record<Eui, Eui>> = { [ESME]: IS, [GSME]: GS };

/** The ACB's KA private key and the devices' KA certificates (the DSP's key store), also used to seal as the CHF. */
const CTX = new SecurityContext({ keyStore: loadKeyStoreDir(RTDS_KEYSTORE), acb: ACB });

function view(
  users: DspUser[],
  devices: DspInventoryDevice[],
  registered: Readonly<Record<Eui, Eui>> = REGISTERED,
  gate = new AcbAlertGate(() => CTX),
  firmware: Readonly<Record<Eui, FirmwareDistribution>> = {},
): AlertRoutingView {
  return {
    user: (e) => users.find((u) => u.eui === e),
    devicesOnChf: (c) => devices.filter((d) => d.chf === c),
    supplierOf: (m) => registered[m],
    firmwareDistributionTo: (d) => firmware[d],
    admitAcbAlert: gate.admit,
  };
}

/** A real DBCH07 alert (the catalogue's encoder) from `from` to `to`, MACed as the CHF seals it (`mac` false: none). */
function dbch07(from: Eui = CHF, to: Eui = ACB, supplementary?: Eui, counter = 7n, mac = true): GbcsMessage {
  const row = useCaseById('DBCH07')!;
  const content = encodeAlert(
    row,
    { alertCode: 0x8f26, timestamp: '2026-06-01T09:15:00.00', channel: '00000000000000000000000000010000' },
    { originatorCounter: counter },
  );
  return decodeMessage(
    CTX.seal(
      {
        cra: 'alert',
        originatorCounter: counter,
        originator: from,
        recipient: to,
        dateTime: null,
        otherInfo: supplementary
          ? { messageCode: row.code, supplementaryRemotePartyId: supplementary }
          : { messageCode: row.code },
        content,
      },
      { mac },
    ),
  );
}

/** a DBCH09 configuration (the DBCH04 structure, values in the DUIS 6.28 ranges) */
const SUB_GHZ_CONFIGURATION = {
  page28Mask: '00000000000000000000000000000001',
  page29Mask: '00000000000000000000000000000000',
  page30Mask: '00000000000000000000000000000000',
  page31Mask: '00000000000000000000000000000000',
  normalLimitedDutyCycleThreshold: 900,
  limitedCriticalDutyCycleThreshold: 950,
  channelChangesPerWeek: 2,
  gsmeCurfew: 120,
  quieterDecibelsLimit: 3,
  noisierDecibelsLimit: 6,
  nonGsmePoorCommsPercentage: 5000,
  nonGsmeMeasurementPeriods: 4,
  localChNoiseMeasurementPeriod: 60,
  localChFailurePercentage: 2500,
  localChRetryPercentage: 1000,
};

const HOME = [dev(ESME, 'ESME', CHF), dev(GSME, 'GSME', CHF), dev(CHF, 'CHF', CHF)];
const USERS = [user(IS, ['IS']), user(GS, ['GS']), user(ED, ['ED']), user(IS_SUSPENDED, ['IS'], 'suspended')];

describe('alert routing: device alerts to users, DCC-addressed ones as DCC Alerts', () => {
  it('DBCH07 to the ACB: a DualBandCHAlert DCC Alert to the registered import and gas suppliers of the CH', () => {
    const r = routeDeviceAlert(dbch07(), 0x8f26, view(USERS, HOME));
    assert.equal(r.kind, 'dcc-alert');
    assert.ok(r.kind === 'dcc-alert');
    assert.deepEqual(r.users, [IS, GS]);
    assert.equal(r.dccAlertCode, 'N999');
    const xml = buildDuisResponse({
      header: { responseCode: 'I0', responseDateTime: new Date(Date.UTC(2026, 5, 1)) },
      body: { kind: 'DCCAlertMessage', dccAlertCode: r.dccAlertCode, alert: r.alert },
    });
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, `${v.errors.join('; ')}\n${xml}`);
    const back = parseDuisResponse(xml);
    assert.ok(back.body.kind === 'DCCAlertMessage');
    assert.equal(back.body.alert.name, 'DualBandCHAlert');
    assert.deepEqual(
      back.body.alert.children.map((c) => [c.name, c.text]),
      [
        ['CHFDeviceID', '00-DB-12-34-56-78-90-01'],
        ['DeviceAlertCode', '8F26'],
        ['GBCSHexadecimalMessageCode', '0111'],
      ],
    );
  });

  it('a CH with an ESME only: the import supplier alone; another CH is not theirs to hear about', () => {
    const r = routeDeviceAlert(dbch07(), 0x8f26, view(USERS, [dev(ESME, 'ESME', CHF)]));
    assert.ok(r.kind === 'dcc-alert');
    assert.deepEqual(r.users, [IS]);
    const other = routeDeviceAlert(dbch07(OTHER_CHF), 0x8f26, view(USERS, HOME));
    assert.equal(other.kind, 'unroutable');
    assert.ok(other.kind === 'unroutable');
    assert.match(other.reason, /DBCH07 from 00DB123456789002: no active registered supplier user/);
  });

  it('no active registered supplier user for the meters: unroutable, with the reason', () => {
    const r = routeDeviceAlert(dbch07(), 0x8f26, view([user(ED, ['ED'])], HOME));
    assert.ok(r.kind === 'unroutable');
    assert.match(r.reason, /no active registered IS\/GS user/);
    // meters with no registered supplier: no one (not every supplier of the role)
    const none = routeDeviceAlert(dbch07(), 0x8f26, view(USERS, HOME, {}));
    assert.ok(none.kind === 'unroutable');
    // the registered supplier suspended, or registered but not holding the meter's role: no one
    const suspended = routeDeviceAlert(
      dbch07(),
      0x8f26,
      view(USERS, [dev(ESME, 'ESME', CHF)], { [ESME]: IS_SUSPENDED }),
    );
    assert.ok(suspended.kind === 'unroutable');
    const wrongRole = routeDeviceAlert(
      dbch07(),
      0x8f26,
      view(USERS, [dev(ESME, 'ESME', CHF)], { [ESME]: GS }),
    );
    assert.ok(wrongRole.kind === 'unroutable');
  });

  it('two suppliers of the same role: only the registered one of each meter hears of its CH', () => {
    const IS2: Eui = '90B3D51F30010003';
    const users = [...USERS, user(IS2, ['IS'])];
    const r = routeDeviceAlert(dbch07(), 0x8f26, view(users, HOME, { [ESME]: IS2, [GSME]: GS }));
    assert.ok(r.kind === 'dcc-alert');
    assert.deepEqual(r.users, [IS2, GS]);
    const onlyEsme = routeDeviceAlert(
      dbch07(),
      0x8f26,
      view(users, [dev(ESME, 'ESME', CHF)], { [ESME]: IS }),
    );
    assert.ok(onlyEsme.kind === 'dcc-alert');
    assert.deepEqual(onlyEsme.users, [IS]);
    // one user supplying both meters gets it once
    const both = user('90B3D51F30010004', ['IS', 'GS']);
    const once = routeDeviceAlert(
      dbch07(),
      0x8f26,
      view([both], HOME, { [ESME]: both.eui, [GSME]: both.eui }),
    );
    assert.ok(once.kind === 'dcc-alert');
    assert.deepEqual(once.users, [both.eui]);
  });

  it('DBCH09 (0x8F2A Sub GHz Configuration Changed) to the ACB: a DualBandCHAlert to the registered suppliers', () => {
    const row = useCaseById('DBCH09')!;
    const content = encodeAlert(
      row,
      {
        alertCode: 0x8f2a,
        timestamp: '2026-06-01T09:15:00.00',
        configuration: SUB_GHZ_CONFIGURATION,
      } as never,
      { originatorCounter: 8n },
    );
    const msg = decodeMessage(
      CTX.seal({
        cra: 'alert',
        originatorCounter: 8n,
        originator: CHF,
        recipient: ACB,
        dateTime: null,
        otherInfo: { messageCode: row.code },
        content,
      }),
    );
    const r = routeDeviceAlert(msg, 0x8f2a, view(USERS, HOME));
    assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
    assert.deepEqual(r.users, [IS, GS]);
    const xml = buildDuisResponse({
      header: { responseCode: 'I0', responseDateTime: new Date(Date.UTC(2026, 5, 1)) },
      body: { kind: 'DCCAlertMessage', dccAlertCode: r.dccAlertCode, alert: r.alert },
    });
    const v = validateAgainstDuisXsdInProcess(xml);
    assert.ok(v.valid, `${v.errors.join('; ')}\n${xml}`);
    const back = parseDuisResponse(xml);
    assert.ok(back.body.kind === 'DCCAlertMessage');
    assert.deepEqual(
      back.body.alert.children.map((c) => [c.name, c.text]),
      [
        ['CHFDeviceID', '00-DB-12-34-56-78-90-01'],
        ['DeviceAlertCode', '8F2A'],
        ['GBCSHexadecimalMessageCode', '0113'],
      ],
    );
  });

  /** every other DBCH alert code to the ACB: payload fields (catalogue rows, rows/dlms-alerts.ts) and the child expected */
  const DBCH_CASES: readonly {
    useCase: string;
    alertCode: number;
    fields: Record<string, unknown>;
    child?: [string, [string, string][]];
  }[] = [
    ...[0x8f20, 0x8f21, 0x8f22, 0x8f23, 0x8f24, 0x8f25].map((alertCode) => ({
      useCase: 'DBCH06',
      alertCode,
      fields: { dutyCycleAction: '00DB1234567890A1' },
    })),
    { useCase: 'DBCH08', alertCode: 0x8f28, fields: { outcome: { scanOutcome: '00', channel: '07' } } },
    {
      useCase: 'DBCH10',
      alertCode: 0x8f2c,
      fields: { discardedMessage: `${'11'.repeat(8)}${'22'.repeat(8)}01${'00'.repeat(7)}2A` },
    },
    {
      useCase: 'DBCH11',
      alertCode: 0x8f2d,
      fields: { deviceId: '00DB1234567890B7' },
      child: ['NoMoreSubGHzDeviceCapacity', [['DeviceID', '00-DB-12-34-56-78-90-B7']]],
    },
  ];

  for (const [i, c] of DBCH_CASES.entries()) {
    it(`${c.useCase} (0x${c.alertCode.toString(16).toUpperCase()}) to the ACB: a MAC-verified DualBandCHAlert to the registered suppliers`, () => {
      const row = useCaseById(c.useCase)!;
      const counter = 100n + BigInt(i);
      const content = encodeAlert(
        row,
        { alertCode: c.alertCode, timestamp: '2026-06-01T09:15:00.00', ...c.fields } as never,
        { originatorCounter: counter },
      );
      const msg = decodeMessage(
        CTX.seal({
          cra: 'alert',
          originatorCounter: counter,
          originator: CHF,
          recipient: ACB,
          dateTime: null,
          otherInfo: { messageCode: row.code },
          content,
        }),
      );
      const gate = new AcbAlertGate(() => CTX);
      const r = routeDeviceAlert(msg, c.alertCode, view(USERS, HOME, REGISTERED, gate));
      assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
      assert.deepEqual(r.users, [IS, GS]);
      assert.equal(r.dccAlertCode, 'N999');
      assert.equal(gate.highestAccepted(CHF), counter);
      const xml = buildDuisResponse({
        header: { responseCode: 'I0', responseDateTime: new Date(Date.UTC(2026, 5, 1)) },
        body: { kind: 'DCCAlertMessage', dccAlertCode: r.dccAlertCode, alert: r.alert },
      });
      const v = validateAgainstDuisXsdInProcess(xml);
      assert.ok(v.valid, `${v.errors.join('; ')}\n${xml}`);
      const back = parseDuisResponse(xml);
      assert.ok(back.body.kind === 'DCCAlertMessage');
      assert.equal(back.body.alert.name, 'DualBandCHAlert');
      const kids = back.body.alert.children;
      assert.deepEqual(
        kids.slice(0, 3).map((k) => [k.name, k.text]),
        [
          ['CHFDeviceID', '00-DB-12-34-56-78-90-01'],
          ['DeviceAlertCode', c.alertCode.toString(16).toUpperCase()],
          ['GBCSHexadecimalMessageCode', row.code.toString(16).toUpperCase().padStart(4, '0')],
        ],
      );
      assert.deepEqual(
        kids.slice(3).map((k) => [k.name, k.children.map((g) => [g.name, g.text])]),
        c.child ? [c.child] : [],
      );
      // one byte of the sealed message changed: the MAC fails and nothing is passed on
      const bytes = msg.bytes.slice();
      bytes[bytes.length - 20] ^= 0x01;
      const tampered = routeDeviceAlert(
        decodeMessage(bytes),
        c.alertCode,
        view(USERS, HOME, REGISTERED, new AcbAlertGate(() => CTX)),
      );
      assert.ok(
        tampered.kind === 'unroutable' && tampered.rejected === 'mac-invalid',
        JSON.stringify(tampered),
      );
    });
  }

  it('DBCH11 whose payload does not decode as DBCH11: the DualBandCHAlert without the optional child', () => {
    // DBCH11's Message Code over a DBCH07 payload (a 32-bit channel, not an EUI-64)
    const msg = decodeMessage(
      CTX.seal({
        cra: 'alert',
        originatorCounter: 300n,
        originator: CHF,
        recipient: ACB,
        dateTime: null,
        otherInfo: { messageCode: useCaseById('DBCH11')!.code },
        content: dbch07(CHF, ACB, undefined, 300n).content,
      }),
    );
    const r = routeDeviceAlert(msg, 0x8f2d, view(USERS, HOME));
    assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
    assert.deepEqual(
      r.alert.children.map((k) => k.name),
      ['CHFDeviceID', 'DeviceAlertCode', 'GBCSHexadecimalMessageCode'],
    );
  });

  it('an alert addressed to a user (or the ACB acting for one) goes to that user as a device alert', () => {
    assert.deepEqual(routeDeviceAlert(dbch07(CHF, IS), 0x8f26, view(USERS, HOME)), {
      kind: 'device-alert',
      user: IS,
    });
    assert.deepEqual(routeDeviceAlert(dbch07(CHF, ACB, GS), 0x8f26, view(USERS, HOME)), {
      kind: 'device-alert',
      user: GS,
    });
  });

  it('unroutable: the ACB acting for an unknown party, an ACB-addressed code with no DCC rule, no alert code', () => {
    const unknown = routeDeviceAlert(dbch07(CHF, ACB, '90B3D51F3001FFFF'), 0x8f26, view(USERS, HOME));
    assert.deepEqual(unknown, { kind: 'unroutable', reason: 'no user 90B3D51F3001FFFF' });
    const noRule = routeDeviceAlert(dbch07(), 0x8f12, view(USERS, HOME));
    assert.deepEqual(noRule, { kind: 'unroutable', reason: `no user ${ACB}` });
    const noCode = routeDeviceAlert(dbch07(), undefined, view(USERS, HOME));
    assert.deepEqual(noCode, { kind: 'unroutable', reason: 'no alert code in the payload' });
  });
});

describe('alert routing: an ACB-addressed alert is verified before it is passed on (alert-integrity.ts)', () => {
  const gateWith = () => {
    const metrics = new Metrics('dsp.');
    const gate = new AcbAlertGate(
      () => CTX,
      (r) => metrics.inc(`alerts.rejected.${r}`),
    );
    const counted = () => metrics.snapshot().counters;
    return { gate, counted };
  };

  it('a tampered byte: the MAC fails, the alert is dropped with the typed reason and counted; nothing else changes', () => {
    const { gate, counted } = gateWith();
    const genuine = dbch07(CHF, ACB, undefined, 9n);
    assert.equal(CTX.verifyMac(genuine), 'valid');
    const bytes = genuine.bytes.slice();
    bytes[bytes.length - 20] ^= 0x01; // inside the DLMS content, before the 12-byte MAC
    const tampered = decodeMessage(bytes);
    assert.equal(CTX.verifyMac(tampered), 'invalid');
    const r = routeDeviceAlert(tampered, 0x8f26, view(USERS, HOME, REGISTERED, gate));
    assert.ok(r.kind === 'unroutable', JSON.stringify(r));
    assert.equal(r.rejected, 'mac-invalid');
    assert.match(
      r.reason,
      /^mac-invalid: DBCH07 from 00DB123456789001 \(counter 9\): the MAC does not verify$/,
    );
    assert.deepEqual(counted(), { 'dsp.alerts.rejected.mac-invalid': 1 });
    // no counter recorded: the genuine alert with the same counter still goes through
    assert.equal(gate.highestAccepted(CHF), undefined);
    const ok = routeDeviceAlert(genuine, 0x8f26, view(USERS, HOME, REGISTERED, gate));
    assert.ok(ok.kind === 'dcc-alert', JSON.stringify(ok));
    assert.deepEqual(ok.users, [IS, GS]);
    assert.equal(gate.highestAccepted(CHF), 9n);
  });

  it('a replayed alert (same or lower counter from the CHF) is dropped and counted; a later one passes', () => {
    const { gate, counted } = gateWith();
    const v = view(USERS, HOME, REGISTERED, gate);
    assert.equal(routeDeviceAlert(dbch07(CHF, ACB, undefined, 20n), 0x8f26, v).kind, 'dcc-alert');
    const again = routeDeviceAlert(dbch07(CHF, ACB, undefined, 20n), 0x8f26, v);
    assert.ok(again.kind === 'unroutable');
    assert.equal(again.rejected, 'replay');
    const older = routeDeviceAlert(dbch07(CHF, ACB, undefined, 19n), 0x8f26, v);
    assert.ok(older.kind === 'unroutable');
    assert.equal(older.rejected, 'replay');
    assert.deepEqual(counted(), { 'dsp.alerts.rejected.replay': 2 });
    // the counter is per device: another CH's 20 is fresh; the CHF's 21 too
    const other = routeDeviceAlert(dbch07(OTHER_CHF, ACB, undefined, 20n), 0x8f26, v);
    assert.ok(other.kind === 'unroutable' && other.rejected === undefined, JSON.stringify(other));
    assert.equal(gate.highestAccepted(OTHER_CHF), 20n);
    assert.equal(routeDeviceAlert(dbch07(CHF, ACB, undefined, 21n), 0x8f26, v).kind, 'dcc-alert');
    assert.equal(gate.highestAccepted(CHF), 21n);
  });

  it('no MAC, or no key for the CHF: dropped (no one downstream could verify it)', () => {
    const { gate, counted } = gateWith();
    const v = view(USERS, HOME, REGISTERED, gate);
    const bare = routeDeviceAlert(dbch07(CHF, ACB, undefined, 5n, false), 0x8f26, v);
    assert.ok(bare.kind === 'unroutable');
    assert.equal(bare.rejected, 'mac-absent');
    // a DSP key store with the ACB's KA private key but not this CHF's KA certificate
    const acbOnly = new MemoryKeyStore();
    acbOnly.addPrivateKey(ACB, 'ka', CTX.keyStore.get(ACB, 'ka')!.privateKey!);
    const dspWithoutChf = new SecurityContext({ keyStore: acbOnly, acb: ACB });
    const noKeyGate = new AcbAlertGate(() => dspWithoutChf);
    const noKey = routeDeviceAlert(
      dbch07(CHF, ACB, undefined, 6n),
      0x8f26,
      view(USERS, HOME, REGISTERED, noKeyGate),
    );
    assert.ok(noKey.kind === 'unroutable');
    assert.equal(noKey.rejected, 'no-key');
    assert.deepEqual(counted(), { 'dsp.alerts.rejected.mac-absent': 1 });
  });

  it("an alert to a user (or the ACB acting for one) is not the gate's: it is forwarded for the user to verify", () => {
    const { gate, counted } = gateWith();
    const r = routeDeviceAlert(dbch07(CHF, ACB, GS, 5n, false), 0x8f26, view(USERS, HOME, REGISTERED, gate));
    assert.deepEqual(r, { kind: 'device-alert', user: GS });
    assert.deepEqual(counted(), {});
  });
});

/** A real alert of catalogue row `useCase` from `from` to the ACB, MACed as the device seals it. */
function sealedAlert(
  useCase: string,
  fields: Record<string, unknown>,
  counter: bigint,
  from: Eui = CHF,
): GbcsMessage {
  const row = useCaseById(useCase)!;
  const content = encodeAlert(row, fields as never, { originatorCounter: counter });
  return decodeMessage(
    CTX.seal({
      cra: 'alert',
      originatorCounter: counter,
      originator: from,
      recipient: ACB,
      dateTime: null,
      otherInfo: { messageCode: row.code },
      content,
    }),
  );
}

/** The DCC Alert `r` as the DSP sends it: XSD-valid, parsed back; its DCCAlert child. */
function dccAlertXml(r: { dccAlertCode: string; alert: import('../../duis/index.ts').DuisNode }) {
  const xml = buildDuisResponse({
    header: { responseCode: 'I0', responseDateTime: new Date(Date.UTC(2026, 5, 1)) },
    body: { kind: 'DCCAlertMessage', dccAlertCode: r.dccAlertCode, alert: r.alert },
  });
  const v = validateAgainstDuisXsdInProcess(xml);
  assert.ok(v.valid, `${v.errors.join('; ')}\n${xml}`);
  const back = parseDuisResponse(xml);
  assert.ok(back.body.kind === 'DCCAlertMessage');
  return back.body.alert;
}

const tree = (n: import('../../duis/index.ts').DuisNode): unknown =>
  n.children.length === 0 ? [n.name, n.text] : [n.name, n.children.map(tree)];

/** the requester of an 11.1 Update Firmware the DSP recorded, with its RequestID and the OTA image hash */
const UPDATE_FIRMWARE_ID = '90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:4000';
const IMAGE_HASH = 'AB'.repeat(32);

describe('alert routing: the other alerts the CHF addresses to the ACB (the DCC acts on each)', () => {
  const DEVICE_LOG = {
    lastChanged: '2026-06-01T09:15:00.00',
    chfId: CHF,
    entries: [
      { deviceId: ESME, linkKey: '00112233445566778899AABBCCDDEEFF' },
      { deviceId: GSME, linkKey: 'FFEEDDCCBBAA99887766554433221100' },
    ],
  };

  it('CS14 (0x8F12 CHF Device Log Changed): kept by the DCC as the CH backup, no user told; verified first', () => {
    const gate = new AcbAlertGate(() => CTX);
    const msg = sealedAlert(
      'CS14',
      { alertCode: 0x8f12, timestamp: '2026-06-01T09:15:00.00', deviceLog: DEVICE_LOG },
      40n,
    );
    assert.deepEqual(routeDeviceAlert(msg, 0x8f12, view(USERS, HOME, REGISTERED, gate)), {
      kind: 'dcc-kept',
      useCase: 'CS14',
    });
    assert.equal(gate.highestAccepted(CHF), 40n);
    // its replay is rejected (a replayed old log must not replace the newer backup)
    const again = routeDeviceAlert(msg, 0x8f12, view(USERS, HOME, REGISTERED, gate));
    assert.ok(again.kind === 'unroutable' && again.rejected === 'replay', JSON.stringify(again));
    // another alert code under CS14's Message Code is not CS14's
    const other = sealedAlert(
      'CS14',
      { alertCode: 0x8f13, timestamp: '2026-06-01T09:15:00.00', deviceLog: DEVICE_LOG },
      41n,
    );
    assert.equal(routeDeviceAlert(other, 0x8f13, view(USERS, HOME, REGISTERED, gate)).kind, 'unroutable');
  });

  it('8F84 Failure to Deliver to ESME: a DeviceAlertMessage to the Business Originator of the undelivered message', () => {
    const fields = (originator: Eui) => ({
      alertCode: 0x8f84,
      timestamp: '2026-06-01T09:15:00.00',
      remotePartyMessage: `${originator}${ESME}01${'0000000000000FA0'}`,
    });
    const gate = new AcbAlertGate(() => CTX);
    const msg = sealedAlert('FailureToDeliverToEsme', fields(GS), 50n);
    assert.deepEqual(routeDeviceAlert(msg, 0x8f84, view(USERS, HOME, REGISTERED, gate)), {
      kind: 'device-alert',
      user: GS,
    });
    assert.equal(gate.highestAccepted(CHF), 50n);
    // a suspended or unknown Business Originator: no one
    for (const [i, who] of [IS_SUSPENDED, '90B3D51F3001FFFF'].entries()) {
      const r = routeDeviceAlert(
        sealedAlert('FailureToDeliverToEsme', fields(who), 51n + BigInt(i)),
        0x8f84,
        view(USERS, HOME, REGISTERED, gate),
      );
      assert.ok(r.kind === 'unroutable' && r.rejected === undefined, JSON.stringify(r));
      assert.match(r.reason, new RegExp(`the Business Originator ${who} is no active user`));
    }
    // tampered: rejected before anyone is named
    const bytes = sealedAlert('FailureToDeliverToEsme', fields(GS), 60n).bytes.slice();
    bytes[bytes.length - 20] ^= 0x01;
    const t = routeDeviceAlert(
      decodeMessage(bytes),
      0x8f84,
      view(USERS, HOME, REGISTERED, new AcbAlertGate(() => CTX)),
    );
    assert.ok(t.kind === 'unroutable' && t.rejected === 'mac-invalid', JSON.stringify(t));
  });

  describe('FDRA (0x8F72 Firmware Distribution Receipt) to the ACB: checked against the recorded 11.1', () => {
    const receipt = (hash: string, counter: bigint) =>
      sealedAlert(
        'FDRA-DLMS',
        { alertCode: 0x8f72, timestamp: '2026-06-01T09:15:00.00', firmwareHash: hash },
        counter,
      );
    const dist = { [CHF]: { user: IS, requestId: UPDATE_FIRMWARE_ID, imageHash: IMAGE_HASH } };

    it("the image's hash: a DeviceAlertMessage to the 11.1 requester", () => {
      const r = routeDeviceAlert(
        receipt(IMAGE_HASH, 70n),
        0x8f72,
        view(USERS, HOME, REGISTERED, undefined, dist),
      );
      assert.deepEqual(r, { kind: 'device-alert', user: IS });
    });

    it('another hash: the DCC Alert FirmwareDistributionFailure (the 11.1 RequestID, the device) to the requester', () => {
      const r = routeDeviceAlert(
        receipt('CD'.repeat(32), 71n),
        0x8f72,
        view(USERS, HOME, REGISTERED, undefined, dist),
      );
      assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
      assert.deepEqual(r.users, [IS]);
      assert.deepEqual(tree(dccAlertXml(r)), [
        'FirmwareDistributionFailure',
        [
          ['UpdateFirmwareRequestID', UPDATE_FIRMWARE_ID],
          ['MeterIDs', '00-DB-12-34-56-78-90-01'],
        ],
      ]);
    });

    it('no 11.1 recorded for the device, or its requester no longer active: unroutable', () => {
      const none = routeDeviceAlert(receipt(IMAGE_HASH, 72n), 0x8f72, view(USERS, HOME));
      assert.ok(none.kind === 'unroutable');
      assert.match(none.reason, /no 11.1 Update Firmware recorded for the device/);
      const gone = routeDeviceAlert(
        receipt(IMAGE_HASH, 73n),
        0x8f72,
        view(USERS, HOME, REGISTERED, undefined, { [CHF]: { ...dist[CHF], user: IS_SUSPENDED } }),
      );
      assert.ok(gone.kind === 'unroutable');
      assert.match(gone.reason, /the 11.1 requester 90B3D51F30010002 is no active user/);
    });
  });

  describe('CCS08 Firmware Transfer Alert to the ACB: a CommsHubAlert with its FirmwareTransferAlert', () => {
    const transfer = (responseCode: number, counter: bigint) =>
      sealedAlert(
        'CCS08',
        {
          alertCode: 0x8f1c,
          executionDateTime: '20260601091500Z',
          entityId: ESME,
          firmwareVersion: '0123abcd',
          responseCode,
        },
        counter,
      );
    const CODES = [
      'FileTransferSuccess',
      'FirmwareImageDiscarded',
      'HardwareVersionMismatch',
      'FileTransferFailure',
    ];

    for (const [code, name] of CODES.entries())
      it(`response code ${code}: TransferResponseCode ${name}, to the 11.1 requester with its RequestID`, () => {
        const dist = { [ESME]: { user: GS, requestId: UPDATE_FIRMWARE_ID } };
        const r = routeDeviceAlert(
          transfer(code, 80n + BigInt(code)),
          0x8f1c,
          view(USERS, HOME, REGISTERED, undefined, dist),
        );
        assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
        assert.deepEqual(r.users, [GS]);
        assert.equal(r.dccAlertCode, 'N999');
        assert.deepEqual(tree(dccAlertXml(r)), [
          'CommsHubAlert',
          [
            ['CommsHubDeviceID', '00-DB-12-34-56-78-90-01'],
            ['AlertCode', '8F1C'],
            ['TimeStamp', '2026-06-01T09:15:00Z'],
            [
              'FirmwareTransferAlert',
              [
                ['UpdateFirmwareRequestID', UPDATE_FIRMWARE_ID],
                ['OtherDeviceID', '00-DB-12-34-56-78-90-A0'],
                ['FirmwareVersion', '0123ABCD'],
                ['TransferResponseCode', name],
              ],
            ],
          ],
        ]);
      });

    it('no 11.1 recorded: the registered supplier of the device, without UpdateFirmwareRequestID; neither: unroutable', () => {
      const r = routeDeviceAlert(transfer(3, 90n), 0x8f1c, view(USERS, HOME));
      assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
      assert.deepEqual(r.users, [IS]);
      const fta = dccAlertXml(r).children.find((c) => c.name === 'FirmwareTransferAlert')!;
      assert.deepEqual(
        fta.children.map((c) => c.name),
        ['OtherDeviceID', 'FirmwareVersion', 'TransferResponseCode'],
      );
      const none = routeDeviceAlert(transfer(0, 91n), 0x8f1c, view(USERS, HOME, {}));
      assert.ok(none.kind === 'unroutable');
      assert.match(none.reason, /no active 11.1 requester or registered supplier of 00DB1234567890A0/);
    });

    it('a response code outside the four: the CommsHubAlert without the FirmwareTransferAlert child', () => {
      const r = routeDeviceAlert(transfer(7, 92n), 0x8f1c, view(USERS, HOME));
      assert.ok(r.kind === 'dcc-alert', JSON.stringify(r));
      assert.deepEqual(
        dccAlertXml(r).children.map((c) => c.name),
        ['CommsHubDeviceID', 'AlertCode', 'TimeStamp'],
      );
    });
  });

  it('the table is keyed by Message Code: a generic alert (0x1000) carrying 0x8F26 is not DBCH07', () => {
    const msg = decodeMessage(
      CTX.seal({
        cra: 'alert',
        originatorCounter: 95n,
        originator: CHF,
        recipient: ACB,
        dateTime: null,
        otherInfo: { messageCode: 0x1000 },
        content: dbch07(CHF, ACB, undefined, 95n).content,
      }),
    );
    assert.deepEqual(routeDeviceAlert(msg, 0x8f26, view(USERS, HOME)), {
      kind: 'unroutable',
      reason: `no user ${ACB}`,
    });
  });
});
