/**
 * GSME tariff: GCS01a (DUIS 1.1.1) sets it, GCS21f (DUIS 4.11.1) reads it
 * back (GBCS V3.1 use-case tables, the GCS01a and GCS21f message templates).
 * - GCS01a: the tariff switching table (Publish Calendar, 1-4 Day Profiles,
 *   1-2 Week Profiles, Seasons, Special Days; ZCL Calendar type 0), Publish
 *   Tariff Information, Publish Block Thresholds (0-1), Publish Price
 *   Matrix. Every component is checked before any is applied (a bad one
 *   changes nothing); each answers a Default Response SUCCESS. GCS01a is
 *   future-datable (GBCS use-case tables: "Set Tariff and Price", SME.C.C,
 *   future-dated): the Publish Calendar's Start Time is the tariff's (the
 *   DSP puts the execution time in every component); 0 or a time that has
 *   come applies it now, a later time holds the whole tariff as one
 *   future-dated entry (8F66 naming Publish Calendar when it is applied, as
 *   for the other future-dated GSME commands), 0xFFFFFFFF cancels the pending
 *   one. Another component future-dated while the calendar applies now is
 *   refused (CommandContentError: nothing changes).
 * - GCS21f: Read Attributes of the Price cluster (block threshold divisor /
 *   multiplier, Block 1-3 Thresholds, unit of measure, no-tier block 1-4 and
 *   tier 1-4 block 1 prices, currency, price trailing digit, standing
 *   charge; a value never published: UNSUPPORTED_ATTRIBUTE), the calendar's
 *   Gets answered from the tariff switching table as GCS21b answers them
 *   from the friendly credit calendar, and Get Current Price answered by
 *   Publish Price (the active tier's price; no tariff: Default Response
 *   NOT_FOUND).
 * PROVISIONAL (GBCS gives the attributes, not how a meter fills them): a
 * price matrix entry's Tier/Block ID is the low byte of its price attribute
 * (block mode: tier in the high nibble, block - 1 in the low; TOU: the
 * tier in the high nibble, block 1), Block 1-3 Thresholds are the first
 * threshold record's, the active tier follows the switching table at the
 * device time (special day, else the season's week profile), Publish
 * Price's Duration In Minutes is 0xFFFF (until changed).
 */
import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { fromZigbeeTime, zigbeeTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { FriendlyCreditCalendar, GsmeBlockThresholds, GsmeState } from '../gsme.ts';
import type { GsmeServices } from '../services.ts';
import { SNAPSHOT_CAUSE, takeSnapshot } from '../snapshots.ts';
import { futureDatedAlert, tariffInformationOf } from './account.ts';
import {
  type AttrTable,
  defaultResponse,
  faultedCommand,
  notRun,
  readRecords,
  ZCL,
  type ZclPart,
  ZT,
} from './gbz.ts';
import type { GsmeView } from './index.ts';
import { CALENDAR_PARTS, calendarAnswers, calendarOf } from './prepay-config.ts';

/** ZCL Calendar Type of the tariff switching table (delivered calendar). */
const DELIVERED = 0;
/** ZCL frame control of the GCS01a commands (cluster-specific, server to client; the row's FC.toClient). */
const FC_TO_CLIENT = 0x09;
/** GBCS event: Billing Data Log updated (a tariff change is a billing event). */
const EVENT_BILLING_CHANGE = 0x8f0a;

const GCS01A_PARTS: readonly ZclPart[] = [
  ...CALENDAR_PARTS,
  { cluster: 'price', command: 'publishTariffInformation', commandId: 0x04 },
  { cluster: 'price', command: 'publishBlockThresholds', commandId: 0x06 },
  { cluster: 'price', command: 'publishPriceMatrix', commandId: 0x05 },
];

type Gcs01a = CommandFieldsOf<'GCS01a'>;

/** The future-dated-work key of a pending GCS01a (one tariff at a time). */
const TARIFF_KEY = 'GCS01a';
/** ZCL Start Time that cancels a pending future-dated command. */
const CANCEL = 0xffffffff;

/** GCS01a: the tariff switching table and the prices (see the file comment). */
export function setTariff(call: UseCaseCall<Gcs01a>, g: GsmeServices): HandlerResult {
  const faulted = faultedCommand(GCS01A_PARTS, g.gbzFaults());
  if (faulted) return faulted;
  const f = call.fields;
  const calendar = calendarOf(f, DELIVERED);
  const ti = f.tariffInformation;
  const pm = f.priceMatrix;
  const bt = f.blockThresholds;
  const sent = [
    GCS01A_PARTS[0]!,
    ...f.dayProfiles.map(() => GCS01A_PARTS[1]!),
    ...f.weekProfiles.map(() => GCS01A_PARTS[2]!),
    ...GCS01A_PARTS.slice(3, 6),
    ...(bt ? [GCS01A_PARTS[6]!] : []),
    GCS01A_PARTS[7]!,
  ];
  const response = { components: sent.map((p) => defaultResponse(p.cluster, p.commandId, ZCL.success)) };
  if (f.calendar.startTime === CANCEL)
    return { response, outcome: 'cancelled', detail: { cancelled: g.cancelFutureDated(TARIFF_KEY) } };
  const now = zigbeeTime(g.now());
  const at = f.calendar.startTime !== 0 && f.calendar.startTime > now ? f.calendar.startTime : null;
  if (at === null)
    for (const [name, start] of [
      ['Publish Tariff Information', ti.startTime],
      ['Publish Price Matrix', pm.startTime],
      ...(bt ? [['Publish Block Thresholds', bt.startTime] as const] : []),
    ] as const)
      if (start !== 0 && start > now)
        throw new CommandContentError(
          `${name} Start Time ${start} is in the future while the calendar applies now`,
        );
  if (pm.commandIndex !== 0 || pm.totalNumberOfCommands !== 1)
    throw new CommandContentError(
      `Price Matrix command ${pm.commandIndex} of ${pm.totalNumberOfCommands}: one command only`,
    );
  if (pm.subPayloadControl > 1) throw new CommandContentError(`Sub-Payload Control ${pm.subPayloadControl}`);
  if (ti.numberOfBlockThresholdsInUse > 0 !== !!bt)
    throw new CommandContentError(
      `${ti.numberOfBlockThresholdsInUse} block thresholds in use with ${bt ? 'a' : 'no'} Publish Block Thresholds`,
    );
  for (const x of [pm, ...(bt ? [bt] : [])])
    if (x.issuerTariffId !== ti.issuerTariffId)
      throw new CommandContentError(`Issuer Tariff ID ${x.issuerTariffId} differs from ${ti.issuerTariffId}`);
  const thresholds: GsmeBlockThresholds | null = bt
    ? {
        issuerEventId: bt.issuerEventId,
        issuerTariffId: bt.issuerTariffId,
        tiers: bt.tiers.map((t) => ({
          tier: t.tierNumberOfBlockThresholds >> 4,
          thresholds: [...t.blockThresholds],
        })),
      }
    : null;
  const price: GsmeState['price'] = {
    tariffInformation: tariffInformationOf(ti),
    priceMatrix: {
      issuerEventId: pm.issuerEventId,
      issuerTariffId: pm.issuerTariffId,
      subPayloadControl: pm.subPayloadControl,
      entries: pm.entries.map((e) => ({ tierBlockId: e.tierBlockId, price: e.price })),
    },
    blockThresholds: thresholds,
    calendar,
  };
  const detail = { issuerTariffId: ti.issuerTariffId, issuerCalendarId: calendar.issuerCalendarId };
  // every check is done: from here on state changes
  if (at !== null) {
    const executeAt = fromZigbeeTime(at);
    const m = call.cmd.message;
    g.scheduleFutureDated({
      useCase: call.row.useCase,
      key: TARIFF_KEY,
      messageCode: m.messageCode,
      originator: m.originator,
      counter: m.originatorCounter.toString(),
      executeAt,
      data: {
        price,
        cluster: 0x0707,
        frameControl: FC_TO_CLIENT,
        commandId: GCS01A_PARTS[0]!.commandId,
      },
    });
    return {
      response,
      outcome: 'scheduled',
      detail: { ...detail, executeAt: new Date(executeAt).toISOString() },
    };
  }
  applyTariff(g, price);
  return { response, outcome: 'applied', detail };
}

/** Runs a future-dated GCS01a (gsme.ts executeFutureDated): the tariff in force, and its 8F66 alert. */
export function runFutureDatedTariff(
  entry: FutureDatedEntry,
  g: GsmeServices,
): { ok: boolean; alert: { payload: Uint8Array; messageCode: number } } {
  applyTariff(g, entry.data.price as GsmeState['price']);
  return { ok: true, alert: futureDatedAlert(entry) };
}

/** Puts a GCS01a tariff in force (now, or when its future-dated entry runs). */
export function applyTariff(d: GsmeView, price: GsmeState['price']): void {
  takeSnapshot(d.state, d.now(), SNAPSHOT_CAUSE.changeOfTariff);
  d.state.price = structuredClone(price);
  d.logEvent(EVENT_BILLING_CHANGE);
}

/** The price attribute (0x04TB) of a price matrix entry (PROVISIONAL, see the file comment). */
function priceAttribute(subPayloadControl: number, tierBlockId: number): number {
  return subPayloadControl === 1 ? 0x0400 | ((tierBlockId & 0x0f) << 4) : 0x0400 | (tierBlockId & 0xff);
}

/** The Price cluster attributes GCS21f reads, from what GCS01a / GCS01b published. */
export function tariffTable(s: GsmeState): AttrTable {
  const t: AttrTable = {
    1558: () => ({ dataType: ZT.uint16, value: s.price.tariffInformation?.currency ?? s.currency }),
    1559: () => ({
      dataType: ZT.map8,
      value: s.price.tariffInformation?.priceTrailingDigit ?? s.priceTrailingDigit,
    }),
  };
  const ti = s.price.tariffInformation;
  if (ti) {
    t[0x0203] = () => ({ dataType: ZT.uint24, value: ti.blockThresholdDivisor });
    t[0x0202] = () => ({ dataType: ZT.uint24, value: ti.blockThresholdMultiplier });
    t[0x0615] = () => ({ dataType: ZT.enum8, value: ti.unitOfMeasure });
    t[0x0301] = () => ({ dataType: ZT.uint32, value: ti.standingCharge });
  }
  const first = s.price.blockThresholds?.tiers[0];
  first?.thresholds.slice(0, 3).forEach((v, i) => {
    t[0x0100 + i] = () => ({ dataType: ZT.uint48, value: v });
  });
  const pm = s.price.priceMatrix;
  for (const e of pm?.entries ?? []) {
    const price = e.price;
    t[priceAttribute(pm!.subPayloadControl, e.tierBlockId)] = () => ({ dataType: ZT.uint32, value: price });
  }
  return t;
}

/** The day profile in force at `at` (epoch ms, UTC) in `c`: a special day's, else its season's week profile's. */
function dayProfileAt(c: FriendlyCreditCalendar, at: number) {
  const t = new Date(at);
  const [y, m, dd] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
  const special = c.specialDays.find(
    (x) =>
      (x.specialDayDate.year === null || x.specialDayDate.year === y) &&
      (x.specialDayDate.month === null || x.specialDayDate.month === m) &&
      (x.specialDayDate.day === null || x.specialDayDate.day === dd),
  );
  let dayId = special?.dayIdRef;
  if (dayId === undefined) {
    const key = (mm: number | null, d: number | null) => (mm ?? 1) * 100 + (d ?? 1);
    const sorted = [...c.seasons].sort(
      (a, b) =>
        key(a.seasonStartDate.month, a.seasonStartDate.day) -
        key(b.seasonStartDate.month, b.seasonStartDate.day),
    );
    const season =
      [...sorted].reverse().find((x) => key(x.seasonStartDate.month, x.seasonStartDate.day) <= key(m, dd)) ??
      sorted[sorted.length - 1];
    const week = c.weeks.find((w) => w.weekId === season?.weekIdRef) ?? c.weeks[0];
    dayId = week?.days[(t.getUTCDay() + 6) % 7];
  }
  return c.days.find((x) => x.dayId === dayId);
}

/** The active price tier at `at`: the day profile's last entry started (1 without a switching table). */
function activeTier(s: GsmeState, at: number): number {
  const c = s.price.calendar;
  const day = c && dayProfileAt(c, at);
  if (!day) return 1;
  const t = new Date(at);
  const minutes = t.getUTCHours() * 60 + t.getUTCMinutes();
  const started = day.entries.filter((e) => e.startTime <= minutes);
  return (started[started.length - 1] ?? day.entries[day.entries.length - 1])?.priceTierOrSwitch ?? 1;
}

/** GCS21f: the tariff (see the file comment). */
export function readTariff(
  call: UseCaseCall<Record<string, { attributes?: Array<{ id: number }> }>>,
  d: GsmeView,
): HandlerResult {
  const faults = d.gbzFaults();
  const s = d.state;
  const price = readRecords('price', call.fields.readPrice?.attributes ?? [], tariffTable(s), faults);
  const groups: unknown[][] = [
    [{ cluster: 'price', command: 'readAttributesResponse', fields: { records: price.records } }],
  ];
  // a failed read: the later components are not run
  const cal = price.failed
    ? { groups: [1, 2, 3, 4].map(() => [notRun('calendar')]), failed: true }
    : calendarAnswers(s.price.calendar, DELIVERED, faults);
  groups.push(...cal.groups);
  let failed = cal.failed;
  const ti = s.price.tariffInformation;
  const pm = s.price.priceMatrix;
  if (failed) groups.push([notRun('price')]);
  else if (faults.has('price.getCurrentPrice')) {
    failed = true;
    groups.push([defaultResponse('price', 0x00, ZCL.hardwareFailure)]);
  } else {
    const now = d.now();
    const tier = activeTier(s, now);
    const entry =
      ti && pm
        ? pm.entries.find(
            (e) =>
              (pm.subPayloadControl === 1 ? e.tierBlockId : e.tierBlockId >> 4) === tier &&
              (pm.subPayloadControl === 1 || (e.tierBlockId & 0x0f) === 0),
          )
        : undefined;
    groups.push(
      ti && entry
        ? [
            {
              cluster: 'price',
              command: 'publishPrice',
              fields: {
                providerId: 0,
                rateLabel: '',
                issuerEventId: zigbeeTime(now),
                currentTime: zigbeeTime(now),
                // GBCS V3.1 GCS21f template: Unit of Measure 0x01
                unitOfMeasure: 0x01,
                currency: ti.currency,
                priceTrailingDigitAndPriceTier: (ti.priceTrailingDigit & 0xf0) | (tier & 0x0f),
                numberOfPriceTiersAndRegisterTier: ((ti.numberOfPriceTiersInUse & 0x0f) << 4) | (tier & 0x0f),
                startTime: 0,
                durationInMinutes: 0xffff,
                price: entry.price,
                additionalFields: '',
              },
            },
          ]
        : [defaultResponse('price', 0x00, ZCL.notFound)],
    );
  }
  const seq = ((call.header as { components?: Array<{ sequence?: number }> }).components ?? []).map(
    (x, i) => x.sequence ?? i,
  );
  return {
    response: { components: groups.flat() },
    outcome: failed ? 'failed' : 'read',
    header: { components: groups.flatMap((g, i) => g.map(() => ({ sequence: seq[i] ?? i }))) },
  };
}
