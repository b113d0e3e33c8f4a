/**
 * GSME and GPF use cases (GBZ: ZigBee SE commands in GBCS, GBCS 7.2.10 and
 * the GCS use-case tables), one row per Message Code. Codes and names: the
 * GBCS Message Code table. Components and response commands: read off the
 * RTDS reference messages where RTDS has the use case (`confirmed: 'rtds'`,
 * checked by use-cases.test.ts on every RTDS message of the code); elsewhere
 * from the SE cluster the use case acts on (`confirmed: 'unconfirmed'`: no
 * reference message to check the component list against), or with no
 * payload shape at all where the ZCL commands could not be established
 * (`gbzPayloadUnknown`: listed with its facts, encode/decode refuse it).
 */
import { FC, type GbzComponentSpec, type GbzResponseSpec, gbzAlert, gbzCommand } from '../gbz-row.ts';
import type { DeviceTarget } from '../row.ts';
import { roleFields } from './roles.ts';

type Extra = {
  confirmed?: 'rtds' | 'gbcs-text' | 'unconfirmed';
  targets?: readonly DeviceTarget[];
  alerts?: readonly number[];
  aliases?: readonly string[];
  /** where the payload comes from (row.ts `note`) */
  note?: string;
};

function gsme<const U extends string, const C extends readonly GbzComponentSpec[]>(
  code: number,
  useCase: U,
  name: string,
  srv: string | null,
  critical: boolean,
  command: C,
  response: readonly GbzResponseSpec[],
  extra: Extra = {},
) {
  return gbzCommand({
    code,
    useCase,
    name,
    targets: extra.targets ?? ['GSME'],
    critical,
    srvs: srv ? [srv] : [],
    ...roleFields(useCase),
    confirmed: extra.confirmed ?? 'rtds',
    ...(extra.alerts ? { alerts: extra.alerts } : {}),
    ...(extra.aliases ? { aliases: extra.aliases } : {}),
    ...(extra.note ? { note: extra.note } : {}),
    command,
    response,
  });
}

/** A component of a command. */
const c = <
  const N extends string,
  const CL extends GbzComponentSpec['cluster'],
  const CMD extends string,
  const E extends {
    attributes?: readonly number[];
    repeated?: true;
    optional?: true;
    fromDateTime?: true;
  } = Record<never, never>,
>(
  name: N,
  cluster: CL,
  command: CMD,
  frameControl: number,
  extra?: E,
) =>
  ({ name, cluster, command, frameControl, ...(extra as E) }) as {
    readonly name: N;
    readonly cluster: CL;
    readonly command: CMD;
    readonly frameControl: number;
  } & E;

const read = <const N extends string, const CL extends GbzComponentSpec['cluster']>(
  name: N,
  cluster: CL,
  attributes: readonly number[],
) => c(name, cluster, 'readAttributes', FC.generalToServer, { attributes });

const r = (cluster: GbzResponseSpec['cluster'], command: string, encrypted?: true): GbzResponseSpec =>
  encrypted ? { cluster, command, encrypted } : { cluster, command };
/** A response command sent with disable default response set (RTDS GCS03, GCS21b: 0x19). */
const rNoDefault = (cluster: GbzResponseSpec['cluster'], command: string): GbzResponseSpec => ({
  cluster,
  command,
  frameControl: FC.toClientNoDefault,
});

/** Future-dated execution alerts (GBCS: 8F66 actioned, 8F67 not actioned; RTDS GCS01b, GCS03). */
const FUTURE_DATED = [0x8f66, 0x8f67] as const;
const GSME_GPF: readonly DeviceTarget[] = ['GSME', 'GPF'];
const UNCONFIRMED = { confirmed: 'unconfirmed' } as const;

/** GCS25 / GCS25a (GBCS V3.1 message templates): the billing period and the block period that mirrors it. */
const BILLING_CALENDAR = [
  c('billingPeriod', 'price', 'publishBillingPeriod', FC.toClient),
  c('blockPeriod', 'price', 'publishBlockPeriod', FC.toClient),
] as const;
const BILLING_CALENDAR_RESPONSE = [r('price', 'defaultResponse')] as const;

export const GSME_ROWS = [
  // ---- prices and tariffs (1.x)
  gsme(
    0x006b,
    'GCS01a',
    'Set Tariff and Price on GSME',
    '1.1.1',
    true,
    // GBCS V3.1 use-case tables (pair "Set Tariff and Price": SME.C.C, future-dated, Service Reference
    // 1.1, Supplier; GCS01a message template): the calendar first (Publish Calendar, 1-4 Day Profiles,
    // 1-2 Week Profiles, Seasons, Special Days: Calendar 0x0707), then Publish Tariff Information,
    // Publish Block Thresholds (absent when the tariff information has no block thresholds in use),
    // Publish Price Matrix (Price 0x0700): 7-12 components, frame control 0x09, none with a From Date
    // Time; one Default Response each (frame control 0x00). A future Start Time of the calendar makes
    // the GSME alert 8F66/8F67 when it acts
    [
      c('calendar', 'calendar', 'publishCalendar', FC.toClient),
      c('dayProfiles', 'calendar', 'publishDayProfile', FC.toClient, { repeated: true }),
      c('weekProfiles', 'calendar', 'publishWeekProfile', FC.toClient, { repeated: true }),
      c('seasons', 'calendar', 'publishSeasons', FC.toClient),
      c('specialDays', 'calendar', 'publishSpecialDays', FC.toClient),
      c('tariffInformation', 'price', 'publishTariffInformation', FC.toClient),
      c('blockThresholds', 'price', 'publishBlockThresholds', FC.toClient, { optional: true }),
      c('priceMatrix', 'price', 'publishPriceMatrix', FC.toClient),
    ],
    [r('price', 'defaultResponse'), r('calendar', 'defaultResponse')],
    { confirmed: 'gbcs-text', alerts: FUTURE_DATED },
  ),
  gsme(
    0x00a3,
    'GCS01b',
    'Set Price on GSME',
    '1.2.1',
    true,
    [
      c('tariffInformation', 'price', 'publishTariffInformation', FC.toClient),
      c('priceMatrix', 'price', 'publishPriceMatrix', FC.toClient),
    ],
    [r('price', 'defaultResponse')],
    { alerts: FUTURE_DATED },
  ),
  gsme(
    0x006c,
    'GCS02',
    'Set GSME Payment Mode to Credit',
    '1.6',
    true,
    // GBCS V3.1 use-case tables (pair "Set Payment Mode to Credit": SME.C.C, future-dated, Service
    // Reference 1.6, Supplier; GCS02 message template): Change Payment Mode (Prepayment 0x0705, 0x06,
    // frame control 0x01): Implementation Date/Time (0 now, 0xFFFFFFFF cancel), Proposed Payment
    // Control Configuration 0x0C94 (credit), Cut Off Value 0xFFFFFFFF (unchanged); answered by Change
    // Payment Mode Response (0-1, frame control 0x19) or a Default Response
    [c('changePaymentMode', 'prepayment', 'changePaymentMode', FC.toServer)],
    [rNoDefault('prepayment', 'changePaymentModeResponse')],
    { confirmed: 'gbcs-text', alerts: FUTURE_DATED },
  ),
  gsme(
    0x006d,
    'GCS03',
    'Set GSME Payment Mode to Prepayment',
    '1.6',
    true,
    [c('changePaymentMode', 'prepayment', 'changePaymentMode', FC.toServer)],
    [rNoDefault('prepayment', 'changePaymentModeResponse')],
    { alerts: FUTURE_DATED },
  ),
  gsme(
    0x0086,
    'GCS40a',
    'Adjust Prepayment Mode Meter Balance on the GSME',
    '1.5',
    true,
    [c('creditAdjustment', 'prepayment', 'creditAdjustment', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
  ),
  gsme(
    0x00b4,
    'GCS40b',
    'Reset Prepayment Mode Meter Balance on the GSME',
    '1.5',
    true,
    // GBCS V3.1 use-case tables (pair "Adjust Prepayment Mode Meter Balance: Reset": SME.C.C, not
    // future-dated, Service Reference 1.5, Supplier; GCS40b message template): Credit Adjustment
    // (Prepayment 0x0705, 0x05, frame control 0x01), Start Time 0, Credit Adjustment Type 1
    // (absolute), value 0; a Default Response
    [c('creditAdjustment', 'prepayment', 'creditAdjustment', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x00c0,
    'GCS40c',
    'Adjust Credit Mode Meter Balance on the GSME',
    '1.5',
    true,
    [c('creditAdjustment', 'prepayment', 'creditAdjustment', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
  ),
  gsme(
    0x00c2,
    'GCS40d',
    'Reset Credit Mode Meter Balance on the GSME',
    '1.5',
    true,
    [c('creditAdjustment', 'prepayment', 'creditAdjustment', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
  ),

  // ---- prepayment (2.x)
  gsme(
    0x0097,
    'CS01b',
    'Apply Prepayment Top Up to a GSME',
    '2.2',
    false,
    [c('consumerTopUp', 'prepayment', 'consumerTopUp', FC.toServer)],
    [r('prepayment', 'consumerTopUpResponse')],
    { alerts: [0x8f63, 0x8f64, 0x8f51, 0x8f5b] },
  ),
  gsme(
    0x006e,
    'GCS04',
    'Manage Debt on the GSME',
    '2.3',
    true,
    // GBCS V3.1 use-case tables (pair "Debt Management": SME.C.C, not future-dated, Service Reference
    // 2.3, Supplier; GCS04 message template): three Change Debt (Prepayment 0x0705, 0x02, frame control
    // 0x01, no From Date Time): Time Debt 1 (Debt Amount Type 1, recovery method 0, frequency 0 hourly /
    // 1 daily), Time Debt 2 (type 3, method 0), Payment Debt (type 5, method 1, frequency 0x01, amount
    // 0, balance percentage); label empty, recovery start time 0, collection time 0; a Default Response
    // each (INVALID_VALUE for a frequency other than 0x00, 0x01, 0xFF)
    [c('changeDebt', 'prepayment', 'changeDebt', FC.toServer, { repeated: true })],
    [r('prepayment', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x006f,
    'GCS05',
    'Update Prepayment Configurations on GSME',
    '2.1',
    true,
    // the prepayment settings, then the friendly credit (non-disablement) calendar: ZCL Calendar
    // type 3, as the RTDS GCS21b response reads it back (DUIS 2.1 GasNonDisablementCalendar).
    // Order, the From Date Time of Set Low Credit Warning Level (Extended Header Control 0x10) and the
    // counts (1-5 Day Profiles, 0-2 Week Profiles: 8-14 components): GBCS V3.1 use-case tables (GCS05
    // message template; use case: Target GSME, GPF gas tap-off)
    [
      c('emergencyCreditSetup', 'prepayment', 'emergencyCreditSetup', FC.toServer),
      c('overallDebtCap', 'prepayment', 'setOverallDebtCap', FC.toServer),
      c('lowCreditWarningLevel', 'prepayment', 'setLowCreditWarningLevel', FC.toServer, {
        fromDateTime: true,
      }),
      c('maximumCreditLimit', 'prepayment', 'setMaximumCreditLimit', FC.toServer),
      c('calendar', 'calendar', 'publishCalendar', FC.toClient),
      c('dayProfiles', 'calendar', 'publishDayProfile', FC.toClient, { repeated: true }),
      c('weekProfiles', 'calendar', 'publishWeekProfile', FC.toClient, { repeated: true, optional: true }),
      c('seasons', 'calendar', 'publishSeasons', FC.toClient),
      c('specialDays', 'calendar', 'publishSpecialDays', FC.toClient),
    ],
    [r('prepayment', 'defaultResponse'), r('calendar', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0070,
    'GCS06',
    'Activate Emergency Credit Remotely on GSME',
    '2.5',
    true,
    [c('selectAvailableEmergencyCredit', 'prepayment', 'selectAvailableEmergencyCredit', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
  ),

  // ---- messages, tenancy, privacy (3.x)
  gsme(
    0x0071,
    'GCS07',
    'Send Message to GSME',
    '3.1',
    false,
    [c('displayMessage', 'messaging', 'displayMessage', FC.toClient)],
    [r('messaging', 'defaultResponse')],
  ),
  gsme(
    0x0072,
    'GCS09',
    'Set Change of Tenancy Date on GPF',
    '3.2',
    false,
    [c('changeOfTenancy', 'deviceManagement', 'publishChangeOfTenancy', FC.toClient)],
    [r('deviceManagement', 'defaultResponse')],
    { targets: ['GPF'] },
  ),
  // GBCS V3.1 use-case tables: Device Management Request New Password Response (consumer menu password
  // type, empty password, duration 0, now), answered by a Default Response
  gsme(
    0x0073,
    'GCS11',
    'Disable Privacy PIN Protection on GSME',
    '3.5',
    false,
    [c('privacyPin', 'deviceManagement', 'requestNewPasswordResponse', FC.toClient)],
    [r('deviceManagement', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0015,
    'CS11',
    'Clear ZigBee Device Event Log',
    '3.3',
    false,
    // GBCS V3.1 use-case tables (pair "Clear Event Log", CS11 message template): SME.C.NC, not
    // future-datable, the ZigBee device's own General Event Log (Log ID 0x03; the Security Log may not
    // be cleared remotely); Clear Event Log Response ClearedEventsLogs 0x08 cleared / 0x00 not
    [c('clearEventLog', 'events', 'clearEventLogRequest', FC.toServer)],
    [r('events', 'clearEventLogResponse'), r('events', 'defaultResponse')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),

  // ---- reads (4.x)
  gsme(
    0x0074,
    'GCS13a',
    'Read GSME Consumption Register',
    '4.1.1',
    false,
    [read('readMetering', 'metering', [0x0302, 0x0301, 0x0300, 0x0000])],
    [r('metering', 'readAttributesResponse', true), r('metering', 'readAttributesResponse')],
    { targets: GSME_GPF },
  ),
  gsme(
    0x00b6,
    'GCS13c',
    'Read GSME Register (TOU)',
    '4.1.2',
    false,
    [read('readMetering', 'metering', [0x0302, 0x0301, 0x0300, 0x0100, 0x0102, 0x0104, 0x0106])],
    [r('metering', 'readAttributesResponse', true), r('metering', 'readAttributesResponse')],
    { targets: GSME_GPF },
  ),
  gsme(
    0x00b8,
    'GCS13b',
    'Read GSME Block Counters',
    '4.1.4',
    false,
    [read('readMetering', 'metering', [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300])],
    [r('metering', 'readAttributesResponse', true), r('metering', 'readAttributesResponse')],
    { targets: GSME_GPF },
  ),
  gsme(
    0x0075,
    'GCS14',
    'Read GSME Prepayment Registers',
    '4.3',
    false,
    [
      read('readPrice', 'price', [0x0617, 0x0616]),
      read('readPrepayment', 'prepayment', [0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221]),
    ],
    [
      r('price', 'readAttributesResponse'),
      r('prepayment', 'readAttributesResponse', true),
      r('prepayment', 'readAttributesResponse'),
    ],
    { targets: GSME_GPF },
  ),
  gsme(
    0x00c3,
    'GCS15b',
    'Read GSME Billing Data Log (change of mode / tariff triggered)',
    '4.4.2',
    false,
    [
      c('getPrepaySnapshot', 'prepayment', 'getPrepaySnapshot', FC.toServer, { repeated: true }),
      c('getSnapshot', 'metering', 'getSnapshot', FC.toServer, { repeated: true }),
    ],
    [r('prepayment', 'publishPrepaySnapshot', true), r('metering', 'publishSnapshot', true)],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x0076,
    'GCS15c',
    'Read GSME Billing Data Log (billing calendar triggered)',
    '4.4.3',
    false,
    [
      c('getSnapshot', 'metering', 'getSnapshot', FC.toServer, { repeated: true }),
      c('getPrepaySnapshot', 'prepayment', 'getPrepaySnapshot', FC.toServer, { repeated: true }),
    ],
    [r('prepayment', 'publishPrepaySnapshot', true), r('metering', 'publishSnapshot', true)],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x00c4,
    'GCS15d',
    'Read GSME Billing Data Log (payment-based debt payments)',
    '4.4.4',
    false,
    [c('getDebtRepaymentLog', 'prepayment', 'getDebtRepaymentLog', FC.toServer, { fromDateTime: true })],
    [r('prepayment', 'publishDebtLog', true)],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x00c5,
    'GCS15e',
    'Read GSME Billing Data Log (prepayment credits)',
    '4.4.5',
    false,
    [c('getTopUpLog', 'prepayment', 'getTopUpLog', FC.toServer, { fromDateTime: true })],
    // GBCS V3.1 use-case tables (GCS15e message template): Get Top Up Log with a From Date Time
    // (extended header control 0x11), Number of Records 5; the Publish Top Up Log is NOT
    // payload-encrypted (unlike GCS15d's Publish Debt Log), sent with disable default response, or a
    // Default Response NOT_FOUND when no record matches
    [rNoDefault('prepayment', 'publishTopUpLog')],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),
  gsme(
    0x0077,
    'GCS16a',
    'Read GSME Daily Read Log(s)',
    '4.6.1',
    false,
    [c('getSnapshot', 'metering', 'getSnapshot', FC.toServer, { repeated: true })],
    [r('metering', 'publishSnapshot', true)],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x0096,
    'GCS16b',
    'Read GSME Daily Read Log(s) (prepayment)',
    '4.14',
    false,
    [c('getPrepaySnapshot', 'prepayment', 'getPrepaySnapshot', FC.toServer, { repeated: true })],
    [r('prepayment', 'publishPrepaySnapshot', true)],
    { targets: GSME_GPF },
  ),
  gsme(
    0x0078,
    'GCS17',
    'Read GSME Profile Data Log',
    '4.8.1',
    false,
    [c('getSampledData', 'metering', 'getSampledData', FC.toServer)],
    [r('metering', 'getSampledDataResponse', true)],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x0079,
    'GCS18',
    'Read Gas Network Data Log',
    '4.10',
    false,
    [c('getSampledData', 'metering', 'getSampledData', FC.toServer)],
    [r('metering', 'getSampledDataResponse', true)],
  ),
  gsme(
    0x008d,
    'GCS60',
    'Read Meter Balance for GSME',
    '4.18',
    false,
    [read('readMetering', 'metering', [0x0a00]), read('readPrepayment', 'prepayment', [0x0001])],
    [r('metering', 'readAttributesResponse'), r('prepayment', 'readAttributesResponse')],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x00a0,
    'GCS61',
    'Read Gas Daily Consumption Log',
    '4.17',
    false,
    // GBCS V3.1 use-case tables (GCS61, message template): Target GPF only; Get Sampled Data with
    // Sample ID 1 (the Daily Consumption Log), Sample Type 0, 1-731 samples; the response
    // payload-encrypted (frame control 0x19), Sample Request Interval 0xFFFF meaning 24 hours, or a
    // Default Response NOT_FOUND in clear
    [c('getSampledData', 'metering', 'getSampledData', FC.toServer)],
    [r('metering', 'getSampledDataResponse', true)],
    { confirmed: 'gbcs-text', targets: ['GPF'] },
  ),
  gsme(
    0x00b5,
    'GCS21b',
    'Read GSME Configuration Data Prepayment',
    '4.13',
    false,
    [
      read(
        'readPrepayment',
        'prepayment',
        [0x0239, 0x0006, 0x0216, 0x0226, 0x0040, 0x0010, 0x0011, 0x0031, 0x0021, 0x0022, 0x0217, 0x0227],
      ),
      read('readPrice', 'price', [0x0617]),
      c('getDayProfiles', 'calendar', 'getDayProfiles', FC.toServer),
      c('getWeekProfiles', 'calendar', 'getWeekProfiles', FC.toServer),
      c('getSeasons', 'calendar', 'getSeasons', FC.toServer),
      c('getSpecialDays', 'calendar', 'getSpecialDays', FC.toServer),
    ],
    [
      r('prepayment', 'readAttributesResponse'),
      r('price', 'readAttributesResponse'),
      rNoDefault('calendar', 'publishDayProfile'),
      rNoDefault('calendar', 'publishWeekProfile'),
      rNoDefault('calendar', 'publishSeasons'),
      rNoDefault('calendar', 'publishSpecialDays'),
    ],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),

  // ---- configuration (6.x)
  // DUIS 6.2.8 Read Device Configuration (Gas), GBCS V3.1 use-case tables (GCS21a message template):
  // Read Attributes of the Price cluster's commodity attributes (what GCS23 sets: calorific value
  // trailing digit, unit, value, conversion factor trailing digit, value) and of the Metering
  // cluster's supply control attributes (what GCS24 sets: uncontrolled flow divisor, multiplier,
  // unit, threshold, stabilisation and measurement periods), both answered in clear
  gsme(
    0x007b,
    'GCS21a',
    'Read Gas Configuration Data Device Information',
    '6.2.8',
    false,
    [
      read('readPrice', 'price', [0x0306, 0x0305, 0x0304, 0x0303, 0x0302]),
      read('readMetering', 'metering', [0x0b13, 0x0b12, 0x0b11, 0x0b10, 0x0b14, 0x0b15]),
    ],
    [r('price', 'readAttributesResponse'), r('metering', 'readAttributesResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x009d,
    'GCS21d',
    'Read GSME Configuration Data Device Information (Billing Calendar)',
    '6.2.3',
    false,
    [c('getBillingPeriod', 'price', 'getBillingPeriod', FC.toServer)],
    [r('price', 'publishBillingPeriod')],
    // not in GBCS V3.1's use-case tables (its pair "Read Configuration Data Device Information (Billing
    // Calendar)" holds GCS21k only): the payload is GCS21k's, by analogy
    {
      ...UNCONFIRMED,
      note: "defined in neither use-case file: V3.1 (00ed2ddf) has GCS21k for 6.2.3, and the later file (c5d22f4e) lists GBZ message templates for GCS21a, b, f, j, k, m only (~88,000): the payload is GCS21k's, by analogy",
    },
  ),
  gsme(
    0x009e,
    'GCS21e',
    'Read GSME/GPF Configuration Data Device Information (device identity)',
    '6.2.4',
    false,
    [read('readBasic', 'basic', [0x0004, 0x0005])],
    [r('basic', 'readAttributesResponse')],
    // not in GBCS V3.1's use-case tables (GCS21m is the 6.2.4 GSME read there): the payload is GCS21m's
    // Basic cluster read, by analogy
    {
      ...UNCONFIRMED,
      targets: GSME_GPF,
      note: "defined in neither use-case file: V3.1 (00ed2ddf) has GCS21m for 6.2.4, and the later file (c5d22f4e) lists GBZ message templates for GCS21a, b, f, j, k, m only (~88,000): the payload is GCS21m's Basic cluster read, by analogy",
    },
  ),
  gsme(
    0x009f,
    'GCS21f',
    'Read GSME Tariff Data',
    '4.11.1',
    false,
    // GBCS V3.1 use-case tables (GCS21f message template): Read Attributes of the Price cluster's
    // block threshold divisor/multiplier, Block 1-3 Thresholds, unit of measure, the no-tier block 1-4
    // and tier 1-4 block 1 prices, currency, price trailing digit and standing charge (answered in
    // clear, disable default response), then the delivered (TOU) calendar's Get Day Profiles / Week
    // Profiles / Seasons / Special Days (each answered by its Publish commands or a Default Response
    // NOT_FOUND) and Get Current Price (Publish Price, 0-1): 6 components, 6-10 answers
    [
      read(
        'readPrice',
        'price',
        [
          0x0203, 0x0202, 0x0100, 0x0101, 0x0102, 0x0615, 0x0400, 0x0401, 0x0402, 0x0403, 0x0410, 0x0420,
          0x0430, 0x0440, 0x0616, 0x0617, 0x0301,
        ],
      ),
      c('getDayProfiles', 'calendar', 'getDayProfiles', FC.toServer),
      c('getWeekProfiles', 'calendar', 'getWeekProfiles', FC.toServer),
      c('getSeasons', 'calendar', 'getSeasons', FC.toServer),
      c('getSpecialDays', 'calendar', 'getSpecialDays', FC.toServer),
      c('getCurrentPrice', 'price', 'getCurrentPrice', FC.toServer),
    ],
    [
      { cluster: 'price', command: 'readAttributesResponse', frameControl: FC.generalToClientNoDefault },
      rNoDefault('calendar', 'publishDayProfile'),
      rNoDefault('calendar', 'publishWeekProfile'),
      rNoDefault('calendar', 'publishSeasons'),
      rNoDefault('calendar', 'publishSpecialDays'),
      rNoDefault('price', 'publishPrice'),
    ],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),
  gsme(
    0x00bf,
    'GCS21j',
    'Read GSME Configuration Data Device Information (Payment Mode)',
    '6.2.9',
    false,
    [read('readPrepayment', 'prepayment', [0x0000])],
    [r('prepayment', 'readAttributesResponse')],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x00da,
    'GCS21k',
    'Read GSME Configuration Data Device Information (Billing Calendar, all periodicities)',
    '6.2.3',
    false,
    [c('getBillingPeriod', 'price', 'getBillingPeriod', FC.toServer)],
    [r('price', 'publishBillingPeriod')],
    // GBCS V3.1 use-case table: Target GPF (primary) and GSME
    { targets: GSME_GPF },
  ),
  gsme(
    0x00fb,
    'GCS21m',
    'Read GSME Configuration Data Device Information (identity, type and supply tamper / depletion state)',
    '6.2.4',
    false,
    [read('readBasic', 'basic', [0x0004, 0x0005]), read('readMetering', 'metering', [0x0608, 0x0607])],
    [r('basic', 'readAttributesResponse'), r('metering', 'readAttributesResponse')],
  ),
  // GBCS V3.1 use-case tables (pair "Set Alert Behaviours - Supplier": SME.C.NC, not future-dated,
  // Service Reference 6.22, Supplier; GCS20 message template): 1-n Set Event Configuration (Device
  // Management 0x0708, 0x04, frame control 0x09), one per event list with its value, each answered by a
  // Default Response (frame control 0x00)
  gsme(
    0x00ad,
    'GCS20',
    'Set Alert Behaviours - GSME',
    '6.22',
    false,
    [
      c('setEventConfiguration', 'deviceManagement', 'setEventConfiguration', FC.toClient, {
        repeated: true,
      }),
    ],
    [r('deviceManagement', 'defaultResponse')],
    {
      confirmed: 'gbcs-text',
      note: 'GBCS V3.1 use-case tables (pair ~956,500, GCS20 table ~957,800, message template ~1,654,000): SME.C.NC, not future-dated, SRV 6.22, Supplier; 1-n SetEventConfiguration (0x0708 cmd 0x04, frame control 0x09): Issuer Event ID, Start Date/Time 0 (now), Event Configuration BITMAP8 (bits 0-2 0b000 no log or 0b011 log, bit 3 WAN alert, bit 4 HAN alert, bit 5 0, bit 6 alarm, bit 7 0), Configuration Control 0x00 (apply by list), the Apply by List event ids (Alert Codes of GBCS section 16); 1-n Default Responses (frame control 0x00, command 0x04)',
    },
  ),
  gsme(
    0x00f1,
    'GCS20r',
    'Read Non-Critical Event and Alert Behaviours - GSME - Supplier',
    '6.2.10',
    false,
    [c('getEventConfiguration', 'deviceManagement', 'getEventConfiguration', FC.toClient)],
    [r('deviceManagement', 'reportEventConfiguration')],
  ),
  gsme(
    0x007c,
    'GCS23',
    'Set CV and Conversion Factor Value(s) on the GSME',
    '6.6',
    true,
    [
      c('conversionFactor', 'price', 'publishConversionFactor', FC.toClient),
      c('calorificValue', 'price', 'publishCalorificValue', FC.toClient),
    ],
    [r('price', 'defaultResponse')],
  ),
  gsme(
    0x007d,
    'GCS24',
    'Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME',
    '6.7',
    true,
    [
      c('uncontrolledFlowThreshold', 'metering', 'setUncontrolledFlowThreshold', FC.toServer),
      c('supplyStatus', 'metering', 'setSupplyStatus', FC.toServer),
    ],
    [r('metering', 'defaultResponse')],
  ),
  gsme(
    0x00fc,
    'GCS24a',
    'Set Uncontrolled Gas Flow Rate (greater resolution) and Supply Tamper State on the GSME',
    '6.7',
    true,
    [
      c('uncontrolledFlowThreshold', 'metering', 'setUncontrolledFlowThreshold', FC.toServer),
      c('supplyStatus', 'metering', 'setSupplyStatus', FC.toServer),
    ],
    [r('metering', 'defaultResponse')],
  ),
  // GBCS V3.1 use-case tables: GCS25 (pair "Set Billing Calendar") is only retained as a Comms Hub
  // requirement of the GPF gas tap-off: Target None, Remote Party Role (none), so no party sends it
  // (SME.C.C, not future-dated, Service Reference 6.8); its message template is GCS25a's with the
  // duration fixed at 1 (day, week or month)
  gsme(
    0x007e,
    'GCS25',
    'Set Billing Calendar on the GSME',
    '6.8',
    true,
    BILLING_CALENDAR,
    BILLING_CALENDAR_RESPONSE,
    {
      confirmed: 'gbcs-text',
    },
  ),
  // GBCS V3.1 use-case tables (pair "Set Billing Calendar - all periodicities", GCS25a message
  // template): SME.C.C, not future-dated, Service Reference 6.8, Supplier; Target GSME (and the GPF
  // gas tap-off). Publish Billing Period (duration 1, 3, 6 or 12 months, else 1 day / week; duration
  // type low nibble 1 days, 2 weeks, 3 months, high nibble 2 'not specified'; tariff type 0) then
  // Publish Block Period with the same start, duration and type (control 0b10 repeating, tariff
  // resolution period 0x01 block period); a Default Response each
  gsme(
    0x00d8,
    'GCS25a',
    'Set Billing Calendar on the GSME - all periodicities',
    '6.8',
    true,
    BILLING_CALENDAR,
    BILLING_CALENDAR_RESPONSE,
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0087,
    'GCS41',
    'Set MPRN Value on the GSME',
    '6.20.1',
    false,
    // GBCS V3.1 use-case tables (GCS41 message template): Device Management Update SiteID (issuer event
    // id, SiteID Time 0 = now, provider id 0, the MPRN), answered by a Default Response
    [c('siteId', 'deviceManagement', 'updateSiteId', FC.toClient)],
    [r('deviceManagement', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0088,
    'GCS44',
    'Write Contact Details on GSME',
    '3.4',
    false,
    // GBCS V3.1 use-case tables (GCS44 message template): Device Management Publish Change of Supplier
    // carrying the supplier's name and telephone number (provider ids 0, tariff type 0, implementation
    // time 0 = now, Provider Change Control 0x00001800), answered by a Default Response
    [c('changeOfSupplier', 'deviceManagement', 'publishChangeOfSupplier', FC.toClient)],
    [r('deviceManagement', 'defaultResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0089,
    'GCS46',
    'Read MPRN on the GSME',
    // DUIS 6.2.7 Read Device Configuration (MPxN) (6.20.2 sets an ESME's export MPAN)
    '6.2.7',
    false,
    // GBCS V3.1 use-case tables (GCS46 message template): Read Attributes of the Metering SiteID 0x0307
    // (OCTETSTRING, the MPRN GCS41 sets), answered in clear; Target GPF (primary) and GSME
    [read('readMetering', 'metering', [0x0307])],
    [r('metering', 'readAttributesResponse')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),
  gsme(
    0x0014,
    'CS10a',
    'Read ZigBee Device Event Log',
    '6.13',
    false,
    // GBCS V3.1 use-case tables (CS10a message template): Target ZigBee Device; Get Event Log of Event
    // Control / Log ID 0x13 (the device's General Event Log) or 0x16 (the GPF's copy of the GSME's),
    // all events, from offset 0; Publish Event Log in clear (frame control 0x19, one command, Log
    // Payload Control 0x00), or a Default Response NOT_FOUND
    [c('getEventLog', 'events', 'getEventLog', FC.toServer)],
    [rNoDefault('events', 'publishEventLog')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),
  gsme(
    0x00a1,
    'CS10b',
    'Read ZigBee Device Security Log',
    '6.13',
    false,
    // GBCS V3.1 use-case tables (CS10b message template): as CS10a with Log ID 0x04 (the device's
    // Security Event Log) or 0x07 (the GPF's copy of the GSME's), Event Data 0x00
    [c('getEventLog', 'events', 'getEventLog', FC.toServer)],
    [rNoDefault('events', 'publishEventLog')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),

  // ---- supply (7.x)
  gsme(
    0x0081,
    'GCS32',
    'Remotely Close the Valve in the GSME',
    '7.2',
    true,
    // GBCS V3.1 use-case tables (pair "Remotely Open the Load Switch / close Valve": SME.C.C, not
    // future-dated, Service Reference 7.2, Supplier; GCS32 message template): Change Supply (Metering
    // 0x0702, 0x0B): Provider ID 0, Request Date/Time 0, Implementation Date/Time 0 (now), Proposed
    // Supply Status 0x00 (close valve), Supply Control Bits 0x01 (acknowledgement required); answered
    // by Supply Status Response (0-1, frame control 0x09, status 0x00 closed) or a Default Response
    [c('changeSupply', 'metering', 'changeSupply', FC.toServer)],
    [r('metering', 'supplyStatusResponse')],
    { confirmed: 'gbcs-text' },
  ),
  gsme(
    0x0085,
    'GCS39',
    'Arm Valve in GSME',
    '7.3',
    true,
    [c('changeSupply', 'metering', 'changeSupply', FC.toServer)],
    [r('metering', 'supplyStatusResponse')],
  ),
  gsme(
    0x0082,
    'GCS33',
    'Read GSME Valve Status',
    '7.4',
    false,
    // GBCS V3.1 use-case tables (GCS33 message template): Read Attributes of the Metering
    // RemainingBatteryLifeinDays 0x0205 (UINT16) and SupplyStatus 0x0014 (ENUM8), answered in clear;
    // Target GPF (primary) and GSME
    [read('readMetering', 'metering', [0x0205, 0x0014])],
    [r('metering', 'readAttributesResponse')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),

  // ---- CIN, firmware, network data
  gsme(
    0x0083,
    'GCS36',
    'Send CIN to GSME',
    '9.1',
    false,
    [c('updateCin', 'deviceManagement', 'updateCin', FC.toClient)],
    [r('deviceManagement', 'defaultResponse')],
  ),
  gsme(
    0x0084,
    'GCS38',
    'Read GSME Firmware Version',
    '11.2',
    false,
    // GBCS V3.1 use-case table: FirmwareVersion is Metering 0x0702 attribute 0x0206 CurrentMeterID
    // (OCTETSTRING, the four octets of the OTA File Version), Target GPF (primary) and GSME
    [read('readMetering', 'metering', [0x0206])],
    [r('metering', 'readAttributesResponse')],
    { confirmed: 'gbcs-text', targets: GSME_GPF },
  ),
  gsme(
    0x0080,
    'GCS31',
    'Start Network Data Log on GSME',
    '14.1',
    false,
    [c('startSampling', 'metering', 'startSampling', FC.toServer)],
    [r('metering', 'startSamplingResponse')],
  ),

  // ---- from the PPMID (no SR: device to device on the HAN, GBCS.md 2)
  gsme(
    0x009b,
    'PCS01',
    'Apply Prepayment Top Up to a GSME using PPMID',
    null,
    false,
    [c('consumerTopUp', 'prepayment', 'consumerTopUp', FC.toServer)],
    [r('prepayment', 'consumerTopUpResponse')],
  ),
  gsme(
    0x0090,
    'PCS02',
    'Activate Emergency Credit on GSME from PPMID',
    null,
    false,
    [c('selectAvailableEmergencyCredit', 'prepayment', 'selectAvailableEmergencyCredit', FC.toServer)],
    [r('prepayment', 'defaultResponse')],
  ),
] as const;

function alertRow<const U extends string>(
  code: number,
  useCase: U,
  name: string,
  critical: boolean,
  body: Parameters<typeof gbzAlert>[0]['body'],
  extra: {
    confirmed?: 'rtds' | 'gbcs-text' | 'unconfirmed';
    nameUnconfirmed?: true;
    components?: readonly GbzResponseSpec[];
    alerts?: readonly number[];
    note?: string;
  } = {},
) {
  return gbzAlert({
    code,
    useCase,
    name,
    targets: ['GSME'],
    critical,
    srvs: [],
    roles: [],
    rolesConfirmed: 'gbcs-text',
    confirmed: extra.confirmed ?? 'rtds',
    body,
    ...(extra.nameUnconfirmed ? { nameUnconfirmed: true } : {}),
    ...(extra.components ? { components: extra.components } : {}),
    ...(extra.alerts ? { alerts: extra.alerts } : {}),
    ...(extra.note ? { note: extra.note } : {}),
  });
}

/** GBZ alerts of the GSME (GBCS 16.x): header (alert code, UTC time), then the alert's own body. */
export const GSME_ALERT_ROWS = [
  alertRow(0x00cd, 'FutureDatedAlert-ZigBee', 'Future Dated Execution of Instruction Alert (GBZ)', true, [
    'future-dated',
  ]),
  alertRow(0x00cf, 'FDRA-ZigBee', 'Firmware Distribution Receipt Alert (GSME)', true, ['firmware-hash']),
  alertRow(
    0x00f2,
    'MIIWA-GSME',
    'Meter Integrity Issue Warning Alert - GSME',
    false,
    ['integrity-issue-warning'],
    {
      confirmed: 'unconfirmed',
      note: 'no payload table or GBZ message template for 0x00F2 in either use-case file (V3.1: "See section 16"; the later file\'s template list ~88,000 has none); GBCS section 16 was not found in the public sources searched: the body (alert code 0x81A0, time, a 2-byte integrity issue code) is the GBZ alert body the codec reads for 81A0',
    },
  ),
  // GBCS V3.1 use-case tables (pair "Critical Sensitive Alert (Billing Data Log)", alert 0x8F0A, SME.A.C,
  // as ECS68; GCS53 message template): one payload-encrypted Publish Snapshot (Metering 0x0702, 0x06,
  // frame control 0x19) of the latest End of Billing Period snapshot, Snapshot Payload Type 6
  alertRow(0x008b, 'GCS53', 'Push Billing Data Log as an Alert', true, ['components'], {
    confirmed: 'gbcs-text',
    alerts: [0x8f0a],
    components: [
      {
        cluster: 'metering',
        command: 'publishSnapshot',
        encrypted: true,
        frameControl: FC.toClientNoDefault,
      },
    ],
    note: 'GBCS V3.1 use-case tables (pair ~176,500, GCS53 table ~184,000, message template ~1,939,000): SME.A.C, SRV A1, alert code 0x8F0A (the pair); one component, Publish Snapshot (Metering 0x0702, command 0x06, frame control 0x19, extended header control 0x03), payload-encrypted (security control 0x31, invocation counter 0): Snapshot ID, Snapshot Time, Total Snapshots Found 1, Command Index 0, Total Number of Commands 1, Snapshot Cause, Snapshot Payload Type 6 (Block Tier Information Set Delivered, No Billing: 4 tier summations, 0x14 then 4 tier block summations), AE MAC',
  }),
] as const;
