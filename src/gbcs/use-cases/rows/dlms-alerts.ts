/**
 * Alerts DLMS devices (ESME, CHF) raise as data-notifications (GBCS 16.2):
 * the body is a structure of the Alert Code, the UTC time stamp, then the
 * alert's own data. Shapes read off the RTDS ALERT messages.
 */
import { deviceLog, protectionParameters, subGhzConfigurationShape } from '../cosem-objects.ts';
import { dlmsAlert } from '../dlms-row.ts';
import type { Schema } from '../dlms-schema.ts';
import { s } from '../dlms-schema.ts';
import type { DeviceTarget } from '../row.ts';

const head = { alertCode: s.u16(), timestamp: s.dateTime() };

function alert<const U extends string, const F extends Record<string, Schema>>(
  code: number,
  useCase: U,
  name: string,
  targets: readonly DeviceTarget[],
  critical: boolean,
  fields: F,
  extra: {
    aliases?: readonly string[];
    nameUnconfirmed?: true;
    altFamily?: 'gbz';
    /** an alert without an RTDS example: its body inferred (see the row's comment) or read in GBCS V3.1's tables */
    confirmed?: 'unconfirmed' | 'gbcs-text';
    alerts?: readonly number[];
    /** where the body comes from (row.ts `note`) */
    note?: string;
  } = {},
) {
  const { confirmed, ...rest } = extra;
  return dlmsAlert({
    code,
    useCase,
    name,
    targets,
    critical,
    srvs: [],
    roles: [],
    rolesConfirmed: 'gbcs-text',
    confirmed: confirmed ?? 'rtds',
    body: s.struct({ ...head, ...fields }),
    ...rest,
  });
}

/** Alerts with no RTDS example: body inferred from a confirmed sibling (UNCONFIRMED, docs/use-cases.md). */
const INFERRED = { confirmed: 'unconfirmed' } as const;
/** GBCS V3.1's use-case tables name these alerts in their table of contents only ("See section ..."): no payload table. */
const SECTION_ONLY = (section: string) =>
  `GBCS V3.1 use-case tables give no payload table (table of contents: "See section ${section}"), nor does the later file (c5d22f4e); GBCS section ${section} itself was not found in the public sources searched: body inferred`;

const SUB_GHZ = subGhzConfigurationShape();

export const DLMS_ALERT_ROWS = [
  alert(0x0018, 'CS14', 'Device Addition To / Removal From HAN Whitelist Alerts', ['CHF'], false, {
    deviceLog,
  }),
  alert(0x0110, 'DBCH06', 'Limited Duty Cycle Action Taken Sub GHz Alert', ['CHF'], false, {
    dutyCycleAction: s.hex(8),
  }),
  alert(0x0112, 'DBCH08', 'Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert', ['CHF'], false, {
    outcome: s.struct({ scanOutcome: s.hex(1), channel: s.hex(1) }),
  }),
  alert(0x0113, 'DBCH09', 'Sub GHz Configuration Changed Sub GHz Alert', ['CHF'], false, {
    configuration: SUB_GHZ,
  }),
  alert(0x0114, 'DBCH10', 'Message Discarded Due to Duty Cycle Management Sub GHz Alert', ['CHF'], false, {
    discardedMessage: s.hex(25),
  }),
  alert(0x0115, 'DBCH11', 'No More Sub GHz Device Capacity Sub GHz Alert', ['CHF'], false, {
    deviceId: s.eui(),
  }),
  alert(0x0067, 'ECS80', 'Supply Outage Restore Alert from ESME', ['ESME'], true, {
    outageStart: s.dateTime(),
    outageEnd: s.dateTime(),
  }),
  alert(
    0x0120,
    'ECS100',
    'ESME Alert 0x8F85',
    ['ESME'],
    true,
    { detail: s.hex(10) },
    { nameUnconfirmed: true },
  ),
  // ECS101 / ECS102: GBCS later use-case table (c5d22f4e, ~offset 254,000-262,000): SME.A.C, target
  // "See GBCS"; apc_direction_and_number (unsigned: high nibble 1 output / 2 input, low nibble N),
  // apc_limit_period_start / _end (octet-string(12)), resulting_level (unsigned: p or q, GBCS 7.3.6.1)
  alert(0x0121, 'ECS101', 'Limit APC [n] Level Command processed', ['ESME'], true, {
    controller: s.u8(),
    start: s.dateTime(),
    end: s.dateTime(),
    state: s.u8(),
  }),
  alert(0x0122, 'ECS102', 'Limit APC [n] Level ended or cancelled', ['ESME'], true, {
    controller: s.u8(),
    state: s.u8(),
  }),
  alert(
    0x0123,
    'ECS200',
    'ESME Alert 0x8F88 (auxiliary controller state report)',
    ['ESME'],
    true,
    { report: s.utf8() },
    { nameUnconfirmed: true },
  ),
  alert(
    0x00cc,
    'FutureDatedAlert-DLMS',
    'Future Dated Execution of Instruction Alert (DLMS COSEM)',
    ['ESME'],
    true,
    {
      instruction: s.hex(),
    },
  ),
  // ---- UNCONFIRMED bodies (no RTDS example); the layout after the common head: the public GBCS parser's
  // reading of each code (SmartDCCInnovation/gbcs-parser), the value shapes from the confirmed siblings
  // ECS68: the most recent billing data log entry as a protected read answers it (protection parameters, ciphertext)
  alert(
    0x0061,
    'ECS68',
    'ESME Critical Sensitive Alert (Billing Data Log)',
    ['ESME'],
    true,
    { protectionParameters, protectedAttributes: s.hex() },
    {
      confirmed: 'gbcs-text',
      alerts: [0x8f0a],
      note: 'GBCS V3.1 use-case tables (offset ~177,000): alert 0x8F0A, SME.A.C (critical), SRV A1; the most recent entry of the billing data log 7/0-0:98.1.0.255/2 (timestamp, import registers, TOU and TOU-block registers) as the output structure of Data Protection 0-0:43.2.11.255 method 1 (section 8.5), encrypted: as the row',
    },
  ),
  // the calculated hash of the image received (as FDRA-ZigBee, RTDS: 32 bytes with 8F72)
  alert(
    0x00ce,
    'FDRA-DLMS',
    'Firmware Distribution Receipt Alert (ESME or Comms Hub)',
    ['ESME', 'CHF'],
    true,
    { firmwareHash: s.hex(32, { doc: 'SHA-256 of the image received' }) },
    { ...INFERRED, alerts: [0x8f72], note: SECTION_ONLY('11.2.6') },
  ),
  // the Remote Party Message the CHF could not deliver: its header fields, one octet-string
  alert(
    0x00d5,
    'FailureToDeliverToEsme',
    'Failure to Deliver Remote Party Message to ESME Alert',
    ['CHF'],
    true,
    {
      remotePartyMessage: s.hex(25, {
        doc: 'business originator (8) | business target (8) | CRA flag (1) | originator counter (8)',
      }),
    },
    { ...INFERRED, alerts: [0x8f84], note: SECTION_ONLY('10') },
  ),
  // the integrity issue as a 2-byte code (as MIIWA-GSME: 0 other, 1 NVM, 2 program execution, 3 program
  // storage, 4 RAM, 5 unexpected reset, 6 watchdog, 7 metrology firmware, 8 measurement fault, 9 unspecified)
  alert(
    0x00f0,
    'MIIWA-ESME',
    'Meter Integrity Issue Warning Alert - ESME',
    ['ESME'],
    false,
    { integrityIssue: s.hex(2, { doc: 'Meter Integrity Issue Warning code, big-endian' }) },
    { ...INFERRED, alerts: [0x81a0], note: SECTION_ONLY('16') },
  ),
  // the new operating channel, as DBCH01 reads it (0-0:94.44.10.2). UNCONFIRMED: the later GBCS use-case
  // file (c5d22f4e) gives DBCH07 no table, only "See GBCS 10.6.2.1" for the meaning of the payload's parts
  alert(
    0x0111,
    'DBCH07',
    'Sub GHz Channel Changed Sub GHz Alert',
    ['CHF'],
    true,
    { channel: s.bits(32) },
    {
      ...INFERRED,
      alerts: [0x8f26],
      note: 'the later GBCS use-case file (c5d22f4e, table of contents ~82,000) gives DBCH07 no table, only "See GBCS 10.6.2.1" for the meaning of each part of the payload; GBCS 10.6.2.1 was not found in the public sources searched: body inferred (the channel as DBCH01 reads it)',
    },
  ),
  alert(
    0x1000,
    'GCA',
    'Generic Critical Alert',
    ['ANY'],
    true,
    {},
    { aliases: ['GCA-DLMS', 'GCA-ZigBee'], altFamily: 'gbz' },
  ),
  alert(
    0x1001,
    'GNCA',
    'Generic Non Critical Alert',
    ['ANY'],
    false,
    {},
    {
      aliases: ['GNCA-DLMS', 'GNCA-ZigBee'],
      altFamily: 'gbz',
    },
  ),
] as const;
