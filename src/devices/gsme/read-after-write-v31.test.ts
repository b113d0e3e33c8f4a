/**
 * GSME and GPF use cases read off GBCS V3.1's use-case tables (issues 11,
 * 12): what a write sets, what the meter logged or recorded over virtual
 * time, is what the read returns. Each command is a real GBCS command
 * (named fields encoded from the catalogue row, MAC'd and signed with the
 * generated world's keys) delivered through the mailbox on the GSME's poll,
 * or straight to the GPF, which answers from the gas mirror the GSME wrote
 * at its last wake.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rtdsMessages } from '../../../test/support/fixtures.ts';
import { decodeMessage, type GbcsMessage } from '../../gbcs/index.ts';
import { decodeGbz } from '../../gbcs/payload/gbz.ts';
import { decodeComponentFields } from '../../gbcs/payload/gbz-named.ts';
import {
  type CommandFieldsOf,
  decodeResponse,
  encodeCommand,
  type UseCaseId,
  useCaseByCode,
  useCaseById,
} from '../../gbcs/use-cases/index.ts';
import { generateUtrn } from '../../gbcs/utrn.ts';
import { toHex } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { GasMirror } from '../gpf/gas-mirror.ts';
import { Gpf } from '../gpf/gpf.ts';
import { HALF_HOUR_MS } from '../meter-common/metrology.ts';
import {
  type GeneratedWorld,
  generatedWorld,
  RecordingUplink,
  rebuildCommand,
} from '../meter-common/test-support.ts';
import { RTDS_TIME, zigbeeTime } from '../meter-common/time.ts';
import { RTDS_DEVICES, RTDS_PARTIES } from '../security/credentials.ts';
import { defaultGasLoad, Gsme } from './gsme.ts';

const GSME = RTDS_DEVICES.gsme;
const GPF = '00DB1234567890A3';
const DAY = 86_400_000;
const all = rtdsMessages();
const fixture = (name: string) => decodeMessage(all.find((x) => x.name.endsWith(name))!.bytes);
/** a non-critical supplier command to the GSME: the base of every rebuilt command (its originator, its keys) */
const BASE = '6.2.3_GCS21k/GCS21k_6.2.3_SUCCESS_COMMAND_GBCS.HEX';
const CS01B = '2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX';

let world: GeneratedWorld;
before(async () => {
  world = await generatedWorld([GSME, GPF]);
});

function home(opts: { load?: boolean } = {}) {
  const clock = new VirtualClock(RTDS_TIME);
  const mirror = new GasMirror();
  const gsme = new Gsme({
    eui: GSME,
    clock,
    credentials: world.credentials(GSME),
    trustAnchors: world.trustAnchors(),
    pollIntervalMs: HALF_HOUR_MS,
    mirror,
    ...(opts.load ? { metrology: { load: defaultGasLoad(GSME) } } : {}),
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
  let counter = 0x7400_0000n;
  /** a command of use case `uc` from the supplier (signed when the use case is critical) */
  const command = <U extends UseCaseId>(uc: U, fields: CommandFieldsOf<U>, recipient: string = GSME) => {
    const b = fixture(BASE);
    const messageCode = useCaseById(uc)!.code;
    return rebuildCommand(world.remote, b, {
      content: encodeCommand(uc, fields, { originatorCounter: 1n }),
      counter: ++counter,
      recipient,
      otherInfo: { ...b.otherInfo, messageCode },
      ...(useCaseByCode(messageCode)?.critical
        ? { signWith: world.remote.keyStore.privateKey(b.originator, 'ds') }
        : {}),
    });
  };
  const toGsme = (bytes: Uint8Array): GbcsMessage[] => {
    up.mailbox.push(bytes);
    clock.advance(HALF_HOUR_MS);
    return up.take().map((b) => decodeMessage(b));
  };
  const toGpf = (bytes: Uint8Array): GbcsMessage[] => {
    gpf.onRemotePartyMessage(bytes);
    return gpfUp.take().map((b) => decodeMessage(b));
  };
  /** a real top-up (CS01b, a UTRN of `pounds`) with counter `n` */
  const topUp = (pounds: number, n: bigint) => {
    const base = fixture(CS01B);
    const utrn = generateUtrn(world.remote, {
      supplier: RTDS_PARTIES.supplier,
      device: GSME,
      counter: n,
      value: pounds,
      valueClass: 'pounds',
    });
    const content = new Uint8Array(base.content);
    content.set(Buffer.from(utrn, 'latin1'), content.length - 20);
    toGsme(rebuildCommand(world.remote, base, { content, counter: n, recipient: GSME }));
    return utrn;
  };
  return { clock, gsme, gpf, mirror, command, toGsme, toGpf, topUp };
}

type Component = { cluster: string; command: string; fields?: Record<string, unknown> };
/** The clear components of a response. */
function components(useCase: string, r: GbcsMessage): Component[] {
  return (decodeResponse(useCase, r.content) as { fields: { components: Component[] } }).fields.components;
}
/** The value of attribute `id` in a clear Read Attributes Response. */
function attr(useCase: string, r: GbcsMessage, id: number): unknown {
  for (const c of components(useCase, r))
    for (const rec of (c.fields?.records ?? []) as Array<{ id: number; value?: { value: unknown } }>)
      if (rec.id === id) return rec.value?.value;
  return undefined;
}
/** The Default Response status of the single component, or undefined. */
function status(useCase: string, r: GbcsMessage): number | undefined {
  const c = components(useCase, r)[0]!;
  return c.command === 'defaultResponse' ? (c.fields!.status as number) : undefined;
}
/** The first alert code a batch of device messages carries (GBZ alert header `01 09 00 <code>`). */
function alertCode(msgs: GbcsMessage[]): string | undefined {
  const a = msgs.find((m) => m.cra === 'alert');
  return a ? toHex(a.content).slice(6, 10) : undefined;
}

const ALL_EVENTS = { eventId: 0, startTime: 0, endTime: 0xfffffffe, numberOfEvents: 0, eventOffset: 0 };
const eventLog = (logId: number) => ({ getEventLog: { eventControlLogId: logId, ...ALL_EVENTS } });
const events = (useCase: string, r: GbcsMessage) =>
  components(useCase, r)[0]!.fields!.events as Array<{ logId: number; eventId: number; eventTime: number }>;

describe('GSME/GPF (GBCS V3.1 rows): MPRN, contact details, valve status', () => {
  it('GCS41 sets the MPRN, GCS46 reads it back on the GSME and (after the wake) on the GPF; SiteID Time other than 0 is refused', () => {
    const h = home();
    const read = () => h.command('GCS46', { readMetering: { attributes: [{ id: 0x0307 }] } });
    const [r0] = h.toGsme(read());
    assert.equal(attr('GCS46', r0!, 0x0307), '', 'never set: an empty octet string');
    const mprn = toHex(new TextEncoder().encode('1234567890'));
    const set = (siteIdTime: number) =>
      h.command('GCS41', { siteId: { issuerEventId: 5, siteIdTime, providerId: 0, siteId: mprn } });
    const [ok] = h.toGsme(set(0));
    assert.equal(status('GCS41', ok!), 0x00);
    const [r1] = h.toGsme(read());
    assert.equal(attr('GCS46', r1!, 0x0307), mprn);
    const [g] = h.toGpf(h.command('GCS46', { readMetering: { attributes: [{ id: 0x0307 }] } }, GPF));
    assert.equal(g!.originator, GPF);
    assert.equal(attr('GCS46', g!, 0x0307), mprn, 'the GPF answers from the mirror');
    // future-dated: GCS41 is not (GBCS V3.1), malformed + 8F1E, nothing changes
    const refused = h.toGsme(set(zigbeeTime(h.clock.now()) + 3600));
    assert.equal(alertCode(refused), '8F1E');
    assert.equal(h.gsme.stateView.mprn, mprn);
  });

  it('GCS44 writes the supplier name and telephone number (no GBZ use case reads them back: the meter state)', () => {
    const h = home();
    const name = toHex(new TextEncoder().encode('Gas Supplier Ltd'));
    const tel = toHex(new TextEncoder().encode('0800 123 4567'));
    const publish = (t: number) =>
      h.command('GCS44', {
        changeOfSupplier: {
          providerId: 0,
          issuerEventId: 77,
          tariffType: 0,
          proposedProviderId: 0,
          providerChangeImplementationTime: t,
          providerChangeControl: 0x1800,
          proposedProviderName: name,
          proposedProviderContactDetails: tel,
        },
      });
    const [ok] = h.toGsme(publish(0));
    assert.equal(status('GCS44', ok!), 0x00);
    assert.deepEqual(h.gsme.stateView.supplierContact, {
      name,
      telephone: tel,
      issuerEventId: 77,
      providerChangeControl: 0x1800,
    });
    assert.equal(alertCode(h.toGsme(publish(1))), '8F1E');
    assert.equal(h.gsme.stateView.supplierContact!.issuerEventId, 77, 'unchanged');
  });

  it('GCS33 reads the supply status the valve is in (GCS32 closes it) and the battery life; the GPF the same from the mirror', () => {
    const h = home();
    const read = (to: string = GSME) =>
      h.command('GCS33', { readMetering: { attributes: [{ id: 0x0205 }, { id: 0x0014 }] } }, to);
    const [r0] = h.toGsme(read());
    assert.equal(attr('GCS33', r0!, 0x0014), 2, 'valve open: supply on');
    assert.equal(attr('GCS33', r0!, 0x0205), h.gsme.stateView.remainingBatteryLifeDays);
    const close = h.command('GCS32', {
      changeSupply: {
        providerId: 0,
        issuerEventId: 1,
        requestDateTime: 0,
        implementationDateTime: 0,
        proposedSupplyStatus: 0,
        supplyControlBits: 1,
      },
    } as CommandFieldsOf<'GCS32'>);
    h.toGsme(close);
    assert.equal(h.gsme.stateView.valve, 'disabled');
    h.gsme.backchannel.set({ remainingBatteryLifeDays: 1234 });
    const [r1] = h.toGsme(read());
    assert.equal(attr('GCS33', r1!, 0x0014), 0, 'valve closed: supply off');
    assert.equal(attr('GCS33', r1!, 0x0205), 1234);
    const [g] = h.toGpf(read(GPF));
    assert.equal(attr('GCS33', g!, 0x0014), 0);
    assert.equal(attr('GCS33', g!, 0x0205), 1234);
  });

  it('GCS21d reads the billing calendar as GCS21k does; GCS21e the identity (GSME and GPF)', () => {
    const h = home();
    const [b] = h.toGsme(
      h.command('GCS21d', {
        getBillingPeriod: {
          earliestStartTime: 0,
          minIssuerEventId: 0xffffffff,
          numberOfCommands: 1,
          tariffType: 0,
        },
      }),
    );
    assert.deepEqual(components('GCS21d', b!)[0]!.fields, h.gsme.stateView.billingPeriod);
    const ask = { readBasic: { attributes: [{ id: 0x0004 }, { id: 0x0005 }] } };
    const [i] = h.toGsme(h.command('GCS21e', ask));
    assert.equal(attr('GCS21e', i!, 0x0004), '1234');
    const [g] = h.toGpf(h.command('GCS21e', ask, GPF));
    assert.equal(attr('GCS21e', g!, 0x0005), '12345678');
  });
});

describe('GSME/GPF (GBCS V3.1 rows): the top-up log, the event and security logs, the daily consumption log', () => {
  it('GCS15e reads the top-ups the GSME applied (in clear); before any: NOT_FOUND; the GPF answers from the mirror', () => {
    const h = home();
    const ask = (to: string = GSME) =>
      h.command(
        'GCS15e',
        { getTopUpLog: { fromDateTime: 0, latestEndTime: 0xfffffffe, numberOfRecords: 5 } },
        to,
      );
    const [none] = h.toGsme(ask());
    assert.equal(status('GCS15e', none!), 0x8b);
    const before = h.gsme.stateView.meterBalance;
    const at = zigbeeTime(h.clock.now());
    const u1 = h.topUp(10, 0x600000001n);
    const u2 = h.topUp(25, 0x600000002n);
    assert.equal(h.gsme.stateView.meterBalance, before + 3_500_000);
    const [r] = h.toGsme(ask());
    const c = components('GCS15e', r!)[0]!;
    assert.equal(c.command, 'publishTopUpLog');
    const ups = c.fields!.topUps as Array<{ topUpCode: string; topUpAmount: number; topUpTime: number }>;
    assert.deepEqual(
      ups.map((u) => [u.topUpCode, u.topUpAmount]),
      [
        [u1, 1_000_000],
        [u2, 2_500_000],
      ],
    );
    assert.ok(ups.every((u) => u.topUpTime >= at));
    // a window ending before the second top-up holds the first only
    const [w] = h.toGsme(
      h.command('GCS15e', {
        getTopUpLog: { fromDateTime: 0, latestEndTime: ups[1]!.topUpTime - 1, numberOfRecords: 5 },
      }),
    );
    assert.equal((components('GCS15e', w!)[0]!.fields!.topUps as unknown[]).length, 1);
    const [g] = h.toGpf(ask(GPF));
    assert.equal((components('GCS15e', g!)[0]!.fields!.topUps as unknown[]).length, 2);
  });

  it('CS10a reads the events the GSME logged, CS11 clears them (CS10a: NOT_FOUND), CS10b the refused command; the Security Log is not cleared', () => {
    const h = home();
    const [none] = h.toGsme(h.command('CS10a', eventLog(0x13)));
    assert.equal(status('CS10a', none!), 0x8b);
    // a credit adjustment the meter logs (0x8F0A Billing Data Log Updated)
    h.toGsme(
      h.command('GCS40a', {
        creditAdjustment: {
          issuerEventId: 1,
          startTime: 0,
          creditAdjustmentType: 0,
          creditAdjustmentValue: 100,
        },
      }),
    );
    const logged = h.gsme.stateView.eventLog;
    assert.equal(logged.length, 1);
    const [r] = h.toGsme(h.command('CS10a', eventLog(0x13)));
    assert.deepEqual(events('CS10a', r!), [
      { logId: 3, eventId: 0x8f0a, eventTime: zigbeeTime(logged[0]!.at), eventData: '' },
    ]);
    // a tampered command: refused, logged in the Security Log
    const bad = h.command('GCS46', { readMetering: { attributes: [{ id: 0x0307 }] } });
    bad[bad.length - 3]! ^= 1;
    h.toGsme(bad);
    const [s] = h.toGsme(h.command('CS10b', eventLog(0x04)));
    const sec = events('CS10b', s!);
    assert.equal(sec.length, 1);
    assert.equal(sec[0]!.logId, 4);
    assert.equal(sec[0]!.eventId, h.gsme.stateView.securityLog[0]!.code);
    // CS11 clears the General Event Log only
    const [c] = h.toGsme(h.command('CS11', { clearEventLog: { logId: 3 } }));
    assert.equal(components('CS11', c!)[0]!.fields!.clearedEventsLogs, 0x08);
    const [after] = h.toGsme(h.command('CS10a', eventLog(0x13)));
    assert.equal(status('CS10a', after!), 0x8b);
    const [c4] = h.toGsme(h.command('CS11', { clearEventLog: { logId: 4 } }));
    assert.equal(components('CS11', c4!)[0]!.fields!.clearedEventsLogs, 0x00);
    assert.equal(h.gsme.stateView.securityLog.length, 1, 'the Security Log is not cleared remotely');
    // the GSME holds no copy logs (GPF only), and CS10a does not read the Security Log: 8F1E
    assert.equal(alertCode(h.toGsme(h.command('CS10a', eventLog(0x16)))), '8F1E');
    assert.equal(alertCode(h.toGsme(h.command('CS10a', eventLog(0x04)))), '8F1E');
  });

  it("the GPF: CS10a/CS10b read its copies of the GSME's logs (6, 7) and its own (3, 4); CS11 clears its own", () => {
    const h = home();
    h.toGsme(
      h.command('GCS40a', {
        creditAdjustment: {
          issuerEventId: 1,
          startTime: 0,
          creditAdjustmentType: 0,
          creditAdjustmentValue: 100,
        },
      }),
    );
    const [copy] = h.toGpf(h.command('CS10a', eventLog(0x16), GPF));
    assert.deepEqual(
      events('CS10a', copy!).map((e) => [e.logId, e.eventId]),
      [[6, 0x8f0a]],
    );
    const [own] = h.toGpf(h.command('CS10a', eventLog(0x13), GPF));
    assert.equal(status('CS10a', own!), 0x8b, 'the GPF logged nothing yet');
    const bad = h.command('CS10a', eventLog(0x13), GPF);
    bad[bad.length - 3]! ^= 1;
    h.toGpf(bad);
    const [sec] = h.toGpf(h.command('CS10b', eventLog(0x04), GPF));
    assert.equal(events('CS10b', sec!).length, 1);
    const [gsmeSec] = h.toGpf(h.command('CS10b', eventLog(0x07), GPF));
    assert.equal(status('CS10b', gsmeSec!), 0x8b, "the GSME's Security Log is empty");
    const [c] = h.toGpf(h.command('CS11', { clearEventLog: { logId: 3 } }, GPF));
    assert.equal(components('CS11', c!)[0]!.fields!.clearedEventsLogs, 0x08);
  });

  it('GCS61 on the GPF: the gas the GSME accumulated per UTC day (its profile summed), payload-encrypted; the GSME does not run it', () => {
    const h = home({ load: true });
    h.clock.advance(3 * DAY);
    const daily = h.mirror.state.metrology!.logs.daily!;
    assert.equal(daily.entries.length, 3, 'three midnights passed, written on the GSME wakes');
    const [r] = h.toGpf(
      h.command(
        'GCS61',
        { getSampledData: { sampleId: 1, earliestSampleTime: 0, sampleType: 0, numberOfSamples: 731 } },
        GPF,
      ),
    );
    assert.equal(r!.originator, GPF);
    const gbz = decodeGbz(r!.content, false);
    const e = gbz.components[0]!.encrypted!;
    const plain = world.remote.decryptPayload(r!.content.subarray(e.offset!), r!);
    const got = decodeComponentFields(0x0702, { frameControl: 0x19, commandId: 0x07 }, plain).fields as {
      sampleId: number;
      sampleRequestInterval: number;
      samples: number[];
      sampleStartTime: number;
    };
    assert.equal(got.sampleId, 1);
    assert.equal(got.sampleRequestInterval, 0xffff, '24 hours (GBCS V3.1)');
    assert.equal(got.sampleStartTime, zigbeeTime(daily.first));
    // each day is the sum of that day's half hours of the profile the GSME recorded
    const profile = h.mirror.state.metrology!.logs.profile!;
    const perDay = got.samples.map((_, d) =>
      profile.entries
        .map((v, i) => ({ start: profile.first + i * HALF_HOUR_MS, gas: v.gas ?? 0 }))
        .filter((x) => Math.floor(x.start / DAY) * DAY === daily.first + d * DAY)
        .reduce((a, x) => a + x.gas, 0),
    );
    assert.deepEqual(got.samples, perDay);
    assert.ok(got.samples[1]! > 0);
    // GBCS V3.1: Target GPF only; the GSME answers "unsupported"
    const [u] = h.toGsme(
      h.command('GCS61', {
        getSampledData: { sampleId: 1, earliestSampleTime: 0, sampleType: 0, numberOfSamples: 1 },
      }),
    );
    const ev = h.gsme.events.filter((x) => x.kind === 'command').at(-1);
    assert.equal(ev?.useCase, 'GCS61');
    assert.equal(ev?.reason, 'UNSUPPORTED');
    assert.equal(
      toHex(u!.content).slice(-4),
      '0881',
      'Default Response UNSUP_CLUSTER_COMMAND for Get Sampled Data',
    );
  });
});
