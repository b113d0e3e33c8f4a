/**
 * Device Service Requests beyond the first eleven: one declarative row per
 * SRV (its DUIS body shape, read by a body reader of body-reader.ts, and for
 * each use case the SRV maps to: targets, selector, named command fields).
 * The bytes are made by the use-case catalogue (encodeCommand) from the
 * fields; criticality and future dating come from the DUIS catalogue
 * (src/duis/service-requests.ts).
 *
 * Facts used (GBCS use-case tables; confirmed on the RTDS reference
 * commands next to the DUIS templates, test/dsp-transform.test.ts):
 * - reads: every attribute of the row is read (`get` carries null); profile
 *   and log reads with range selection carry the DUIS ReadLogPeriod as UTC
 *   seconds since 2000-01-01 (restricting object 0-0:94.44.100.255, GBCS
 *   UTC time); protected reads (get_protected_attributes) carry the objects
 *   with a COSEM date-time range, transaction-id `04` + Originator Counter;
 * - GBZ reads carry the row's attribute ids; snapshot reads one Get
 *   (Prepay) Snapshot per snapshot offset;
 * - CHF use cases and PPMID/HCALCS reads are originated by the ACB on the
 *   user's behalf (RTDS: originator the ACB, the user as Supplementary
 *   Remote Party).
 */

import type { DeviceType } from '../../../duis/index.ts';
import { type DuisNode, DuisSchemaError, serviceRequest } from '../../../duis/index.ts';
import { formatCosemDateTimeText } from '../../../gbcs/use-cases/cosem-text.ts';
import {
  type DlmsCommandRow,
  type GbzCommandRow,
  type UseCaseRow,
  useCaseById,
} from '../../../gbcs/use-cases/index.ts';
import { PROTECTED_OBJECTS, protectedReadObjects } from '../../../gbcs/use-cases/protected-objects.ts';
import { toHex, u64be } from '../../../runtime/bytes.ts';
import {
  alt,
  attrInt,
  base64,
  bodyReader,
  bool,
  choice,
  dateTime,
  empty,
  group,
  int,
  many,
  one,
  oneOf,
  opt,
  str,
  timeOfDay,
  type ValueReader,
} from './body-reader.ts';
import { cosemCommandDateTime, zigbeeUtcTime } from './encoding.ts';
import { DspBodyInvalidError, inconsistent, missing } from './errors.ts';
import {
  type AnySrvTransform,
  type BuildInput,
  type FutureDatingKind,
  type OriginatorKind,
  type SelectInput,
  type SrvTransform,
  type UseCaseRule,
  uc,
} from './rule.ts';

// ---------------------------------------------------------------- body shapes

const period = group({ start: one('StartDateTime', dateTime), end: one('EndDateTime', dateTime) });

type Period = { start: Date; end: Date };

/** The ReadLogPeriod of a log read (types ReadLogOnDemand and its extensions). */
const PERIOD = { period: one('ReadLogPeriod', period) };
/** Unknown Remote Party reads may carry the requester's key agreement public key. */
const KA_CREDENTIALS = { kaPublicSecurityCredentials: opt('KAPublicSecurityCredentials', base64) };

/**
 * The reads whose DUIS body type is ReadLogFutureDatableAndURPCredentials
 * (DUIS XSD V5.4; xsd-variants.test.ts checks the list against the schema):
 * an optional KAPublicSecurityCredentials makes them Unknown Remote Party
 * reads, which the ACB originates with the requester's certificate in the
 * GBCS header (urp.ts; RTDS ECS21b/GCS16b URP commands).
 */
export const URP_READS: readonly string[] = ['4.4.2', '4.4.3', '4.6.1', '4.8.1', '4.10', '4.14', '4.17'];

// ---------------------------------------------------------------- generic fields from the row

function row(useCase: string): UseCaseRow {
  const r = useCaseById(useCase);
  if (!r) throw new Error(`catalogue has no ${useCase}`);
  return r;
}

/** Seconds since 2000-01-01T00:00:00Z (GBCS UTC time in profile range selection and GBZ times). */
function utcSeconds(d: Date, path: string): number {
  return zigbeeUtcTime(d, path);
}

const RESTRICTING_CLOCK = {
  classId: 1,
  logicalName: '0-0:94.44.100.255',
  attributeIndex: 2,
  dataIndex: 0,
} as const;

/** A log read's ReadLogPeriod: present, and not ending before it starts. */
function logPeriod(p: Period | undefined, useCase: string): Period {
  if (!p) throw missing(`${useCase} reads a log: ReadLogPeriod missing`);
  if (p.end.getTime() < p.start.getTime())
    throw inconsistent('EndDateTime is before StartDateTime', 'ReadLogPeriod');
  return p;
}

function range(period: Period | undefined, useCase: string) {
  const p = logPeriod(period, useCase);
  return {
    restrictingObject: RESTRICTING_CLOCK,
    fromValue: utcSeconds(p.start, 'ReadLogPeriod/StartDateTime'),
    toValue: utcSeconds(p.end, 'ReadLogPeriod/EndDateTime'),
    selectedValues: [],
  };
}

/**
 * A read use case's fields, derived from its row: DLMS `get` accesses carry
 * null, `get-range` accesses the body's ReadLogPeriod; GBZ Read Attributes
 * components the row's attribute ids. Any other access needs fields of its
 * own (a load-time error, not a run-time guess).
 */
export function readAll(useCase: string): (i: BuildInput<{ period?: Period }>) => unknown {
  const r = row(useCase);
  if (r.family === 'dlms' && r.kind === 'command') {
    const accesses = (r as DlmsCommandRow).accesses;
    for (const a of accesses)
      if (a.kind !== 'get' && a.kind !== 'get-range')
        throw new Error(`${useCase}: ${a.object}.${a.member} is not a read`);
    return (i) => {
      const out: Record<string, Record<string, unknown>> = {};
      for (const a of accesses) {
        out[a.object] ??= {};
        out[a.object][a.member] = a.kind === 'get' ? null : range(i.body.period, useCase);
      }
      return out;
    };
  }
  if (r.family === 'gbz' && r.kind === 'command' && !r.payloadUnknown) {
    const comps = (r as GbzCommandRow).command;
    for (const c of comps)
      if (c.command !== 'readAttributes') throw new Error(`${useCase}: ${c.name} is not a Read Attributes`);
    return () => Object.fromEntries(comps.map((c) => [c.name, {}]));
  }
  throw new Error(`${useCase}: not a read of the catalogue`);
}

/** COSEM date-time text of an instant (UTC, deviation and status not specified). */
const cosemText = (d: Date, path: string): string => formatCosemDateTimeText(cosemCommandDateTime(d, path));

/**
 * The objects a protected read's command lists: the use-case catalogue's
 * protected-read table (gbcs/use-cases/protected-objects.ts, the one the ESME
 * answers from and the decoder names the plaintext with); a profile generic
 * buffer (class 7) is restricted by the ReadLogPeriod.
 */
function protectedObjects(useCase: string) {
  const names = protectedReadObjects(useCase);
  if (!names) throw new Error(`${useCase} has no protected-read objects in the catalogue`);
  return names.map((n) => {
    const o = PROTECTED_OBJECTS[n];
    return { classId: o.classId, obis: o.obis, attribute: o.attribute, ranged: o.classId === 7 };
  });
}

/**
 * A protected read (Data Protection get_protected_attributes, GBCS 7.2.13:
 * the response is encrypted for the requester): the object list, then the
 * protection parameters whose transaction-id is `04` and the Originator
 * Counter, with the header system titles (RTDS ECS17b/d, ECS19, ECS20c,
 * ECS21b, ECS22b, ECS66).
 */
function protectedRead(useCase: string) {
  const objects = protectedObjects(useCase);
  const r = row(useCase) as DlmsCommandRow;
  const a = r.accesses[0];
  if (r.accesses.length !== 1 || a.member !== 'getProtectedAttributes')
    throw new Error(`${useCase} is not a protected read`);
  return (i: BuildInput<{ period?: Period }>) => {
    const p = objects.some((o) => o.ranged) ? i.body.period : undefined;
    if (objects.some((o) => o.ranged) && !p) throw missing(`${useCase} reads a log: ReadLogPeriod missing`);
    return {
      [a.object]: {
        getProtectedAttributes: {
          objectList: objects.map((o) => ({
            classId: o.classId,
            logicalName: o.obis,
            attributeIndex: o.attribute,
            dataIndex: 0,
            restriction:
              o.ranged && p
                ? {
                    restrictionType: 1,
                    restrictionValue: {
                      from: cosemText(p.start, 'ReadLogPeriod/StartDateTime'),
                      to: cosemText(p.end, 'ReadLogPeriod/EndDateTime'),
                    },
                  }
                : { restrictionType: 0, restrictionValue: null },
          })),
          protectionParameters: [
            {
              protectionType: 2,
              protectionOptions: {
                transactionId: `04${toHex(u64be(i.originatorCounter))}`,
                // the requester of an Unknown Remote Party read, not the ACB (RTDS ECS21b URP)
                originatorSystemTitle: i.protectedFor,
                recipientSystemTitle: i.recipient,
                dateTime: '',
                keyInfo: { keyInfoType: 2, agreedKey: { keyParameters: '02', keyCipheredData: '' } },
              },
            },
          ],
        },
      },
    };
  };
}

/**
 * GBZ snapshot reads (GCS15b, GCS15c, GCS16a, GCS16b): one Get Snapshot (and
 * Get Prepay Snapshot) per snapshot offset 0..n-1 over the ReadLogPeriod, with
 * the snapshot cause of the log (GBCS: 31 daily snapshots, 12 billing ones).
 */
function snapshots(components: readonly string[], count: number, cause: number) {
  return (i: BuildInput<{ period?: Period }>) => {
    const p = logPeriod(i.body.period, 'a snapshot read');
    const one = (offset: number) => ({
      earliestStartTime: utcSeconds(p.start, 'ReadLogPeriod/StartDateTime'),
      latestEndTime: utcSeconds(p.end, 'ReadLogPeriod/EndDateTime'),
      snapshotOffset: offset,
      snapshotCause: cause,
    });
    return Object.fromEntries(components.map((c) => [c, Array.from({ length: count }, (_, k) => one(k))]));
  };
}

/** Constant fields (an action whose parameter GBCS fixes, a read with fixed arguments). */
const fixed = (fields: unknown) => (): unknown => structuredClone(fields);

// ---------------------------------------------------------------- the table

export type Rule<B> = Omit<UseCaseRule<B>, 'messageCode' | 'payload'> & { originator?: OriginatorKind };

export interface DeviceSrvSpec<B> {
  /** The DUIS body's content spec (ExecutionDateTime is added when DUIS allows future dating). */
  body?: Parameters<typeof group>[0];
  /** A body whose content is an xs:choice (after ExecutionDateTime): its value under the key. */
  choice?: Record<string, ValueReader<unknown>>;
  /** Where the ExecutionDateTime goes when DUIS allows it (default: the DSP holds the command). */
  futureDating?: FutureDatingKind;
  originator?: OriginatorKind;
  useCases: Rule<B>[];
  notTransformed?: SrvTransform<B>['notTransformed'];
}

export function deviceSrv<B>(srv: string, spec: DeviceSrvSpec<B>): AnySrvTransform {
  const def = serviceRequest(srv);
  if (!def) throw new Error(`DUIS has no SRV ${srv}`);
  const datable = def.futureDating !== 'none';
  const content = {
    ...(datable ? { executionDateTime: opt('ExecutionDateTime', dateTime) } : {}),
    ...spec.body,
  };
  const urp = URP_READS.includes(srv);
  const read = spec.choice
    ? choiceBodyReader(def.bodyElement, datable, spec.choice)
    : bodyReader(def.bodyElement, urp ? { ...content, ...KA_CREDENTIALS } : content);
  const t: SrvTransform<B> = {
    srv,
    critical: def.class === 'critical',
    originator: spec.originator ?? 'user',
    futureDating: datable ? (spec.futureDating ?? 'dsp') : 'none',
    read: read as unknown as SrvTransform<B>['read'],
    executionDateTime: (b) => (b as { executionDateTime?: Date }).executionDateTime,
    ...(urp
      ? {
          urpCredentials: (b: B) =>
            (b as { kaPublicSecurityCredentials?: Uint8Array }).kaPublicSecurityCredentials,
        }
      : {}),
    useCases: spec.useCases.map((u) => ({ ...uc(u), ...(u.originator ? { originator: u.originator } : {}) })),
  };
  if (spec.notTransformed) t.notTransformed = spec.notTransformed;
  return t;
}

/** A body whose content (after an optional ExecutionDateTime) is one xs:choice. */
function choiceBodyReader(element: string, datable: boolean, spec: Record<string, ValueReader<unknown>>) {
  const [key, read] = Object.entries(spec)[0];
  return (body: DuisNode) => {
    if (body.name !== element)
      throw new DuisSchemaError(`expected body element ${element}, found ${body.name}`, body.name);
    const rest = body.children.filter((c) => !(datable && c.name === 'ExecutionDateTime'));
    const at = body.children.find((c) => datable && c.name === 'ExecutionDateTime');
    const out: Record<string, unknown> = { [key]: read({ ...body, children: rest }, element) };
    if (at) out.executionDateTime = dateTime(at, `${element}/ExecutionDateTime`);
    return out;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

const ESME: DeviceType[] = ['ESME'];
const GAS: DeviceType[] = ['GSME'];
const GAS_AND_GPF: DeviceType[] = ['GSME', 'GPF'];
const CHF: DeviceType[] = ['CHF'];

const isPoly = (_b: unknown, s: SelectInput) => s.esmeVariant === 'polyphase';
const notPoly = (_b: unknown, s: SelectInput) => s.esmeVariant !== 'polyphase';
const byNetworkOperator = (_b: unknown, s: SelectInput) => s.originatorRole === 'networkOperator';
const notNetworkOperator = (_b: unknown, s: SelectInput) => s.originatorRole !== 'networkOperator';

/** A read SRV: every attribute of each use case's row, the DSP holds future-dated ones. */
function readSrv(srv: string, useCases: Rule<B>[], body: Parameters<typeof group>[0] = {}): AnySrvTransform {
  return deviceSrv<B>(srv, { body, useCases });
}

const read = (useCase: string, targets: DeviceType[], extra: Partial<Rule<B>> = {}): Rule<B> => ({
  useCase,
  targets,
  fields: readAll(useCase),
  ...extra,
});

const acb = { originator: 'acb' as const };

/** 6.13 LogToRead of a GSME / GPF: the use case, its targets and the Event Control / Log ID it asks for. */
const ZIGBEE_LOGS: ReadonlyArray<readonly [string, string, DeviceType[], number]> = [
  ['Event', 'CS10a', GAS_AND_GPF, 0x13],
  ['Security', 'CS10b', GAS_AND_GPF, 0x04],
  ['GSMEEvent', 'CS10a', ['GPF'], 0x16],
  ['GSMESecurity', 'CS10b', ['GPF'], 0x07],
];

export const DEVICE_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  // ---- 4.x on-demand reads
  readSrv('4.2', [read('ECS17a', ESME)]),
  readSrv('4.16', [read('ECS17c', ESME)]),
  readSrv('4.1.2', [
    {
      useCase: 'ECS17d',
      targets: ESME,
      fields: protectedRead('ECS17d'),
    },
    read('GCS13c', GAS_AND_GPF),
  ]),
  // ECS17e (GBCS V3.1 use-case tables): the protected read of the TOU-with-blocks register list
  readSrv('4.1.3', [
    {
      useCase: 'ECS17e',
      targets: ESME,
      fields: protectedRead('ECS17e'),
    },
  ]),
  readSrv('4.1.4', [read('GCS13b', GAS_AND_GPF)]),
  readSrv('4.12.1', [read('ECS18b', ESME)]),
  readSrv('4.12.2', [read('ECS18a', ESME)]),
  readSrv('4.3', [
    {
      useCase: 'ECS19',
      targets: ESME,
      fields: protectedRead('ECS19'),
    },
    read('GCS14', GAS_AND_GPF),
  ]),
  readSrv(
    '4.4.2',
    [
      {
        useCase: 'GCS15b',
        targets: GAS,
        fields: snapshots(['getSnapshot', 'getPrepaySnapshot'], 12, 0x6008),
      },
    ],
    PERIOD,
  ),
  readSrv(
    '4.4.3',
    [
      {
        useCase: 'ECS20c',
        targets: ESME,
        fields: protectedRead('ECS20c'),
      },
      { useCase: 'GCS15c', targets: GAS, fields: snapshots(['getSnapshot', 'getPrepaySnapshot'], 12, 2) },
    ],
    PERIOD,
  ),
  readSrv(
    '4.6.1',
    [
      // GBCS V3.1 use-case tables (ECS21a, SRV 4.6.1): the protected read of the daily read log (exc export)
      {
        useCase: 'ECS21a',
        targets: ESME,
        fields: protectedRead('ECS21a'),
      },
      { useCase: 'GCS16a', targets: GAS, fields: snapshots(['getSnapshot'], 31, 1) },
    ],
    PERIOD,
  ),
  // RTDS ECS21c: the ACB originates the export daily read log read on the user's behalf
  readSrv('4.6.2', [read('ECS21c', ESME, acb)], PERIOD),
  readSrv(
    '4.14',
    [
      {
        useCase: 'ECS21b',
        targets: ESME,
        fields: protectedRead('ECS21b'),
      },
      { useCase: 'GCS16b', targets: GAS_AND_GPF, fields: snapshots(['getPrepaySnapshot'], 31, 1) },
    ],
    PERIOD,
  ),
  readSrv(
    '4.8.1',
    [
      {
        useCase: 'ECS22b',
        targets: ESME,
        fields: protectedRead('ECS22b'),
      },
      { useCase: 'GCS17', targets: GAS, fields: sampledData(0, 1800) },
    ],
    PERIOD,
  ),
  readSrv('4.8.2', [read('ECS22c', ESME)], PERIOD),
  readSrv('4.8.3', [read('ECS22a', ESME)], PERIOD),
  readSrv(
    '4.10',
    [
      read('ECS23', ESME, { when: notPoly, whenText: 'single or twin element ESME' }),
      read('ECS23b', ESME, { when: isPoly, whenText: 'polyphase ESME' }),
      { useCase: 'GCS18', targets: GAS, fields: sampledData(2, 360) },
    ],
    PERIOD,
  ),
  readSrv('4.11.1', [
    read('ECS24', ESME),
    {
      useCase: 'GCS21f',
      targets: GAS,
      // GBCS V3.1 use-case tables (GCS21f message template): the row's price attributes, every profile
      // of the current tariff switching table (calendar id 0xFFFFFFFF, delivered calendar) and the active price
      fields: fixed({
        readPrice: {},
        ...everyCalendarProfile(0xffffffff, 0),
        getCurrentPrice: { commandOptions: 0 },
      }),
    },
  ]),
  readSrv('4.11.2', [read('ECS24b', ESME)]),
  readSrv('4.13', [
    {
      useCase: 'GCS21b',
      targets: GAS,
      // the calendar reads ask for every profile of the current calendar (RTDS GCS21b)
      fields: fixed({
        readPrepayment: {},
        readPrice: {},
        ...everyCalendarProfile(0xfffffffe, 3),
      }),
    },
  ]),
  readSrv('4.15', [read('ECS27', ESME)]),
  deviceSrv<B>('4.17', {
    body: PERIOD,
    useCases: [
      {
        useCase: 'ECS66',
        targets: ESME,
        fields: protectedRead('ECS66'),
      },
      // GBCS V3.1 use-case tables: GCS61 targets the GPF, which holds the GSME's Daily Consumption Log
      { useCase: 'GCS61', targets: ['GPF'], fields: dailyConsumption },
    ],
    notTransformed: {
      targets: ['GSME'],
      reason:
        "GBCS V3.1 makes the GPF the target of GCS61 (it holds the GSME's Daily Consumption Log): send 4.17 to the GPF",
    },
  }),
  readSrv('4.18', [read('ECS82', ESME), read('GCS60', GAS)]),

  // ---- 6.2.x device configuration reads
  readSrv('6.2.1', [
    read('ECS26b', ESME, { when: notPoly, whenText: 'single or twin element ESME' }),
    read('ECS26k', ESME, { when: isPoly, whenText: 'polyphase ESME' }),
  ]),
  readSrv('6.2.2', [read('ECS26c', ESME)]),
  readSrv('6.2.3', [
    read('ECS26d', ESME),
    {
      useCase: 'GCS21k',
      targets: GAS,
      // the current billing period: earliest start now, any issuer event, one command (RTDS GCS21k)
      fields: fixed({
        getBillingPeriod: {
          earliestStartTime: 0,
          minIssuerEventId: 0xffffffff,
          numberOfCommands: 1,
          tariffType: 0,
        },
      }),
    },
  ]),
  readSrv('6.2.4', [
    read('ECS26m', ESME),
    read('ECS26n', CHF, acb),
    read('GCS21m', GAS),
    read('GCS21e', ['GPF']),
  ]),
  readSrv('6.2.5', [read('ECS26f', ESME)]),
  // GCS21a: the commodity and supply control attributes the row reads (GBCS V3.1 use-case tables)
  readSrv('6.2.8', [read('GCS21a', GAS)]),
  readSrv('6.2.9', [read('ECS26j', ESME), read('GCS21j', GAS)]),
  readSrv('6.2.10', [
    read('ECS25r1', ESME, { when: notNetworkOperator, whenText: 'supplier' }),
    read('ECS25r2', ESME, { when: byNetworkOperator, whenText: 'network operator' }),
    { useCase: 'GCS20r', targets: GAS, fields: fixed({ getEventConfiguration: { eventId: 0x81ff } }) },
  ]),
  readSrv('6.31', [read('DBCH01', CHF, acb)]),
  readSrv('6.32', [read('DBCH02', CHF, acb)], PERIOD),
  readSrv(
    '6.13',
    [
      read('ECS35a', ESME, { when: (b) => b.logToRead === 'Event', whenText: 'Event' }),
      read('ECS35b', ESME, { when: (b) => b.logToRead === 'Security', whenText: 'Security' }),
      read('ECS35e', ESME, { when: (b) => b.logToRead === 'PowerEvent', whenText: 'PowerEvent' }),
      read('ECS35f', ESME, {
        when: (b, s) => b.logToRead === 'ALCSEvent' && s.originatorRole !== 'networkOperator',
        whenText: 'ALCSEvent (supplier)',
      }),
      // ECS35g Read Auxiliary Controller Event Log reads the same log (GBCS later use-case file: Supplier,
      // Network Operator, Load Controller); the RTDS has it from the network operator, ECS35f (V3.1,
      // supplier only) from the supplier. PROVISIONAL: a supplier keeps ECS35f, which V3.1 ESMEs define
      read('ECS35g', ESME, {
        when: (b, s) => b.logToRead === 'ALCSEvent' && s.originatorRole === 'networkOperator',
        whenText: 'ALCSEvent (network operator)',
      }),
      read('ECS35c', CHF, { ...acb, when: (b) => b.logToRead === 'Event', whenText: 'Event' }),
      read('ECS35d', CHF, { ...acb, when: (b) => b.logToRead === 'Security', whenText: 'Security' }),
      // GBCS V3.1 use-case tables (CS10a / CS10b message templates): the device's own General (0x13) or
      // Security (0x04) Event Log; on the GPF also its copies of the GSME's (0x16, 0x07)
      ...ZIGBEE_LOGS.map(([logToRead, useCase, targets, logId]) => ({
        useCase,
        targets,
        when: (b: B) => b.logToRead === logToRead,
        whenText: logToRead,
        fields: zigbeeLogRead(logId),
      })),
    ],
    {
      ...PERIOD,
      logToRead: one(
        'LogToRead',
        oneOf('Event', 'ALCSEvent', 'PowerEvent', 'Security', 'GSMEEvent', 'GSMESecurity'),
      ),
    },
  ),

  // ---- 7.x supply and auxiliary load reads
  readSrv('7.4', [read('ECS45', ESME), read('GCS33', GAS)]),
  readSrv('7.7', [read('ECS61a', ESME)]),
  readSrv('7.11', [read('ECS61c', ESME)], PERIOD),
  readSrv('7.14', [read('ECS61d', ESME)]),
  readSrv('7.15', [read('ECS61e', ESME)]),
  readSrv('11.2', [
    read('ECS52', ESME),
    read('ECS52', CHF, acb),
    read('GCS38', GAS),
    // RTDS CS08: the ACB reads a PPMID's (HCALCS') firmware version; the command has no payload data (ASN.1 NULL)
    { useCase: 'CS08', targets: ['PPMID', 'HCALCS'], ...acb, fields: fixed(null) },
  ]),
  readSrv(
    '8.9',
    [
      read('CCS06', CHF, { ...acb, when: (b) => !b.readSecurityDetails, whenText: 'device log' }),
      {
        useCase: 'CCS07',
        targets: CHF,
        ...acb,
        when: (b) => b.readSecurityDetails === true,
        whenText: 'ReadSecurityDetails',
        // read_device_log of the CHF and of the GPF Device Log, no parameter (RTDS CCS07)
        fields: fixed({
          zigbeeNetworkControl: { readDeviceLog: null },
          gpfDeviceLog: { readDeviceLog: null },
        }),
      },
    ],
    { readSecurityDetails: opt('ReadSecurityDetails', empty) },
  ),
];

/**
 * GBZ Get Sampled Data (GCS17 profile data, GCS18 network data): sample id,
 * earliest sample time (ReadLogPeriod start), sample type 0, number of
 * samples over the period at the sample interval (both ends included).
 */
/** GCS61's Sample ID and the most samples it returns (GBCS V3.1 GCS61 message template: 1-731). */
const DAILY_SAMPLE_ID = 1;
const MAX_DAILY_SAMPLES = 731;
const DAY_SECONDS = 86_400;

/**
 * GCS61 (4.17 to the GPF): Get Sampled Data of the Daily Consumption Log from the ReadLogPeriod start,
 * Number of Samples (end - start) / 1 day (GBCS V3.1 use-case tables), at least 1; a period of more
 * than 731 days cannot be asked for.
 */
function dailyConsumption(i: BuildInput<{ period?: Period }>) {
  const p = logPeriod(i.body.period, 'GCS61');
  const start = utcSeconds(p.start, 'ReadLogPeriod/StartDateTime');
  const days = Math.max(
    1,
    Math.floor((utcSeconds(p.end, 'ReadLogPeriod/EndDateTime') - start) / DAY_SECONDS),
  );
  if (days > MAX_DAILY_SAMPLES)
    throw inconsistent(`${days} days: GCS61 reads at most ${MAX_DAILY_SAMPLES}`, 'ReadLogPeriod');
  return {
    getSampledData: {
      sampleId: DAILY_SAMPLE_ID,
      earliestSampleTime: start,
      sampleType: 0,
      numberOfSamples: days,
    },
  };
}

/** CS10a / CS10b: Get Event Log of one log, every event in the ReadLogPeriod, from the start (GBCS V3.1). */
function zigbeeLogRead(eventControlLogId: number) {
  return (i: BuildInput<{ period?: Period }>) => {
    const p = logPeriod(i.body.period, 'CS10a/CS10b');
    return {
      getEventLog: {
        eventControlLogId,
        eventId: 0,
        startTime: utcSeconds(p.start, 'ReadLogPeriod/StartDateTime'),
        endTime: utcSeconds(p.end, 'ReadLogPeriod/EndDateTime'),
        numberOfEvents: 0,
        eventOffset: 0,
      },
    };
  };
}

function sampledData(sampleId: number, intervalSeconds: number) {
  return (i: BuildInput<{ period?: Period }>) => {
    const p = i.body.period;
    if (!p) throw missing('ReadLogPeriod missing');
    const start = utcSeconds(p.start, 'ReadLogPeriod/StartDateTime');
    const end = utcSeconds(p.end, 'ReadLogPeriod/EndDateTime');
    if (end < start) throw inconsistent('EndDateTime is before StartDateTime', 'ReadLogPeriod');
    return {
      getSampledData: {
        sampleId,
        earliestSampleTime: start,
        sampleType: 0,
        numberOfSamples: Math.floor((end - start) / intervalSeconds) + 1,
      },
    };
  };
}

// keep the imports of readers used by later rows
void [bool, choice, int, many, str, timeOfDay, attrInt];

export type { ValueReader };

// ---------------------------------------------------------------- settings and actions

/** xs:decimal text to an integer scaled by 10^digits, exactly (no binary floating point). */
function scaledDecimal(digits: number): ValueReader<number> {
  return (n, p) => {
    const t = str(1)(n, p).trim();
    const m = /^\+?(\d+)(?:\.(\d*))?$/.exec(t);
    if (!m) throw new DuisSchemaError(`"${t}" is not a non-negative xs:decimal`, p);
    const frac = m[2] ?? '';
    if (frac.length > digits) throw new DuisSchemaError(`more than ${digits} fraction digits`, p);
    const v = Number(m[1] + frac.padEnd(digits, '0'));
    if (!Number.isSafeInteger(v) || v > 0xffffffff) throw new DuisSchemaError(`${t} is out of range`, p);
    return v;
  };
}

const adjustOrReset = choice({ AdjustMeterBalance: int(-2147483648, 2147483647), ResetMeterBalance: empty });
/**
 * ZCL Calendar Gets of every profile of one calendar (GCS21b, GCS21f): day and
 * week profiles from id 1, all seasons, all special days of `calendarType`.
 */
function everyCalendarProfile(issuerCalendarId: number, calendarType: number) {
  return {
    getDayProfiles: { providerId: 0, issuerCalendarId, startDayId: 1, numberOfDays: 0 },
    getWeekProfiles: { providerId: 0, issuerCalendarId, startWeekId: 1, numberOfWeeks: 0 },
    getSeasons: { providerId: 0, issuerCalendarId },
    getSpecialDays: { startTime: 0, numberOfEvents: 0, calendarType, providerId: 0, issuerCalendarId },
  };
}

const ascii = (s: string): string => toHex(new TextEncoder().encode(s));

/** GBZ Credit Adjustment (GCS40a-d): adjustment type by mode and action, now. */
function creditAdjustment(type: number) {
  return (i: BuildInput<B>) => {
    const a = i.body.balance.value;
    return {
      creditAdjustment: {
        issuerEventId: i.issuerEventId(),
        startTime: 0,
        creditAdjustmentType: type,
        creditAdjustmentValue: a.which === 'AdjustMeterBalance' ? a.value : 0,
      },
    };
  };
}
const balanceIs = (mode: string, action: string) => (b: B) =>
  b.balance.which === mode && b.balance.value.which === action;

const onOff = oneOf('Locked', 'Unchanged');
/** ZCL Set Supply Status states (RTDS GCS24): Unchanged 3; Locked 1 (supply off, armed) -- Locked is not in RTDS. */
const SUPPLY_STATE = { Unchanged: 3, Locked: 1 } as const;

function gasFlow(divisor: number) {
  return (i: BuildInput<B>) => ({
    uncontrolledFlowThreshold: {
      providerId: 0,
      issuerEventId: i.issuerEventId(),
      uncontrolledFlowThreshold: i.body.rate.value,
      unitOfMeasure: 1,
      multiplier: 1,
      divisor,
      stabilisationPeriod: i.body.stabilisationPeriod,
      measurementPeriod: i.body.measurementPeriod,
    },
    supplyStatus: {
      issuerEventId: i.issuerEventId(),
      supplyTamperState: SUPPLY_STATE[i.body.supplyTamperState as 'Locked' | 'Unchanged'],
      supplyDepletionState: SUPPLY_STATE[i.body.supplyDepletionState as 'Locked' | 'Unchanged'],
      supplyUncontrolledFlowState: 0,
      loadLimitSupplyState: 3,
    },
  });
}

/** `hh:mm:ss` COSEM time text of seconds since midnight. */
const timeText = (s: number): string =>
  [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, '0')).join(':');

/** One entry of a single-action schedule that runs every day (RTDS ECS37). */
const everyDay = (index: number, script: string, selector: number, at: number) => ({
  index,
  enable: true,
  scriptLogicalName: script,
  scriptSelector: selector,
  switchTime: timeText(at),
  validityWindow: 65535,
  execWeekdays: '1111111',
  execSpecdays: '',
  beginDate: '0000-01-**',
  endDate: '****-**-**',
});

const LABELS = [1, 2, 3, 4, 5] as const;

// ---------------------------------------------------------------- 6.5 voltage

const u32 = int(0, 0xffffffff);
const RMS_ELEMENTS = [
  'RMSExtremeOverVoltageMeasurementPeriod',
  'RMSExtremeOverVoltageThreshold',
  'RMSExtremeUnderVoltageMeasurementPeriod',
  'RMSExtremeUnderVoltageThreshold',
  'RMSVoltageSagMeasurementPeriod',
  'RMSVoltageSagThreshold',
  'RMSVoltageSwellMeasurementPeriod',
  'RMSVoltageSwellThreshold',
] as const;
const PHASE_SETTINGS = group({
  over: one('AverageRMSOverVoltageThreshold', u32),
  under: one('AverageRMSUnderVoltageThreshold', u32),
  period: one('AverageRMSVoltageMeasurementPeriod', u32),
});
const POLY_PHASE = (n: DuisNode, p: string) => {
  const v = group({ phase: one('Phase', int(1, 3)), settings: one('PhaseVoltageSettings', PHASE_SETTINGS) })(
    n,
    p,
  );
  return { phase: v.phase, ...v.settings };
};

/**
 * ECS29a/b/c/d: the four RMS voltage limiters (extreme over, extreme under,
 * sag, swell: threshold and measurement period), per phase the average RMS
 * over/under thresholds and capture period, and the sag/swell counters reset
 * unless RMSVoltageCountersNotReset (RTDS ECS29a, ECS29b, ECS29d). The fields
 * are the row's own (single or polyphase; counters reset or not).
 */
function voltage(useCase: string, poly: boolean, notReset: boolean): Rule<B> {
  const objects = new Set((row(useCase) as DlmsCommandRow).accesses.map((a) => a.object));
  return {
    useCase,
    targets: ESME,
    when: (b, s) => (s.esmeVariant === 'polyphase') === poly && (b.countersNotReset === true) === notReset,
    whenText: `${poly ? 'polyphase' : 'single or twin element'} ESME, counters ${notReset ? 'not ' : ''}reset`,
    fields: (i) => {
      const r = i.body.rms as Record<(typeof RMS_ELEMENTS)[number], number>;
      // xs:choice: the single phase settings or one to three phases
      if ((i.body.single ? 1 : 0) + (i.body.poly.length > 0 ? 1 : 0) !== 1)
        throw new DspBodyInvalidError(
          'exactly one of SinglePhaseVoltageSettings, PolyPhaseVoltageSettings expected',
          'UpdateDeviceConfigurationVoltage',
        );
      const phases: { phase: number; over: number; under: number; period: number }[] = i.body.single
        ? [{ phase: 1, ...i.body.single }]
        : i.body.poly;
      const all: Record<string, unknown> = {
        voltageLimiter1: {
          thresholdNormal: r.RMSExtremeOverVoltageThreshold,
          minOverThresholdDuration: r.RMSExtremeOverVoltageMeasurementPeriod,
        },
        voltageLimiter2: {
          thresholdNormal: r.RMSExtremeUnderVoltageThreshold,
          minOverThresholdDuration: r.RMSExtremeUnderVoltageMeasurementPeriod,
        },
        voltageLimiter3: {
          thresholdNormal: r.RMSVoltageSagThreshold,
          minOverThresholdDuration: r.RMSVoltageSagMeasurementPeriod,
        },
        voltageLimiter4: {
          thresholdNormal: r.RMSVoltageSwellThreshold,
          minOverThresholdDuration: r.RMSVoltageSwellMeasurementPeriod,
        },
      };
      for (const ph of phases) {
        const l = ph.phase === 1 ? '' : `L${ph.phase}`;
        all[`averageRmsVoltageProfile${l}`] = { capturePeriod: ph.period };
        all[`rmsVoltageSwellThreshold${l}`] = { value: ph.over };
        all[`rmsVoltageSagThreshold${l}`] = { value: ph.under };
        all[`rmsVoltageSagCount${l}`] = { reset: 0 };
        all[`rmsVoltageSwellCount${l}`] = { reset: 0 };
      }
      const out: Record<string, unknown> = {};
      for (const o of objects) {
        if (all[o] === undefined)
          throw new DspBodyInvalidError(
            `${useCase} needs the settings of ${o}`,
            'UpdateDeviceConfigurationVoltage',
          );
        out[o] = all[o];
      }
      return out;
    },
  };
}

export const DEVICE_SETTING_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  // ---- 1.5 / 1.7 / 2.5 balance, block counters, emergency credit
  deviceSrv<B>('1.5', {
    choice: { balance: choice({ PrepaymentMode: adjustOrReset, CreditMode: adjustOrReset }) },
    useCases: [
      {
        useCase: 'ECS04a',
        targets: ESME,
        when: balanceIs('PrepaymentMode', 'AdjustMeterBalance'),
        whenText: 'PrepaymentMode/AdjustMeterBalance',
        fields: (i) => ({ meterBalance: { updateAmount: i.body.balance.value.value } }),
      },
      {
        // GBCS V3.1 use-case tables: set_amount_to_value 0 of the meter balance, emergency credit and accumulated debt
        useCase: 'ECS04b',
        targets: ESME,
        when: balanceIs('PrepaymentMode', 'ResetMeterBalance'),
        whenText: 'PrepaymentMode/ResetMeterBalance',
        fields: fixed({
          meterBalance: { setAmountToValue: 0 },
          emergencyCredit: { setAmountToValue: 0 },
          accumulatedDebt: { setAmountToValue: 0 },
        }),
      },
      {
        useCase: 'GCS40a',
        targets: GAS,
        when: balanceIs('PrepaymentMode', 'AdjustMeterBalance'),
        whenText: 'PrepaymentMode/AdjustMeterBalance',
        fields: creditAdjustment(0),
      },
      {
        useCase: 'GCS40b',
        targets: GAS,
        when: balanceIs('PrepaymentMode', 'ResetMeterBalance'),
        whenText: 'PrepaymentMode/ResetMeterBalance (type 1 inferred, no RTDS)',
        fields: creditAdjustment(1),
      },
      {
        useCase: 'GCS40c',
        targets: GAS,
        when: balanceIs('CreditMode', 'AdjustMeterBalance'),
        whenText: 'CreditMode/AdjustMeterBalance',
        fields: creditAdjustment(3),
      },
      {
        useCase: 'GCS40d',
        targets: GAS,
        when: balanceIs('CreditMode', 'ResetMeterBalance'),
        whenText: 'CreditMode/ResetMeterBalance',
        fields: creditAdjustment(2),
      },
    ],
  }),
  // RTDS ECS05: the block counter matrix reset script (selector 99)
  deviceSrv<B>('1.7', {
    useCases: [
      { useCase: 'ECS05', targets: ESME, fields: fixed({ tariffBlockCounterMatrixReset: { execute: 99 } }) },
    ],
  }),
  deviceSrv<B>('2.5', {
    useCases: [
      { useCase: 'ECS09', targets: ESME, fields: fixed({ emergencyCredit: { invokeCredit: 0 } }) },
      {
        useCase: 'GCS06',
        targets: GAS,
        fields: fixed({ selectAvailableEmergencyCredit: { commandIssueDateTime: 0, originatingDevice: 0 } }),
      },
    ],
  }),

  // ---- 3.x messages, tenancy, logs, contact details, PIN
  deviceSrv<B>('3.1', {
    body: { message: one('SupplierMessage', str(1, 116)) },
    useCases: [
      {
        useCase: 'GCS07',
        targets: GAS,
        // message id = the Issuer Event ID; shown now until replaced (duration 0xFFFF) (RTDS GCS07)
        fields: (i) => ({
          displayMessage: {
            messageId: i.issuerEventId(),
            messageControl: 0,
            startTime: 0,
            durationInMinutes: 65535,
            message: i.body.message,
          },
        }),
      },
    ],
  }),
  deviceSrv<B>('3.2', {
    body: { restriction: one('RestrictionDateTime', dateTime) },
    useCases: [
      {
        useCase: 'ECS12',
        targets: ESME,
        fields: (i) => ({
          changeOfTenancyDate: { value: cosemText(i.body.restriction, 'RestrictionDateTime') },
        }),
      },
      {
        useCase: 'GCS09',
        targets: ['GPF'],
        fields: (i) => ({
          changeOfTenancy: {
            providerId: 0,
            issuerEventId: i.issuerEventId(),
            tariffType: 0,
            implementationDateTime: utcSeconds(i.body.restriction, 'RestrictionDateTime'),
            proposedTenancyChangeControl: 0x200,
          },
        }),
      },
    ],
  }),
  deviceSrv<B>('3.3', {
    body: { esmeLog: opt('ESMEEventLogType', oneOf('ESME', 'ALCS')) },
    useCases: [
      // GBCS V3.1 use-case tables (CS11 message template): Clear Event Log Request of the General Event Log
      {
        useCase: 'CS11',
        targets: GAS,
        when: (b) => b.esmeLog === undefined,
        whenText: 'no ESMEEventLogType',
        fields: fixed({ clearEventLog: { logId: 0x03 } }),
      },
      {
        useCase: 'ECS15a',
        targets: ESME,
        when: (b) => b.esmeLog !== 'ALCS',
        whenText: 'ESME',
        fields: fixed({ eventLog: { reset: 0 } }),
      },
      {
        useCase: 'ECS15c',
        targets: ESME,
        when: (b) => b.esmeLog === 'ALCS',
        whenText: 'ALCS',
        fields: fixed({ alcsEventLog: { reset: 0 } }),
      },
    ],
  }),
  deviceSrv<B>('3.4', {
    body: { name: one('SupplierName', str(0, 15)), telephone: one('SupplierTelephoneNumber', str(0, 18)) },
    useCases: [
      {
        useCase: 'ECS16',
        targets: ESME,
        fields: (i) => ({
          supplierTelephone: { value: ascii(i.body.telephone) },
          supplierName: { value: ascii(i.body.name) },
        }),
      },
      {
        // GBCS V3.1 use-case tables (GCS44 message template): Publish Change of Supplier with the name and
        // telephone number, provider ids 0, delivered tariff, now, Provider Change Control 0x00001800
        useCase: 'GCS44',
        targets: GAS,
        fields: (i) => ({
          changeOfSupplier: {
            providerId: 0,
            issuerEventId: i.issuerEventId(),
            tariffType: 0,
            proposedProviderId: 0,
            providerChangeImplementationTime: 0,
            providerChangeControl: 0x1800,
            proposedProviderName: ascii(i.body.name),
            proposedProviderContactDetails: ascii(i.body.telephone),
          },
        }),
      },
    ],
  }),
  // RTDS ECS14: the PIN protection is disabled by an empty PIN; GCS11 (GBCS V3.1 use-case tables): a
  // Request New Password Response with the consumer menu password type, an empty password, duration 0, now
  deviceSrv<B>('3.5', {
    useCases: [
      { useCase: 'ECS14', targets: ESME, fields: fixed({ privacyPin: { value: '' } }) },
      {
        useCase: 'GCS11',
        targets: GAS,
        fields: (i) => ({
          privacyPin: {
            issuerEventId: i.issuerEventId(),
            implementationDateTime: 0,
            durationInMinutes: 0,
            passwordType: 2,
            password: '',
          },
        }),
      },
    ],
  }),

  // ---- 6.x configuration writes
  deviceSrv<B>('6.6', {
    body: {
      calorificValue: one('CalorificValue', scaledDecimal(1)),
      conversionFactor: one('ConversionFactor', scaledDecimal(5)),
    },
    useCases: [
      {
        useCase: 'GCS23',
        targets: GAS,
        // values with their Trailing Digits: 5 decimals (0x50) and 1 decimal (0x10), MJ/m3 (unit 1) (RTDS GCS23)
        fields: (i) => ({
          conversionFactor: {
            issuerEventId: i.issuerEventId(),
            startTime: 0,
            conversionFactor: i.body.conversionFactor,
            conversionFactorTrailingDigit: 0x50,
          },
          calorificValue: {
            issuerEventId: i.issuerEventId(),
            startTime: 0,
            calorificValue: i.body.calorificValue,
            calorificValueUnit: 1,
            calorificValueTrailingDigit: 0x10,
          },
        }),
      },
    ],
  }),
  deviceSrv<B>('6.7', {
    body: {
      rate: alt({ UncontrolledGasFlowRate: int(0, 65535), UncontrolledGasFlowRateDecimal: scaledDecimal(4) }),
      supplyDepletionState: one('SupplyDepletionState', oneOf('Unchanged', 'Locked')),
      supplyTamperState: one('SupplyTamperState', oneOf('Unchanged', 'Locked')),
      stabilisationPeriod: one('StabilisationPeriod', int(0, 255)),
      measurementPeriod: one('MeasurementPeriod', int(0, 65535)),
    },
    useCases: [
      {
        useCase: 'GCS24',
        targets: GAS,
        when: (b) => b.rate.which === 'UncontrolledGasFlowRate',
        whenText: 'UncontrolledGasFlowRate',
        fields: gasFlow(1),
      },
      {
        useCase: 'GCS24a',
        targets: GAS,
        when: (b) => b.rate.which === 'UncontrolledGasFlowRateDecimal',
        whenText: 'UncontrolledGasFlowRateDecimal (1/10000)',
        fields: gasFlow(10000),
      },
    ],
  }),
  deviceSrv<B>('6.12', {
    body: {
      lowMedium: one('LowMediumPowerThreshold', int(0, 0xffffffff)),
      mediumHigh: one('MediumHighPowerThreshold', int(0, 0xffffffff)),
    },
    useCases: [
      {
        useCase: 'ECS34',
        targets: ESME,
        fields: (i) => ({ powerThresholds: { thresholds: [i.body.lowMedium, i.body.mediumHigh] } }),
      },
    ],
  }),
  deviceSrv<B>('6.14.1', {
    body: {
      labels: many(
        'ALCSHCALCSDescription',
        group({ index: attrInt('index', 1, 5), text: one('SwitchDescription', str(0, 22)) }),
        1,
        5,
      ),
    },
    useCases: [
      {
        useCase: 'ECS46a',
        targets: ESME,
        fields: (i) => {
          const out: Record<string, { value: string }> = {};
          for (const l of i.body.labels as { index: number; text: string }[]) {
            if (out[`alcsLabel${l.index}`])
              throw inconsistent(`label ${l.index} given twice`, 'ALCSHCALCSDescription');
            out[`alcsLabel${l.index}`] = { value: l.text };
          }
          return Object.fromEntries(
            LABELS.filter((n) => out[`alcsLabel${n}`]).map((n) => [`alcsLabel${n}`, out[`alcsLabel${n}`]]),
          );
        },
      },
    ],
  }),
  deviceSrv<B>('6.18.1', {
    body: {
      schedule: one(
        'MaximumDemandTimePeriodSchedule',
        group({ start: one('StartTime', timeOfDay), end: one('EndTime', timeOfDay) }),
      ),
    },
    useCases: [
      {
        useCase: 'ECS37',
        targets: ESME,
        // the configurable period's start (selector 1) and end (selector 2) scripts (RTDS ECS37)
        fields: (i) => ({
          maximumDemandConfigurableTimePeriod: {
            entries: [
              everyDay(0, '0-0:10.128.100.255', 1, i.body.schedule.start),
              everyDay(1, '0-0:10.128.100.255', 2, i.body.schedule.end),
            ],
          },
        }),
      },
    ],
  }),
  deviceSrv<B>('6.25', {
    body: { state: one('SupplyTamperState', onOff) },
    useCases: [
      {
        useCase: 'ECS81',
        targets: ESME,
        fields: (i) => ({ supplyTamperState: { value: i.body.state === 'Locked' } }),
      },
    ],
  }),
  deviceSrv<B>('6.26', {
    body: { reset: one('DailyTariffBlockCounterMatrixReset', bool) },
    useCases: [
      {
        useCase: 'ECS48',
        targets: ESME,
        // daily at midnight, or no execution time to stop it (RTDS ECS48: true)
        fields: (i) => ({
          blockCounterMatrixDailyReset: {
            executionTime: i.body.reset ? [{ time: '00:00:00', date: '****-**-**' }] : [],
          },
        }),
      },
    ],
  }),
  deviceSrv<B>('6.27', {
    useCases: [
      {
        useCase: 'ECS29e',
        targets: ESME,
        when: notPoly,
        whenText: 'single or twin element ESME',
        fields: fixed({ rmsVoltageSagCount: { reset: 0 }, rmsVoltageSwellCount: { reset: 0 } }),
      },
      {
        useCase: 'ECS29f',
        targets: ESME,
        when: isPoly,
        whenText: 'polyphase ESME',
        fields: fixed({
          rmsVoltageSagCount: { reset: 0 },
          rmsVoltageSwellCount: { reset: 0 },
          rmsVoltageSagCountL2: { reset: 0 },
          rmsVoltageSwellCountL2: { reset: 0 },
          rmsVoltageSagCountL3: { reset: 0 },
          rmsVoltageSwellCountL3: { reset: 0 },
        }),
      },
    ],
  }),
  deviceSrv<B>('6.29', {
    useCases: [
      {
        useCase: 'DBCH05',
        targets: CHF,
        originator: 'acb',
        fields: fixed({ subGhzChannelScanRequest: { value: 0 } }),
      },
    ],
  }),

  // ---- 6.5 voltage configuration
  deviceSrv<B>('6.5', {
    body: {
      rms: one('RMSVoltageSettings', group(Object.fromEntries(RMS_ELEMENTS.map((e) => [e, one(e, u32)])))),
      single: opt('SinglePhaseVoltageSettings', PHASE_SETTINGS),
      poly: many('PolyPhaseVoltageSettings', POLY_PHASE, 0, 3),
      countersNotReset: opt('RMSVoltageCountersNotReset', empty),
    },
    useCases: [
      voltage('ECS29a', false, false),
      voltage('ECS29c', false, true),
      voltage('ECS29b', true, false),
      voltage('ECS29d', true, true),
    ],
  }),

  // ---- 4.4.4 debt payments log
  deviceSrv<B>('4.4.4', {
    body: PERIOD,
    useCases: [
      // ESME: the debt payments log read by range over the period (ECS20a, inferred row)
      read('ECS20a', ESME),
      {
        useCase: 'GCS15d',
        targets: GAS,
        originator: 'acb',
        // the ten debt payments of debt type 2 from StartDateTime to EndDateTime (RTDS GCS15d, ACB-originated)
        fields: (i) => ({
          getDebtRepaymentLog: {
            latestEndTime: utcSeconds(i.body.period.end, 'ReadLogPeriod/EndDateTime'),
            numberOfDebts: 10,
            debtType: 2,
            fromDateTime: utcSeconds(i.body.period.start, 'ReadLogPeriod/StartDateTime'),
          },
        }),
      },
    ],
  }),

  // ---- 14.1 record network data (gas)
  deviceSrv<B>('14.1', {
    useCases: [
      {
        useCase: 'GCS31',
        targets: GAS,
        originator: 'acb',
        // start now, sample type 0, every 6 minutes, 41 samples (4 hours) (RTDS GCS31)
        fields: (i) => ({
          startSampling: {
            issuerEventId: i.issuerEventId(),
            startSamplingTime: 0,
            sampleType: 0,
            sampleRequestInterval: 360,
            maxNumberOfSamples: 41,
          },
        }),
      },
    ],
  }),
];
