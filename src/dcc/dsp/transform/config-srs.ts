/**
 * Device configuration SRVs: 6.22 Configure Alert Behaviour (ECS25a/a1/a2/
 * a3/b/b3, GCS20); 4.4.5 Retrieve Billing Data Log (Prepayment Credits) to a
 * GSME (GCS15e). One declarative row per SRV (device-srs.ts `deviceSrv`);
 * the bytes are made by the use-case catalogue from the named fields.
 *
 * 6.22 ESME (read off the six RTDS ECS25x Commands next to the DUIS
 * templates): each use case sets one 512-bit bit-string, a 256-bit mask of
 * the alerts being changed then their 256 new values (1 = Enable); alert
 * 0x81nn (supplier) / 0x80nn (network operator) is bit 255 - nn of each half
 * (MSB first: 0x810D -> bit 242, 0x8014 -> bit 235). The DUIS section selects
 * the use case: ElectricitySupplierAlerts ECS25a, ...HANAlertSettings ECS25a1,
 * ...AlarmSettings ECS25a2, ...LoggingSettings ECS25a3,
 * ElectricityNetworkOperatorAlerts ECS25b, ...LoggingSettings ECS25b3. The
 * polyphase groups apply to a polyphase ESME, the single phase group to
 * the others; a group for the other kind of ESME is not sent (RTDS ECS25b:
 * the template's NetworkOperatorESMEPolyPhase x8003 is absent from the
 * command to the single element ESME).
 *
 * 6.22 GSME (GCS20, no RTDS command: GBCS V3.1's GCS20 message template):
 * ZCL Set Event Configuration, apply by list, one command per distinct
 * configuration, Start Date/Time 0; the configuration byte is GBCS's Event
 * Configuration bitmap (bits 0-2 0b011 log, else 0b000; bit 3 WAN alert;
 * bit 4 HAN alert; bit 5 0; bit 6 alarm; bit 7 0), as the RTDS GCS20r
 * response shows the first three.
 * GasSupplierAlertEventSettings gives all four settings of each alert; the
 * WAN-only GasSupplierAlerts section would need the device's other settings
 * (a Set Event Configuration replaces the whole byte) and is refused (E11).
 */
import type { DeviceType } from '../../../duis/index.ts';
import { type DuisNode, DuisSchemaError, SR_NS } from '../../../duis/index.ts';
import { dateTime, group, one, oneOf, opt, type ValueReader } from './body-reader.ts';
import { deviceSrv, readAll } from './device-srs.ts';
import { zigbeeUtcTime } from './encoding.ts';
import { DspBodyInvalidError, DspUnsupportedServiceRequestError } from './errors.ts';
import type { AnySrvTransform, BuildInput, SelectInput } from './rule.ts';

const ESME: DeviceType[] = ['ESME'];
const GAS: DeviceType[] = ['GSME'];

// ---------------------------------------------------------------- the DUIS alert lists (XSD V5.4)

const codes = (s: string): readonly number[] => s.split(' ').map((h) => Number.parseInt(h, 16));

/** The x#### elements each DUIS alert group allows, in XSD sequence order. */
const ALERT_GROUPS = {
  SupplierESMECommon: codes(
    '810D 810E 8119 8145 8154 8155 8161 8162 8168 8183 81A0 81A1 81A2 81A3 81A4 81A5 81A6 81A7 81A8 81A9 81AA 81AB 81AC 81AD 81AE 81AF 81B0 81B1 81B2 81B3 81B8 81B9 81BA 81BB 81BC 81BD 81BE 81C0 81C1 81C4 81C5 81C6',
  ),
  SupplierESMEPolyPhase: codes('81B7'),
  NetworkOperatorESMECommon: codes('8014 8015'),
  NetworkOperatorESMESinglePhase: codes('8002 8006 8020 8024 8028 802C 8085 8089 808D 8091 8095 8099 8010'),
  NetworkOperatorESMEPolyPhase: codes(
    '8003 8004 8005 8007 8008 8009 8021 8022 8023 8025 8026 8027 8029 802A 802B 802D 802E 802F 8086 8087 8088 808A 808B 808C 808E 808F 8090 8092 8093 8094 8096 8097 8098 809A 809B 809C 8011 8016 8013',
  ),
  SupplierGSME: codes(
    '810D 810E 8119 8145 8154 8155 8168 8183 8184 81A1 81A4 81A5 81A6 81A7 81A8 81A9 81AA 81AB 81AC 81AD 81AE 81AF 81B0 81B1 81B2 81B3 81B4 81B5 81B6 81B9 81BA 81BC 81BD 81BE 81BF 81C0 81C2 81C3 81C4 81C5',
  ),
  SupplierGSMEAlertsEvents: codes(
    '810D 810E 8119 8145 8154 8155 8161 8162 8168 8183 8184 81A0 81A1 81A4 81A5 81A6 81A7 81A8 81A9 81AA 81AB 81AC 81AD 81AE 81AF 81B0 81B1 81B2 81B3 81B4 81B5 81B6 81B9 81BA 81BC 81BD 81BE 81BF 81C0 81C2 81C3 81C4 81C5 81C6',
  ),
} as const;
type AlertGroup = keyof typeof ALERT_GROUPS;

const enableDisable = oneOf('Enable', 'Disable');

/** A group of optional x#### alert elements (XSD sequence order), each read by `read`. */
function alertList<T>(
  groupName: AlertGroup,
  read: ValueReader<T>,
): ValueReader<{ code: number; value: T }[]> {
  const allowed = ALERT_GROUPS[groupName];
  return (n, p) => {
    if ((n.text ?? '').trim() !== '' && n.children.length === 0)
      throw new DuisSchemaError('unexpected text content', p);
    let last = -1;
    return n.children.map((c) => {
      const at = `${p}/${c.name}`;
      const code = /^x[0-9A-F]{4}$/.test(c.name) ? Number.parseInt(c.name.slice(1), 16) : Number.NaN;
      const pos = allowed.indexOf(code);
      if (c.namespace !== SR_NS || pos < 0) throw new DuisSchemaError(`unexpected element ${c.name}`, at);
      if (pos <= last) throw new DuisSchemaError(`misplaced or repeated element ${c.name}`, at);
      last = pos;
      return { code, value: read(c, at) };
    });
  };
}

type Alerts = { code: number; value: 'Enable' | 'Disable' }[];
type GasSettings = { wan: string; han: string; log: string; alarm: string };

const supplierEsme = group({
  common: opt('SupplierESMECommon', alertList('SupplierESMECommon', enableDisable)),
  poly: opt('SupplierESMEPolyPhase', alertList('SupplierESMEPolyPhase', enableDisable)),
});
const networkOperatorEsme = group({
  common: opt('NetworkOperatorESMECommon', alertList('NetworkOperatorESMECommon', enableDisable)),
  single: opt('NetworkOperatorESMESinglePhase', alertList('NetworkOperatorESMESinglePhase', enableDisable)),
  poly: opt('NetworkOperatorESMEPolyPhase', alertList('NetworkOperatorESMEPolyPhase', enableDisable)),
});
const gasEventSettings = group({
  wan: one('WANAlert', enableDisable),
  han: one('HANAlert', enableDisable),
  log: one('EventLog', enableDisable),
  alarm: one('Alarm', enableDisable),
});

type EsmeSection = { common?: Alerts; poly?: Alerts; single?: Alerts };

/** The body of 6.22: one section of the xs:choice, `{ which, value }`. */
type ConfigureAlertBehaviour = {
  section: { which: string; value: EsmeSection | Alerts | { code: number; value: GasSettings }[] };
};

const SECTION_READERS: Record<string, ValueReader<unknown>> = {
  ElectricitySupplierAlerts: supplierEsme,
  ElectricitySupplierHANAlertSettings: supplierEsme,
  ElectricitySupplierAlarmSettings: supplierEsme,
  ElectricitySupplierLoggingSettings: supplierEsme,
  ElectricityNetworkOperatorAlerts: networkOperatorEsme,
  ElectricityNetworkOperatorLoggingSettings: networkOperatorEsme,
  GasSupplierAlerts: alertList('SupplierGSME', enableDisable),
  GasSupplierAlertEventSettings: alertList('SupplierGSMEAlertsEvents', gasEventSettings),
};

// ---------------------------------------------------------------- ESME: the mask and value bit-string

/**
 * The 512-bit bit-string of ECS25x: mask then values, alert 0x8Xnn at bit
 * 255 - nn of each half (MSB first).
 */
export function alertBehaviourBits(alerts: Alerts): string {
  const bits = new Array<string>(512).fill('0');
  const seen = new Set<number>();
  for (const a of alerts) {
    if (seen.has(a.code))
      throw new DspBodyInvalidError(
        `alert ${a.code.toString(16).toUpperCase()} given twice`,
        'ConfigureAlertBehaviour',
      );
    seen.add(a.code);
    const bit = 255 - (a.code & 0xff);
    bits[bit] = '1';
    if (a.value === 'Enable') bits[256 + bit] = '1';
  }
  return bits.join('');
}

/** The alerts of an ESME section that apply to this ESME (its polyphase or single phase group, and the common one). */
function esmeAlerts(s: EsmeSection, poly: boolean): Alerts {
  const out = [...(s.common ?? []), ...((poly ? s.poly : s.single) ?? [])];
  if (out.length === 0)
    throw new DspBodyInvalidError('no alert for this ESME in the request', 'ConfigureAlertBehaviour');
  return out;
}

const ESME_SECTIONS = [
  ['ElectricitySupplierAlerts', 'ECS25a', 'supplierAlertBehaviours'],
  ['ElectricitySupplierHANAlertSettings', 'ECS25a1', 'supplierHanEventBehaviours'],
  ['ElectricitySupplierAlarmSettings', 'ECS25a2', 'supplierAudibleAlarmBehaviours'],
  ['ElectricitySupplierLoggingSettings', 'ECS25a3', 'supplierLoggingBehaviours'],
  ['ElectricityNetworkOperatorAlerts', 'ECS25b', 'networkOperatorAlertBehaviours'],
  ['ElectricityNetworkOperatorLoggingSettings', 'ECS25b3', 'networkOperatorLoggingBehaviours'],
] as const;

// ---------------------------------------------------------------- GSME: Set Event Configuration

/** GBCS V3.1 GCS20 message template: 0b011 log, bit 3 WAN alert, bit 4 HAN alert, bit 6 alarm (bits 5, 7 zero). */
const EVENT_CONFIGURATION = { log: 0x03, wan: 0x08, han: 0x10, alarm: 0x40 } as const;

function gcs20(i: BuildInput<ConfigureAlertBehaviour>): unknown {
  const s = i.body.section;
  if (s.which === 'GasSupplierAlerts')
    throw new DspUnsupportedServiceRequestError(
      '6.22',
      'SR 6.22 GasSupplierAlerts (WAN alert only): a ZCL Set Event Configuration replaces the whole event configuration; send GasSupplierAlertEventSettings',
    );
  const list = s.value as { code: number; value: GasSettings }[];
  if (list.length === 0)
    throw new DspBodyInvalidError('no alert in the request', 'GasSupplierAlertEventSettings');
  const byConfiguration = new Map<number, number[]>();
  const seen = new Set<number>();
  for (const a of list) {
    if (seen.has(a.code)) throw new DspBodyInvalidError('alert given twice', 'GasSupplierAlertEventSettings');
    seen.add(a.code);
    let c = 0;
    for (const k of ['log', 'wan', 'han', 'alarm'] as const)
      if (a.value[k] === 'Enable') c |= EVENT_CONFIGURATION[k];
    byConfiguration.set(c, [...(byConfiguration.get(c) ?? []), a.code]);
  }
  return {
    setEventConfiguration: [...byConfiguration].map(([eventConfiguration, eventIds]) => ({
      issuerEventId: i.issuerEventId(),
      startDateTime: 0,
      eventConfiguration,
      configurationControl: 0,
      numberOfEvents: eventIds.length,
      eventIds,
    })),
  };
}

const isPoly = (s: SelectInput) => s.esmeVariant === 'polyphase';

type Period = { period: { start: Date; end: Date } };

/**
 * GCS15e (4.4.5, no RTDS example; GCS15d's RTDS shape): ZCL Get Top Up Log
 * from the ReadLogPeriod start (From Date Time) to its end, number of records
 * 5 (GBCS V3.1 use-case tables: at most 5 entries); the user originates it
 * (the row has no ACB role).
 */
function gcs15e(i: BuildInput<Period>): unknown {
  const p = i.body.period;
  if (p.end.getTime() < p.start.getTime())
    throw new DspBodyInvalidError('EndDateTime is before StartDateTime', 'ReadLogPeriod');
  return {
    getTopUpLog: {
      latestEndTime: zigbeeUtcTime(p.end, 'ReadLogPeriod/EndDateTime'),
      numberOfRecords: 5,
      fromDateTime: zigbeeUtcTime(p.start, 'ReadLogPeriod/StartDateTime'),
    },
  };
}

export const CONFIG_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<Period>('4.4.5', {
    body: {
      period: one(
        'ReadLogPeriod',
        group({ start: one('StartDateTime', dateTime), end: one('EndDateTime', dateTime) }),
      ),
    },
    useCases: [
      // ESME: the prepayment credits log read by range over the period (ECS20d, inferred row)
      { useCase: 'ECS20d', targets: ESME, fields: readAll('ECS20d') },
      { useCase: 'GCS15e', targets: GAS, fields: gcs15e },
    ],
  }),
  deviceSrv<ConfigureAlertBehaviour>('6.22', {
    choice: { section: readSection },
    useCases: [
      ...ESME_SECTIONS.map(([section, useCase, object]) => ({
        useCase,
        targets: ESME,
        when: (b: ConfigureAlertBehaviour) => b.section.which === section,
        whenText: section,
        fields: (i: BuildInput<ConfigureAlertBehaviour>) => ({
          [object]: { value: alertBehaviourBits(esmeAlerts(i.body.section.value as EsmeSection, isPoly(i))) },
        }),
      })),
      {
        useCase: 'GCS20',
        targets: GAS,
        when: (b) => b.section.which.startsWith('Gas'),
        whenText: 'GasSupplierAlertEventSettings',
        fields: gcs20,
      },
    ],
  }),
];

/** The xs:choice of ConfigureAlertBehaviour's sections. */
function readSection(n: DuisNode, p: string): ConfigureAlertBehaviour['section'] {
  const kids = n.children;
  if (kids.length !== 1 || kids[0].namespace !== SR_NS || !SECTION_READERS[kids[0].name])
    throw new DuisSchemaError(`exactly one of ${Object.keys(SECTION_READERS).join(', ')} expected`, p);
  const c = kids[0];
  return {
    which: c.name,
    value: SECTION_READERS[c.name](c, `${p}/${c.name}`) as ConfigureAlertBehaviour['section']['value'],
  };
}
