/**
 * GSME reads return what earlier writes set (issue 12), through the GBCS
 * use cases themselves: each write and each read is a real command (named
 * fields encoded from the catalogue row, MAC'd and signed with the generated
 * world's keys), delivered through the mailbox on the GSME's poll; and the
 * GPF's gas mirror answers the same reads with the GSME's data after its
 * next wake. Bad input and faults change nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsContext } from '../../../test/support/dsp-transform.ts';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { tariffPrimaryGas } from '../../../test/support/tariff-bodies.ts';
import { xsdShapedRequest } from '../../../test/support/xsd-shaped.ts';
import { transformServiceRequest } from '../../dcc/dsp/transform/index.ts';
import { parseDuisRequest } from '../../duis/index.ts';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeGbz } from '../../gbcs/payload/gbz.ts';
import {
  type CommandFieldsOf,
  decodeResponse,
  encodeCommand,
  type UseCaseId,
  useCaseByCode,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { GasMirror } from '../gpf/gas-mirror.ts';
import { Gpf } from '../gpf/gpf.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME } from '../meter-common/time.ts';
import { RTDS_DEVICES } from '../security/credentials.ts';
import { Gsme } from './gsme.ts';

const GSME = RTDS_DEVICES.gsme;
const GPF = '00DB1234567890A3';
const HALF_HOUR = 30 * 60_000;
const all = rtdsMessages();
const fixture = (name: string) => decodeMessage(all.find((x) => x.name.endsWith(name))!.bytes);

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME, GPF]);
});

function home(initialState?: ConstructorParameters<typeof Gsme>[0]['initialState']) {
  const clock = new VirtualClock(RTDS_TIME);
  const mirror = new GasMirror();
  const gsme = new Gsme({
    eui: GSME,
    clock,
    ...(initialState ? { initialState } : {}),
    credentials: world.credentials(GSME),
    trustAnchors: world.trustAnchors(),
    pollIntervalMs: HALF_HOUR,
    mirror,
  });
  const up = new RecordingUplink(() => clock.now()).bind(gsme);
  gsme.attachUplink(up);
  const gpf = new Gpf({
    eui: GPF,
    clock,
    credentials: world.credentials(GPF),
    trustAnchors: world.trustAnchors(),
    mirror,
  });
  const gpfUp = new RecordingUplink(() => clock.now()).bind(gpf);
  gpf.attachUplink(gpfUp);
  let counter = 0x7000_0000n;
  /** A command of `base`'s originator and signing with new content and the next counter. */
  /** A command of `base`'s originator and signing, with new content, the next counter and (optionally) another Message Code. */
  const command = (base: string, content: Uint8Array, recipient: string = GSME, messageCode?: number) => {
    const b = fixture(base);
    return rebuildCommand(world.remote, b, {
      content,
      counter: ++counter,
      recipient,
      ...(messageCode === undefined ? {} : { otherInfo: { ...b.otherInfo, messageCode } }),
      // a critical use case (GCS25) is signed by the originator, whatever the base was
      ...(messageCode !== undefined && useCaseByCode(messageCode)?.critical
        ? { signWith: world.remote.keyStore.privateKey(b.originator, 'ds') }
        : {}),
    });
  };
  const toGsme = (bytes: Uint8Array): GbcsMessage[] => {
    up.mailbox.push(bytes);
    clock.advance(HALF_HOUR);
    return up.take().map((b) => decodeMessage(b));
  };
  const toGpf = (bytes: Uint8Array): GbcsMessage[] => {
    gpf.onRemotePartyMessage(bytes);
    return gpfUp.take().map((b) => decodeMessage(b));
  };
  return { clock, gsme, gpf, mirror, command, toGsme, toGpf };
}

/** A command payload from named fields (the GBZ header the counter gives). */
const enc = <U extends UseCaseId>(uc: U, fields: CommandFieldsOf<U>) =>
  encodeCommand(uc, fields, { originatorCounter: 1n });

const GCS40A = '1.5_GCS40a/GCS40a_1.5_SUCCESS_COMMAND_GBCS.HEX';
const GCS40C = '1.5_GCS40c/GCS40c_1.5_SUCCESS_COMMAND_GBCS.HEX';
const GCS60 = '4.18_GCS60/GCS60_4.18_SUCCESS_COMMAND_GBCS.HEX';
const GCS24 = '6.7_GCS24/GCS24_6.7_SUCCESS_COMMAND_GBCS.HEX';
const GCS21M = '6.2.4_GCS21m/GCS21m_6.2.4_SUCCESS_COMMAND_GBCS.HEX';
const GCS14 = '4.3_GCS14/GCS14_4.3_SUCCESS_UNRELIABLE_COMMAND_GBCS.HEX';

const adjust = (value: number, type = 0) =>
  enc('GCS40a', {
    creditAdjustment: {
      issuerEventId: 1,
      startTime: 0,
      creditAdjustmentType: type,
      creditAdjustmentValue: value,
    },
  });
const readBalance = () =>
  enc('GCS60', {
    readMetering: { attributes: [{ id: 0x0a00 }] },
    readPrepayment: { attributes: [{ id: 0x0001 }] },
  });

/** The value of attribute `id` in a clear Read Attributes Response component. */
function attr(resp: GbcsMessage, useCase: string, id: number): unknown {
  const r = decodeResponse(useCase, resp.content) as {
    fields: {
      components: Array<{ fields?: { records?: Array<{ id: number; value?: { value: unknown } }> } }>;
    };
  };
  for (const c of r.fields.components)
    for (const rec of c.fields?.records ?? []) if (rec.id === id) return rec.value?.value;
  return undefined;
}

describe('GSME read after write', () => {
  it('credit: GCS40a adjusts the meter balance, GCS60 reads it back; GCS40c/d adjust the credit-mode balance only', () => {
    const h = home();
    const [r0] = h.toGsme(h.command(GCS60, readBalance()));
    assert.equal(attr(r0, 'GCS60', 0x0001), 2_500_000);
    const [ok] = h.toGsme(h.command(GCS40A, adjust(123_456)));
    assert.equal(decodeGbz(ok.content, false).components.length, 1);
    const [r1] = h.toGsme(h.command(GCS60, readBalance()));
    assert.equal(attr(r1, 'GCS60', 0x0001), 2_623_456);
    h.toGsme(h.command(GCS40A, adjust(1000, 1)));
    const [r2] = h.toGsme(h.command(GCS60, readBalance()));
    assert.equal(attr(r2, 'GCS60', 0x0001), 1000, 'absolute adjustment');
    h.toGsme(
      h.command(
        GCS40C,
        enc('GCS40c', {
          creditAdjustment: {
            issuerEventId: 2,
            startTime: 0,
            creditAdjustmentType: 3,
            creditAdjustmentValue: 500,
          },
        }),
      ),
    );
    assert.equal(h.gsme.stateView.creditModeBalance, 500);
    assert.equal(h.gsme.stateView.meterBalance, 1000);
  });

  it('supply state: GCS24 sets the supply tamper and depletion states, GCS21m reads them back', () => {
    const h = home();
    const set = enc('GCS24', {
      uncontrolledFlowThreshold: {
        providerId: 0,
        issuerEventId: 9,
        uncontrolledFlowThreshold: 100,
        unitOfMeasure: 1,
        multiplier: 1,
        divisor: 1,
        stabilisationPeriod: 60,
        measurementPeriod: 300,
      },
      supplyStatus: {
        issuerEventId: 9,
        supplyTamperState: 1,
        supplyDepletionState: 2,
        supplyUncontrolledFlowState: 0,
        loadLimitSupplyState: 0,
      },
    });
    h.toGsme(h.command(GCS24, set));
    const [r] = h.toGsme(h.command(GCS21M, fixture(GCS21M).content));
    assert.equal(attr(r, 'GCS21m', 0x0607), 1);
    assert.equal(attr(r, 'GCS21m', 0x0608), 2);
  });

  it('billing calendar: GCS25a publishes a billing period and the block period mirroring it, GCS21k reads it back; a block period that does not mirror it, a bad duration, or GCS25 (no Remote Party Role in GBCS V3.1) change nothing', () => {
    const h = home();
    const GCS21K = '6.2.3_GCS21k/GCS21k_6.2.3_SUCCESS_COMMAND_GBCS.HEX';
    const period = {
      providerId: 7,
      issuerEventId: 1234,
      billingPeriodStartTime: 500_000_000,
      billingPeriodDuration: 3,
      billingPeriodDurationType: 0x23,
      tariffType: 0,
    };
    const block = (over: Record<string, number> = {}) => ({
      providerId: 7,
      issuerEventId: 1234,
      blockPeriodStartTime: period.billingPeriodStartTime,
      blockPeriodDuration: period.billingPeriodDuration,
      blockPeriodControl: 0b10,
      blockPeriodDurationType: period.billingPeriodDurationType,
      tariffType: 0,
      tariffResolutionPeriod: 1,
      ...over,
    });
    const send = (uc: 'GCS25' | 'GCS25a', fields: CommandFieldsOf<'GCS25a'>) =>
      h.toGsme(h.command(GCS21K, enc(uc, fields), GSME, useCaseById(uc)!.code));
    const readBack = () => {
      const [r] = h.toGsme(h.command(GCS21K, fixture(GCS21K).content));
      const got = decodeResponse('GCS21k', r!.content) as {
        fields: { components: Array<{ fields: unknown }> };
      };
      return got.fields.components[0]!.fields;
    };
    const statuses = (m: GbcsMessage | undefined) =>
      decodeResponse('GCS25a', m!.content).fields.components.map((c) => [
        c.command,
        c.fields?.commandId,
        c.fields?.status,
      ]);

    const [ok] = send('GCS25a', { billingPeriod: period, blockPeriod: block() });
    assert.deepEqual(statuses(ok), [
      ['defaultResponse', 0x09, 0],
      ['defaultResponse', 0x01, 0],
    ]);
    assert.deepEqual(readBack(), period);

    const before = readBack();
    for (const bad of [
      { billingPeriod: period, blockPeriod: block({ blockPeriodDuration: 1 }) },
      { billingPeriod: period, blockPeriod: block({ blockPeriodStartTime: 1 }) },
      {
        billingPeriod: { ...period, billingPeriodDuration: 2 },
        blockPeriod: block({ blockPeriodDuration: 2 }),
      },
      {
        billingPeriod: { ...period, billingPeriodDurationType: 0x21 },
        blockPeriod: block({ blockPeriodDurationType: 0x21 }),
      },
    ]) {
      const [r] = send('GCS25a', bad);
      assert.ok(r, 'answered');
      assert.ok(
        statuses(r).some(([, , s]) => s !== 0),
        JSON.stringify(statuses(r)),
      );
      assert.deepEqual(readBack(), before);
    }
    // GCS25: GBCS V3.1 gives it no Remote Party Role, so the GSME does not run it
    send('GCS25', {
      billingPeriod: { ...period, billingPeriodDuration: 1 },
      blockPeriod: block({ blockPeriodDuration: 1 }),
    });
    assert.deepEqual(readBack(), before);
  });

  it('the GPF gas mirror answers GCS14 with the balance the GSME had at its last wake', () => {
    const h = home();
    h.toGsme(h.command(GCS40A, adjust(77_000)));
    assert.equal(h.mirror.state.meterBalance, 2_577_000, 'written on the wake that ran the command');
    assert.ok(h.mirror.updatedAt !== null);
    const [r] = h.toGpf(h.command(GCS14, fixture(GCS14).content, GPF));
    assert.equal(r.originator, GPF);
    const gbz = decodeGbz(r.content, false);
    const enc = gbz.components[1]!.encrypted!;
    const plain = world.remote.decryptPayload(r.content.subarray(enc.offset!), r);
    // CreditRemaining (0x0001) int32 = 2 577 000 (0x275268, little-endian)
    assert.match(Buffer.from(plain).toString('hex').toUpperCase(), /0100002B68522700/);
  });

  it('the GPF answers GCS16b from the mirror: the daily prepay snapshot the GSME took at midnight', () => {
    const h = home();
    h.clock.advance(86_400_000);
    h.toGsme(h.command(GCS40A, adjust(1_000)));
    const taken = h.mirror.state.snapshotLog.entries;
    assert.equal(taken.length, 1, 'one midnight behind, written to the mirror on the wake');
    const asked = { earliestStartTime: 0, latestEndTime: 0xfffffffe, snapshotOffset: 0, snapshotCause: 1 };
    const gcs16b = '4.14_GCS16b/GCS16b_4.14_KRP_SUCCESS_COMMAND_GBCS.HEX';
    const [r] = h.toGpf(h.command(gcs16b, enc('GCS16b', { getPrepaySnapshot: [asked] } as never), GPF));
    assert.equal(r.originator, GPF);
    const c = decodeGbz(r.content, false).components[0]!;
    const plain = world.remote.decryptPayload(r.content.subarray(c.encrypted!.offset!), r);
    // snapshot id 0, the midnight's time (uint32 LE), cause General
    const time = Buffer.alloc(4);
    time.writeUInt32LE(taken[0]!.time);
    assert.equal(Buffer.from(plain).subarray(4, 8).toString('hex'), time.toString('hex'));
  });

  it('bad input changes nothing: a prepayment adjustment type in GCS40c is refused (8F1E), a faulted command answers HARDWARE_FAILURE', () => {
    const h = home();
    const before = h.gsme.snapshot().state;
    const bad = enc('GCS40c', {
      creditAdjustment: { issuerEventId: 3, startTime: 0, creditAdjustmentType: 0, creditAdjustmentValue: 5 },
    });
    const sent = h.toGsme(h.command(GCS40C, bad));
    assert.equal(sent.length, 2, 'response and alert');
    assert.match(Buffer.from(sent[0]!.content).toString('hex').toUpperCase(), /0B0501$/);
    assert.match(Buffer.from(sent[1]!.content).toString('hex').toUpperCase(), /^0109008F1E/);
    h.gsme.backchannel.hardwareFault('prepayment.creditAdjustment');
    const [f] = h.toGsme(h.command(GCS40A, adjust(5)));
    assert.match(Buffer.from(f!.content).toString('hex').toUpperCase(), /0B05C0$/);
    const after = h.gsme.snapshot().state;
    assert.deepEqual({ ...after, eventLog: [] }, { ...before, eventLog: [] });
  });

  it('event behaviours: GCS20 sets the configuration of listed events, GCS20r reads it back (one id, or all with 0x81FF)', () => {
    const h = home();
    const GCS20R = '6.2.10_GCS20r/GCS20r_6.2.10_SUCCESS_COMMAND_GBCS.HEX';
    const readOne = (eventId: number) => {
      const [r] = h.toGsme(h.command(GCS20R, enc('GCS20r', { getEventConfiguration: { eventId } })));
      return decodeResponse('GCS20r', r!.content).fields as {
        components: Array<{
          command: string;
          fields: { events?: Array<{ eventId: number; eventConfiguration: number }>; status?: number };
        }>;
      };
    };
    assert.deepEqual(readOne(0x8161).components[0]!.fields.events, [
      { eventId: 0x8161, eventConfiguration: 3 },
    ]);
    const set = enc('GCS20', {
      setEventConfiguration: [
        {
          issuerEventId: 5,
          startDateTime: 0,
          eventConfiguration: 0x1b,
          configurationControl: 0,
          numberOfEvents: 2,
          eventIds: [0x8161, 0x8162],
        },
      ],
    } as unknown as CommandFieldsOf<'GCS20'>);
    const [ok] = h.toGsme(h.command(GCS20R, set, GSME, useCaseById('GCS20')!.code));
    assert.match(
      Buffer.from(ok!.content).toString('hex').toUpperCase(),
      /0B0400$/,
      'Default Response SUCCESS',
    );
    assert.deepEqual(readOne(0x8162).components[0]!.fields.events, [
      { eventId: 0x8162, eventConfiguration: 0x1b },
    ]);
    const all = readOne(0x81ff).components[0]!.fields.events!;
    assert.equal(all.length, 44);
    assert.equal(all.find((e) => e.eventId === 0x8161)?.eventConfiguration, 0x1b);
    assert.equal(all.find((e) => e.eventId === 0x8145)?.eventConfiguration, 3, 'the others unchanged');
    const none = readOne(0x8001).components[0]!;
    assert.equal(none.command, 'defaultResponse');
    assert.equal(none.fields.status, 0x8b, 'an event the meter does not have: NOT_FOUND');
  });

  it('join table: CS03A1 joins a PPMID, CS07 lists it, CS04B unjoins it (0), a second unjoin answers 1 and changes nothing', () => {
    const h = home();
    const CS03A1 = '8.7.1_CS03A1/CS03A1_8.7.1_SUCCESS_COMMAND_GBCS.HEX';
    const CS04B = '8.8.2_CS04B/CS04B_8.8.2_SUCCESS_COMMAND_GBCS.HEX';
    const PPMID = '00DB1234567890A4';
    const joinCmd = enc('CS03A1', {
      joinMethodAndRole: 0,
      otherDeviceEntityIdentifier: PPMID,
      otherDeviceType: 5,
    } as unknown as CommandFieldsOf<'CS03A1'>);
    const [j] = h.toGsme(h.command(CS03A1, joinCmd));
    assert.equal(decodeResponse('CS03A1', j!.content).fields, 0);
    const details = () => {
      const [r] = h.toGsme(
        h.command(
          CS04B,
          encodeCommand('CS07', null as never, { originatorCounter: 1n }),
          GSME,
          useCaseById('CS07')!.code,
        ),
      );
      return decodeResponse('CS07', r!.content).fields as {
        responseCode: number;
        joinedDevices?: Array<{ deviceId: string; deviceType: number }>;
      };
    };
    assert.deepEqual(details().joinedDevices, [{ deviceId: PPMID, deviceType: 5 }]);
    const unjoin = () => {
      const [r] = h.toGsme(h.command(CS04B, enc('CS04B', PPMID as CommandFieldsOf<'CS04B'>)));
      return decodeResponse('CS04B', r!.content).fields;
    };
    assert.equal(unjoin(), 0);
    assert.deepEqual(details().joinedDevices ?? [], []);
    const before = h.gsme.stateView.joined;
    assert.equal(unjoin(), 1, 'not joined');
    assert.deepEqual(h.gsme.stateView.joined, before);
  });
  it('debt: GCS04 changes the three debt registers and their recovery, GCS14 reads the registers back; a bad Change Debt changes nothing', () => {
    const h = home();
    const debt = (type: number, amount: number, method: number, rate: number, percent = 0) => ({
      issuerEventId: 5,
      debtLabel: '',
      debtAmount: amount,
      debtRecoveryMethod: method,
      debtAmountType: type,
      debtRecoveryStartTime: 0,
      debtRecoveryCollectionTime: 0,
      debtRecoveryFrequency: 1,
      debtRecoveryAmount: rate,
      debtRecoveryBalancePercentage: percent,
    });
    const gcs04 = (cmds: ReturnType<typeof debt>[]) =>
      h.toGsme(
        h.command(GCS40A, enc('GCS04', { changeDebt: cmds } as CommandFieldsOf<'GCS04'>), GSME, 0x006e),
      );
    const [ok] = gcs04([debt(1, 1000, 0, 30), debt(3, -7000, 0, 40), debt(5, 250, 1, 0, 1250)]);
    // three Default Responses SUCCESS to Change Debt (0x02); register 2 (5000 - 7000) stops at 0
    assert.match(Buffer.from(ok!.content).toString('hex').toUpperCase(), /0B0200.*0B0200.*0B0200$/);
    assert.deepEqual(h.gsme.stateView.debt, { accumulated: 6000 + 0 + 5250, amounts: [6000, 0, 5250] });
    assert.deepEqual(h.gsme.stateView.debtRecovery, [
      { frequency: 1, amount: 30 },
      { frequency: 1, amount: 40 },
    ]);
    assert.equal(h.gsme.stateView.debtRecoveryPercent, 12.5);
    const [r] = h.toGsme(h.command(GCS14, fixture(GCS14).content));
    const gbz = decodeGbz(r!.content, false);
    const e = gbz.components[1]!.encrypted!;
    const plain = Buffer.from(world.remote.decryptPayload(r!.content.subarray(e.offset!), r!)).toString(
      'hex',
    );
    // DebtAmount #1 0x0211 = 6000 (0x1770), #2 0x0221 = 0, #3 0x0231 = 5250 (0x1482), uint32 little-endian
    assert.match(plain.toUpperCase(), /1102002370170000/);
    assert.match(plain.toUpperCase(), /2102002300000000/);
    assert.match(plain.toUpperCase(), /3102002382140000/);
    const before = h.gsme.snapshot().state;
    // register 1 twice: refused, nothing changes
    const [bad] = gcs04([debt(0, 1, 0, 0), debt(1, 1, 0, 0)]);
    assert.doesNotMatch(Buffer.from(bad!.content).toString('hex').toUpperCase(), /0B0200$/);
    assert.deepEqual({ ...h.gsme.snapshot().state, eventLog: [] }, { ...before, eventLog: [] });
  });

  it('gas configuration: GCS23 sets the conversion factor and CV, GCS24 the uncontrolled flow settings, GCS21a reads them back (GBCS V3.1 attributes)', () => {
    const h = home();
    const gcs21a = () => {
      const [r] = h.toGsme(
        h.command(
          GCS21M,
          enc('GCS21a', { readPrice: {}, readMetering: {} } as never),
          GSME,
          useCaseById('GCS21a')!.code,
        ),
      );
      return decodeResponse('GCS21a', r!.content).fields as {
        components: Array<{
          cluster: string;
          command: string;
          fields: { records: Array<{ id: number; status: number; value?: { value: number } }> };
        }>;
      };
    };
    const records = (f: ReturnType<typeof gcs21a>) =>
      f.components.map((c) => [
        c.cluster,
        c.command,
        c.fields.records.map((x) => [x.id, x.status, x.value?.value]),
      ]);
    // never set: every attribute UNSUPPORTED_ATTRIBUTE (0x86), both components still Read Attributes Responses
    assert.deepEqual(records(gcs21a()), [
      [
        'price',
        'readAttributesResponse',
        [0x0306, 0x0305, 0x0304, 0x0303, 0x0302].map((id) => [id, 0x86, undefined]),
      ],
      [
        'metering',
        'readAttributesResponse',
        [0x0b13, 0x0b12, 0x0b11, 0x0b10, 0x0b14, 0x0b15].map((id) => [id, 0x86, undefined]),
      ],
    ]);
    const set = {
      conversionFactor: {
        issuerEventId: 42,
        startTime: 0,
        conversionFactor: 102_300,
        conversionFactorTrailingDigit: 0x50,
      },
      calorificValue: {
        issuerEventId: 42,
        startTime: 0,
        calorificValue: 395,
        calorificValueUnit: 1,
        calorificValueTrailingDigit: 0x10,
      },
    };
    h.toGsme(h.command('6.6_GCS23/GCS23_6.6_SUCCESS_COMMAND_GBCS.HEX', enc('GCS23', set)));
    h.toGsme(
      h.command(
        GCS24,
        enc('GCS24', {
          uncontrolledFlowThreshold: {
            providerId: 0,
            issuerEventId: 43,
            uncontrolledFlowThreshold: 250,
            unitOfMeasure: 1,
            multiplier: 3,
            divisor: 1000,
            stabilisationPeriod: 30,
            measurementPeriod: 600,
          },
          supplyStatus: {
            issuerEventId: 43,
            supplyTamperState: 0,
            supplyDepletionState: 0,
            supplyUncontrolledFlowState: 0,
            loadLimitSupplyState: 0,
          },
        }),
      ),
    );
    assert.deepEqual(records(gcs21a()), [
      [
        'price',
        'readAttributesResponse',
        [
          [0x0306, 0, 0x10],
          [0x0305, 0, 1],
          [0x0304, 0, 395],
          [0x0303, 0, 0x50],
          [0x0302, 0, 102_300],
        ],
      ],
      [
        'metering',
        'readAttributesResponse',
        [
          [0x0b13, 0, 1000],
          [0x0b12, 0, 3],
          [0x0b11, 0, 1],
          [0x0b10, 0, 250],
          [0x0b14, 0, 30],
          [0x0b15, 0, 600],
        ],
      ],
    ]);
  });

  it('prepayment configuration: GCS21b answers the RTDS response on the RTDS settings; GCS05 sets them and the friendly credit calendar, GCS21b reads them back', () => {
    const GCS21B = '4.13_GCS21b/GCS21b_4.13_SUCCESS_COMMAND_GBCS.HEX';
    // the RTDS meter collects 10 % of each top-up and has a 100 pound maximum credit
    const h = home({ debtRecoveryPercent: 10, maxMeterBalance: 10_000_000 });
    const [r0] = h.toGsme(h.command(GCS21B, fixture(GCS21B).content));
    assert.equal(
      Buffer.from(r0!.content).toString('hex'),
      Buffer.from(fixture('4.13_GCS21b/GCS21b_4.13_SUCCESS_RESPONSE_GBCS.HEX').content).toString('hex'),
    );
    const head = { providerId: 0, issuerEventId: 600, issuerCalendarId: 600 };
    const date = (month: number, day: number) => ({ year: null, month, day, dayOfWeek: null });
    const fields = {
      emergencyCreditSetup: {
        issuerEventId: 600,
        startTime: 0,
        emergencyCreditLimit: 700_000,
        emergencyCreditThreshold: 100_000,
      },
      lowCreditWarningLevel: { fromDateTime: 0, lowCreditWarningLevel: 300_000 },
      maximumCreditLimit: {
        providerId: 0,
        issuerEventId: 600,
        implementationDateTime: 0,
        maximumCreditLevel: 20_000_000,
        maximumCreditPerTopUp: 4_000_000,
      },
      overallDebtCap: { providerId: 0, issuerEventId: 600, implementationDateTime: 0, overallDebtCap: 2_000 },
      calendar: {
        ...head,
        startTime: 0,
        calendarType: 3,
        calendarTimeReference: 2,
        calendarName: '',
        numberOfSeasons: 1,
        numberOfWeekProfiles: 1,
        numberOfDayProfiles: 1,
      },
      dayProfiles: [
        {
          ...head,
          dayId: 1,
          totalNumberOfScheduleEntries: 2,
          commandIndex: 0,
          totalNumberOfCommands: 1,
          calendarType: 3,
          scheduleEntries: [
            { startTime: 0, priceTierOrSwitch: 0 },
            { startTime: 1200, priceTierOrSwitch: 1 },
          ],
        },
      ],
      weekProfiles: [
        {
          ...head,
          weekId: 1,
          dayIdRefMonday: 1,
          dayIdRefTuesday: 1,
          dayIdRefWednesday: 1,
          dayIdRefThursday: 1,
          dayIdRefFriday: 1,
          dayIdRefSaturday: 1,
          dayIdRefSunday: 1,
        },
      ],
      seasons: {
        ...head,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        seasons: [{ seasonStartDate: date(1, 1), weekIdRef: 1 }],
      },
      specialDays: {
        ...head,
        startTime: 0,
        calendarType: 3,
        totalNumberOfSpecialDays: 1,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        specialDays: [{ specialDayDate: date(12, 25), dayIdRef: 1 }],
      },
    };
    const set = enc('GCS05', fields as unknown as CommandFieldsOf<'GCS05'>);
    const [ok] = h.toGsme(h.command(GCS40A, set, GSME, 0x006f));
    // nine Default Responses SUCCESS: 4 prepayment, 5 calendar
    assert.equal(
      (
        Buffer.from(ok!.content)
          .toString('hex')
          .toUpperCase()
          .match(/0B0[0-9A-C]00/g) ?? []
      ).length,
      9,
    );
    const [r1] = h.toGsme(h.command(GCS21B, fixture(GCS21B).content));
    for (const [id, v] of [
      [0x0006, 2_000],
      [0x0010, 700_000],
      [0x0011, 100_000],
      [0x0031, 300_000],
      [0x0021, 20_000_000],
      [0x0022, 4_000_000],
    ] as const)
      assert.equal(attr(r1!, 'GCS21b', id), v, `attribute 0x${id.toString(16)}`);
    const got = decodeResponse('GCS21b', r1!.content).fields as {
      components: Array<{ command: string; fields: Record<string, unknown> }>;
    };
    const day = got.components.find((c) => c.command === 'publishDayProfile')!;
    assert.deepEqual(day.fields.scheduleEntries, [
      { startTime: 0, priceTierOrSwitch: 0 },
      { startTime: 1200, priceTierOrSwitch: 1 },
    ]);
    assert.equal(got.components.filter((c) => c.command === 'publishDayProfile').length, 1);
    assert.equal(h.gsme.stateView.friendlyCredit.calendarId, 600);
    // a week that refers to an unpublished day: refused, nothing changes
    const before = h.gsme.snapshot().state;
    const wrong = { ...fields, weekProfiles: [{ ...fields.weekProfiles[0]!, dayIdRefSunday: 9 }] };
    const [no] = h.toGsme(
      h.command(GCS40A, enc('GCS05', wrong as unknown as CommandFieldsOf<'GCS05'>), GSME, 0x006f),
    );
    assert.doesNotMatch(Buffer.from(no!.content).toString('hex').toUpperCase(), /0B0400$/);
    assert.deepEqual({ ...h.gsme.snapshot().state, eventLog: [] }, { ...before, eventLog: [] });
  });

  it('GCS11 (3.5): the consumer menu PIN protection is turned off; another password type is refused, nothing changes', () => {
    const h = home();
    assert.equal(h.gsme.snapshot().state.privacyPinProtection, true);
    const pin = (passwordType: number, password = '') =>
      enc('GCS11', {
        privacyPin: {
          issuerEventId: 9,
          implementationDateTime: 0,
          durationInMinutes: 0,
          passwordType,
          password,
        },
      });
    const before = h.gsme.snapshot().state;
    const [no] = h.toGsme(h.command(GCS40A, pin(1), GSME, 0x0073));
    assert.notEqual(decodeGbz(no!.content).components[0]?.payload?.[1], 0x00, 'not SUCCESS');
    assert.deepEqual({ ...h.gsme.snapshot().state, eventLog: [] }, { ...before, eventLog: [] });
    const [bad] = h.toGsme(h.command(GCS40A, pin(2, '31323334'), GSME, 0x0073));
    assert.notEqual(decodeGbz(bad!.content).components[0]?.payload?.[1], 0x00, 'not SUCCESS');
    assert.equal(h.gsme.snapshot().state.privacyPinProtection, true);
    const [ok] = h.toGsme(h.command(GCS40A, pin(2), GSME, 0x0073));
    assert.equal(ok!.messageCode, 0x0073);
    const dr = decodeGbz(ok!.content).components[0]!;
    assert.equal(dr.clusterId, 0x0708);
    assert.equal(dr.header.commandId, 0x0b, 'Default Response');
    assert.equal(Buffer.from(dr.payload!).toString('hex'), '0200', 'to command 0x02, SUCCESS');
    assert.equal(h.gsme.snapshot().state.privacyPinProtection, false);
  });

  it('tariff: GCS01a sets the tariff switching table and prices, GCS21f reads them back (GBCS V3.1 message templates)', () => {
    const h = home();
    const GCS01B = '1.2.1_GCS01b/GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX';
    const gcs21f = () => {
      const [r] = h.toGsme(
        h.command(
          GCS21M,
          enc('GCS21f', {
            readPrice: {},
            getDayProfiles: { providerId: 0, issuerCalendarId: 0xffffffff, startDayId: 1, numberOfDays: 0 },
            getWeekProfiles: {
              providerId: 0,
              issuerCalendarId: 0xffffffff,
              startWeekId: 1,
              numberOfWeeks: 0,
            },
            getSeasons: { providerId: 0, issuerCalendarId: 0xffffffff },
            getSpecialDays: {
              startTime: 0,
              numberOfEvents: 0,
              calendarType: 0,
              providerId: 0,
              issuerCalendarId: 0xffffffff,
            },
            getCurrentPrice: { commandOptions: 0 },
          } as never),
          GSME,
          useCaseById('GCS21f')!.code,
        ),
      );
      return (
        decodeResponse('GCS21f', r!.content).fields as {
          components: Array<{ cluster: string; command: string; fields: Record<string, unknown> }>;
        }
      ).components;
    };
    const ids = [
      0x0203, 0x0202, 0x0100, 0x0101, 0x0102, 0x0615, 0x0400, 0x0401, 0x0402, 0x0403, 0x0410, 0x0420, 0x0430,
      0x0440, 0x0616, 0x0617, 0x0301,
    ];
    const records = (c: { fields: Record<string, unknown> }) =>
      (c.fields.records as Array<{ id: number; status: number; value?: { value: number } }>).map((x) => [
        x.id,
        x.status,
        x.value?.value,
      ]);
    // nothing published: the values never set UNSUPPORTED_ATTRIBUTE, every calendar Get and Get Current Price NOT_FOUND
    const before = gcs21f();
    assert.deepEqual(
      records(before[0]!),
      ids.map((id) => (id === 0x0616 ? [id, 0, 826] : id === 0x0617 ? [id, 0, 0x50] : [id, 0x86, undefined])),
    );
    assert.deepEqual(
      before.slice(1).map((c) => [c.cluster, c.command, c.fields.commandId, c.fields.status]),
      [
        ['calendar', 'defaultResponse', 1, 0x8b],
        ['calendar', 'defaultResponse', 2, 0x8b],
        ['calendar', 'defaultResponse', 3, 0x8b],
        ['calendar', 'defaultResponse', 4, 0x8b],
        ['price', 'defaultResponse', 0, 0x8b],
      ],
    );
    const head = { providerId: 0, issuerEventId: 500, issuerCalendarId: 77 };
    const any = { year: null, dayOfWeek: null };
    const day = (dayId: number, tier: number) => ({
      ...head,
      dayId,
      totalNumberOfScheduleEntries: 1,
      commandIndex: 0,
      totalNumberOfCommands: 1,
      calendarType: 0,
      scheduleEntries: [{ startTime: 0, priceTierOrSwitch: tier }],
    });
    const week = {
      ...head,
      weekId: 1,
      dayIdRefMonday: 1,
      dayIdRefTuesday: 1,
      dayIdRefWednesday: 1,
      dayIdRefThursday: 1,
      dayIdRefFriday: 1,
      dayIdRefSaturday: 1,
      dayIdRefSunday: 1,
    };
    const set = {
      calendar: {
        ...head,
        startTime: 0,
        calendarType: 0,
        calendarTimeReference: 0,
        calendarName: '',
        numberOfSeasons: 1,
        numberOfWeekProfiles: 1,
        numberOfDayProfiles: 2,
      },
      dayProfiles: [day(1, 2), day(2, 1)],
      weekProfiles: [week],
      seasons: {
        ...head,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        seasons: [{ seasonStartDate: { ...any, month: 1, day: 1 }, weekIdRef: 1 }],
      },
      // RTDS_TIME is 1 January: the special day (day 2, tier 1) is in force
      specialDays: {
        ...head,
        startTime: 0,
        calendarType: 0,
        totalNumberOfSpecialDays: 1,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        specialDays: [{ specialDayDate: { ...any, month: 1, day: 1 }, dayIdRef: 2 }],
      },
      tariffInformation: {
        providerId: 0,
        issuerEventId: 500,
        issuerTariffId: 9,
        startTime: 0,
        tariffTypeChargingScheme: 0x00,
        tariffLabel: '',
        numberOfPriceTiersInUse: 2,
        numberOfBlockThresholdsInUse: 3,
        unitOfMeasure: 0,
        currency: 826,
        priceTrailingDigit: 0x50,
        standingCharge: 25_000,
        tierBlockMode: 0xff,
        blockThresholdMultiplier: 1,
        blockThresholdDivisor: 1000,
      },
      blockThresholds: {
        providerId: 0,
        issuerEventId: 500,
        startTime: 0,
        issuerTariffId: 9,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        subPayloadControl: 1,
        tiers: [{ tierNumberOfBlockThresholds: 0x03, blockThresholds: [1000, 2000, 3000] }],
      },
      priceMatrix: {
        providerId: 0,
        issuerEventId: 500,
        startTime: 0,
        issuerTariffId: 9,
        commandIndex: 0,
        totalNumberOfCommands: 1,
        subPayloadControl: 1,
        entries: [
          { tierBlockId: 1, price: 14_000 },
          { tierBlockId: 2, price: 9_000 },
        ],
      },
    };
    const [ack] = h.toGsme(h.command(GCS01B, enc('GCS01a', set as never), GSME, useCaseById('GCS01a')!.code));
    const acks = (
      decodeResponse('GCS01a', ack!.content).fields as unknown as {
        components: Array<{ fields: { status: number } }>;
      }
    ).components;
    assert.equal(acks.length, 9);
    assert.ok(acks.every((c) => c.fields.status === 0));
    const got = gcs21f();
    const values: Record<number, number> = {
      515: 1000,
      514: 1,
      256: 1000,
      257: 2000,
      258: 3000,
      1557: 0,
      1040: 14_000,
      1056: 9_000,
      1558: 826,
      1559: 0x50,
      769: 25_000,
    };
    assert.deepEqual(
      records(got[0]!),
      ids.map((id) => (id in values ? [id, 0, values[id]] : [id, 0x86, undefined])),
    );
    assert.deepEqual(
      got.slice(1).map((c) => c.command),
      [
        'publishDayProfile',
        'publishDayProfile',
        'publishWeekProfile',
        'publishSeasons',
        'publishSpecialDays',
        'publishPrice',
      ],
    );
    assert.deepEqual(got[1]!.fields.scheduleEntries, [{ startTime: 0, priceTierOrSwitch: 2 }]);
    assert.deepEqual(got[5]!.fields.specialDays, set.specialDays.specialDays);
    const price = got[6]!.fields;
    assert.deepEqual(
      [
        price.price,
        price.priceTrailingDigitAndPriceTier,
        price.numberOfPriceTiersAndRegisterTier,
        price.currency,
        price.unitOfMeasure,
      ],
      [14_000, 0x51, 0x21, 826, 0x01],
    );
    // a bad GCS01a (a week referring to a day not published) changes nothing
    const snap = structuredClone(h.gsme.snapshot().state.price);
    h.toGsme(
      h.command(
        GCS01B,
        enc('GCS01a', {
          ...set,
          tariffInformation: { ...set.tariffInformation, standingCharge: 1 },
          weekProfiles: [{ ...week, dayIdRefSunday: 9 }],
        } as never),
        GSME,
        useCaseById('GCS01a')!.code,
      ),
    );
    assert.deepEqual(h.gsme.snapshot().state.price, snap);
  });

  it('tariff from the DSP, future dated (GBCS: GCS01a is future-datable): held, in force at its time with an 8F66, cancellable', () => {
    const GCS01B = '1.2.1_GCS01b/GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX';
    const at = RTDS_TIME + 3 * 3_600_000;
    const gcs01a = (counter: number, when: string) => {
      const xml = xsdShapedRequest({
        srv: '1.1.1',
        cv: 4,
        target: GSME,
        counter,
        body: tariffPrimaryGas(`<sr:ExecutionDateTime>${when}</sr:ExecutionDateTime>`, 'tou'),
      });
      const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext({}));
      assert.equal(r.useCase, 'GCS01a');
      return decodeMessage(r.gbcs);
    };
    const h = home();
    const before = structuredClone(h.gsme.snapshot().state.price);
    const built = gcs01a(6200, new Date(at).toISOString());
    const [ack] = h.toGsme(h.command(GCS01B, built.content, GSME, built.messageCode));
    const acks = (
      decodeResponse('GCS01a', ack!.content).fields as unknown as {
        components: Array<{ fields: { status: number } }>;
      }
    ).components;
    assert.equal(acks.length, 8);
    assert.ok(
      acks.every((c) => c.fields.status === 0),
      'accepted: a Default Response SUCCESS each',
    );
    assert.deepEqual(h.gsme.snapshot().state.price, before, 'not in force before its time');
    assert.equal(h.gsme.pendingFutureDated().length, 1);
    const mark = h.gsme.events.length;
    h.clock.runUntil(at + 60_000);
    assert.equal(h.gsme.pendingFutureDated().length, 0);
    assert.equal(h.gsme.snapshot().state.price.tariffInformation?.numberOfPriceTiersInUse, 4, 'in force');
    assert.notDeepEqual(h.gsme.snapshot().state.price, before);
    const alerts = h.gsme.events.slice(mark).filter((e) => e.kind === 'alert-sent');
    assert.ok(
      alerts.some((e) => (e.detail as { alertCode?: string } | undefined)?.alertCode === '8F66'),
      `an 8F66 when it acted: ${JSON.stringify(alerts.map((e) => e.detail))}`,
    );

    // a cancellation (DUIS 3000-12-31: every Start Time 0xFFFFFFFF) removes the pending one
    const c = home();
    const later = gcs01a(6201, new Date(at).toISOString());
    c.toGsme(c.command(GCS01B, later.content, GSME, later.messageCode));
    assert.equal(c.gsme.pendingFutureDated().length, 1);
    const cancel = gcs01a(6202, '3000-12-31T00:00:00Z');
    c.toGsme(c.command(GCS01B, cancel.content, GSME, cancel.messageCode));
    assert.equal(c.gsme.pendingFutureDated().length, 0);
  });

  it('tariff from the DSP: the GCS01a the DSP builds from a DUIS 1.1.1 gas body is executed, GCS21f reads it back', () => {
    const GCS01B = '1.2.1_GCS01b/GCS01b_1.2.1_IMMEDIATE_TOU_SUCCESS_COMMAND_GBCS.HEX';
    for (const [kind, counter, tier, price, thresholds] of [
      // RTDS_TIME is Thursday 1 January 2015: weekday day 1, TOU rate 2
      ['tou', 6100, 2, 10_200, [undefined, undefined, undefined]],
      ['block', 6101, 0, 9_600, [1000, 2000, 3000]],
    ] as const) {
      const h = home();
      const xml = xsdShapedRequest({
        srv: '1.1.1',
        cv: 4,
        target: GSME,
        counter,
        body: tariffPrimaryGas('', kind),
      });
      const r = transformServiceRequest(parseDuisRequest(xml), rtdsContext({}));
      assert.equal(r.useCase, 'GCS01a');
      // the DSP's GCS01a payload, signed and sent as the supplier would
      const built = decodeMessage(r.gbcs);
      const [ack] = h.toGsme(h.command(GCS01B, built.content, GSME, built.messageCode));
      const acks = (
        decodeResponse('GCS01a', ack!.content).fields as unknown as {
          components: Array<{ fields: { status: number } }>;
        }
      ).components;
      assert.equal(acks.length, kind === 'tou' ? 8 : 9, kind);
      assert.ok(
        acks.every((c) => c.fields.status === 0),
        kind,
      );
      const [res] = h.toGsme(
        h.command(
          GCS21M,
          enc('GCS21f', {
            readPrice: { attributes: [0x0100, 0x0101, 0x0102, 0x0301, 0x0616].map((id) => ({ id })) },
            getDayProfiles: { providerId: 0, issuerCalendarId: 0xffffffff, startDayId: 1, numberOfDays: 0 },
            getWeekProfiles: {
              providerId: 0,
              issuerCalendarId: 0xffffffff,
              startWeekId: 1,
              numberOfWeeks: 0,
            },
            getSeasons: { providerId: 0, issuerCalendarId: 0xffffffff },
            getSpecialDays: {
              startTime: 0,
              numberOfEvents: 0,
              calendarType: 0,
              providerId: 0,
              issuerCalendarId: 0xffffffff,
            },
            getCurrentPrice: { commandOptions: 0 },
          } as never),
          GSME,
          useCaseById('GCS21f')!.code,
        ),
      );
      const got = (
        decodeResponse('GCS21f', res!.content).fields as {
          components: Array<{ cluster: string; command: string; fields: Record<string, unknown> }>;
        }
      ).components;
      const records = (got[0]!.fields.records as Array<{ id: number; value?: { value: number } }>).map(
        (x) => x.value?.value,
      );
      assert.deepEqual(records, [...thresholds, 22465, 826], kind);
      assert.deepEqual(
        got.slice(1, 3).map((c) => c.fields.scheduleEntries),
        [
          [{ startTime: 0, priceTierOrSwitch: kind === 'tou' ? 2 : 0 }],
          [{ startTime: 0, priceTierOrSwitch: kind === 'tou' ? 1 : 0 }],
        ],
        kind,
      );
      const special = got.find((c) => c.command === 'publishSpecialDays')!;
      assert.deepEqual(special.fields.specialDays, [
        { specialDayDate: { year: null, month: 12, day: 25, dayOfWeek: null }, dayIdRef: 2 },
      ]);
      const current = got[got.length - 1]!;
      assert.equal(current.command, 'publishPrice', kind);
      assert.equal(current.fields.price, price, kind);
      assert.equal((current.fields.priceTrailingDigitAndPriceTier as number) & 0x0f, tier, kind);
    }
  });
});
