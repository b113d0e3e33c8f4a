/**
 * Device SRs of security credentials, joins and CHF settings (DUIS 6.15.x,
 * 6.17, 6.24.x, 8.7.x, 8.8.x, 6.28): one declarative row per SRV, as in
 * device-srs.ts. The payloads are the catalogue's ASN.1 and DLMS rows
 * (CS02b-g, CS03x, CS04x, DBCH04); this file only maps DUIS elements to
 * their named fields.
 *
 * Facts used, read off the RTDS commands next to the DUIS templates
 * (test/dsp-transform.test.ts compares them):
 * - CS02b/CS02g Update Security Credentials: credentials.ts (shared with
 *   the DCC's own credentials SRVs of credentials-srs.ts).
 * - Joins: Method A initiator (0) on a meter with the other device's type
 *   from the inventory (CS03A1); to a PPMID/HCALCS the ACB originates and
 *   signs Method A responder (1) for an ESME partner (CS03A2) or Method C
 *   (3) with the partner's KA certificate for a GSME (CS03C).
 * - Unjoins: CS04B (Method B) from the user to a meter for 8.8.2; CS04AC
 *   from the user to a meter for 8.8.1 (critical); to a PPMID/HCALCS the ACB
 *   originates and signs CS04AC for 8.8.2.
 * - DBCH04: DUIS channel lists as ZigBee channel masks (page 28 lower band
 *   0-26, 29 lower band 27-34, 30 lower band 35-61, 31 upper band 0-26 in
 *   bits 27-31, channel n - first channel in bits 0-26); the eleven
 *   thresholds in DUIS order, percentages and duty cycles x100 (RTDS DBCH04).
 */

import type { DeviceType, DuisNode } from '../../../duis/index.ts';
import { DuisSchemaError } from '../../../duis/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import {
  base64,
  bool,
  choice,
  eui,
  group,
  int,
  many,
  one,
  opt,
  str,
  type ValueReader,
} from './body-reader.ts';
import {
  bySender,
  CERTIFICATION_PATH,
  type CredentialsBody,
  certificates,
  credentialType,
  type DuisRole,
  floor,
  KA,
  keyUsageOf,
  ROLE_NUMBER,
  remotePartyRole,
  updateCredentials,
} from './credentials.ts';
import { deviceSrv, type Rule } from './device-srs.ts';
import {
  bodyDeviceType,
  DspBodyInvalidError,
  DspUnknownDeviceError,
  DspUnknownKeyError,
  inconsistent,
  outOfRange,
} from './errors.ts';
import type { AnySrvTransform, BuildInput, SelectInput } from './rule.ts';
import { DEVICE_LOG_TYPE } from './use-cases.ts';

// biome-ignore lint/suspicious/noExplicitAny: body types are per row
type B = any;

const METERS: DeviceType[] = ['ESME', 'GSME'];
const CREDENTIAL_TARGETS: DeviceType[] = ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID'];
const LOCAL_DEVICES: DeviceType[] = ['PPMID', 'HCALCS'];

/** 6.15.1's body as the credentials fields take it (its certificates one level down). */
const body6151 = (b: B): CredentialsBody => ({ ...b, certs: b.replacement.certs, path: b.path.certs });

const roleIs = (r: DuisRole, sender?: string) => (b: B, s: SelectInput) =>
  b.role === r && (sender === undefined || s.originatorRole === sender);

/** The other device of a join or unjoin: its GBCS DeviceType from the inventory. */
function otherDevice(i: BuildInput<B>): { id: string; type: number; kind: DeviceType } {
  const id = i.body.other as string;
  const kind = i.deviceTypeOf(id);
  if (kind === undefined) throw new DspUnknownDeviceError(id, 'OtherDeviceID');
  const type = DEVICE_LOG_TYPE[kind];
  if (type === undefined)
    throw bodyDeviceType(`a ${kind} cannot be joined to another device`, 'OtherDeviceID');
  return { id, type, kind };
}

const partnerIsGsme = (b: B, s: SelectInput) => s.deviceTypeOf?.(b.other) === 'GSME';

const JOIN = { other: one('OtherDeviceID', eui) };

// ---------------------------------------------------------------- 6.28 sub-GHz configuration

/** Channel elements `Channel<n>` of a DUIS channel list as a ZigBee channel mask (page in bits 27-31). */
function channelMask(page: number, first: number, last: number): ValueReader<string> {
  return (n: DuisNode, p: string) => {
    let mask = 0;
    for (const c of n.children) {
      const m = /^Channel(\d+)$/.exec(c.name);
      const ch = m ? Number(m[1]) : Number.NaN;
      if (!(ch >= first && ch <= last))
        throw new DuisSchemaError(`${c.name} is not a channel ${first}-${last}`, p);
      const bit = 1 << (ch - first);
      if (mask & bit) throw new DuisSchemaError(`${c.name} given twice`, p);
      mask |= bit;
    }
    return (((page << 27) | mask) >>> 0).toString(2).padStart(32, '0');
  };
}

/** xs:decimal with `digits` fraction digits within [min, max] (exclusive where asked), scaled to an integer. */
function decimal(digits: number, min: number, max: number, exclusive = false): ValueReader<number> {
  return (n, p) => {
    const t = (n.text ?? '').trim();
    const m = /^\+?(\d+)(?:\.(\d*))?$/.exec(t);
    if (!m) throw new DuisSchemaError(`"${t}" is not a non-negative xs:decimal`, p);
    const frac = (m[2] ?? '').replace(/0+$/, '');
    if (frac.length > digits) throw new DuisSchemaError(`more than ${digits} fraction digits`, p);
    const v = Number(m[1] + frac.padEnd(digits, '0'));
    const lo = Math.round(min * 10 ** digits);
    const hi = Math.round(max * 10 ** digits);
    if (exclusive ? v <= lo || v >= hi : v < lo || v > hi)
      throw new DuisSchemaError(
        `${t} is outside ${exclusive ? '(' : '['}${min}, ${max}${exclusive ? ')' : ']'}`,
        p,
      );
    return v;
  };
}

const SUB_GHZ = {
  lower0: one('LowerBandSubGHzChannels0To26', channelMask(28, 0, 26)),
  lower27: one('LowerBandSubGHzChannels27To34', channelMask(29, 27, 34)),
  lower35: one('LowerBandSubGHzChannels35To61', channelMask(30, 35, 61)),
  upper0: one('UpperBandSubGHzChannels0To26', channelMask(31, 0, 26)),
  normalLimited: one('NormalLimitedDutyCycleThreshold', decimal(2, 0.5, 2.0)),
  limitedCritical: one('LimitedCriticalDutyCycleThreshold', decimal(2, 1.5, 2.5, true)),
  maxChanges: one('MaximumSubGHzChannelChangesPerWeek', int(1, 7)),
  gsmeCurfew: one('GSMECurfew', int(2, 65535)),
  quieter: one('ChannelQuieterThreshold', int(1, 255)),
  noisier: one('ChannelNoisierThreshold', int(0, 20)),
  poorComms: one('NonGSMEPoorCommsPercentageThreshold', decimal(2, 1, 100)),
  poorCommsPeriods: one('NonGSMEPoorCommsMeasurementPeriods', int(50, 150)),
  noisePeriod: one('LocalCHNoiseMeasurementPeriod', int(61, 65535)),
  failure: one('LocalCHFailurePercentage', decimal(2, 1, 100)),
  retry: one('LocalCHRetryPercentage', decimal(2, 1, 100)),
};

/** DBCH04's structure fields (GBCS V3.1 DBCH03 member names) from the DUIS elements, in the same order. */
function subGhz(i: BuildInput<B>) {
  const b = i.body;
  return {
    subGhzConfiguration: {
      value: {
        page28Mask: b.lower0,
        page29Mask: b.lower27,
        page30Mask: b.lower35,
        page31Mask: b.upper0,
        normalLimitedDutyCycleThreshold: b.normalLimited,
        limitedCriticalDutyCycleThreshold: b.limitedCritical,
        channelChangesPerWeek: b.maxChanges,
        gsmeCurfew: b.gsmeCurfew,
        quieterDecibelsLimit: b.quieter,
        noisierDecibelsLimit: b.noisier,
        nonGsmePoorCommsPercentage: b.poorComms,
        nonGsmeMeasurementPeriods: b.poorCommsPeriods,
        localChNoiseMeasurementPeriod: b.noisePeriod,
        localChFailurePercentage: b.failure,
        localChRetryPercentage: b.retry,
      },
    },
  };
}

// ---------------------------------------------------------------- the table

const keyUsageCommand = (i: BuildInput<B>) => ({ keyUsage: keyUsageOf(i.body.credentialType) });

const joinRule = (
  useCase: string,
  targets: DeviceType[],
  method: number,
  extra: Partial<Rule<B>>,
): Rule<B> => ({
  useCase,
  targets,
  fields: (i) => {
    const o = otherDevice(i);
    return { joinMethodAndRole: method, otherDeviceEntityIdentifier: o.id, otherDeviceType: o.type };
  },
  ...extra,
});

const ACB_SIGNED = { originator: 'acb' as const, acbSigns: true as const };

/**
 * An MPAN as the octets the ESME holds (GBCS: UTF-8 text, 13 octets), one
 * character per octet (the catalogue's octet text); more octets than 13
 * (non-ASCII characters) are refused.
 */
function mpanOctets(mpan: string, path: string): string {
  const bytes = new TextEncoder().encode(mpan);
  if (bytes.length !== MPAN_OCTETS)
    throw outOfRange(`an MPAN is ${MPAN_OCTETS} octets (UTF-8), not ${bytes.length}`, path);
  return String.fromCharCode(...bytes);
}

/** Octets of one MPAN (GBCS V3.1 use-case tables: ECS39b octet-string(13); ECS39a 13 per element). */
const MPAN_OCTETS = 13;

export const SECURITY_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  // ---- 6.15.1 update security credentials (KRP): critical, the user signs
  deviceSrv<B>('6.15.1', {
    futureDating: 'device',
    body: {
      role: one('RemotePartyRole', remotePartyRole),
      floor: opt('RemotePartyFloorSeqNumber', floor),
      topUpFloor: opt('RemotePartyPrepaymentTopUpFloorSeqNumber', floor),
      replacement: one(
        'ReplacementCertificates',
        group({ certs: one('SupplierOrNetworkOperatorCertificates', certificates) }),
      ),
      path: one('CertificationPathCertificates', CERTIFICATION_PATH),
      applyTimeBasedCpvChecks: one('ApplyTimeBasedCPVChecks', bool),
    },
    useCases: [
      {
        useCase: 'CS02bSupplierBySupplier',
        targets: CREDENTIAL_TARGETS,
        when: roleIs('Supplier', 'supplier'),
        whenText: 'RemotePartyRole Supplier, sent by a supplier',
        fields: updateCredentials(0x02, bySender, body6151),
      },
      {
        useCase: 'CS02bNOByNOHandover',
        targets: CREDENTIAL_TARGETS,
        when: roleIs('NetworkOperator', 'networkOperator'),
        whenText: 'RemotePartyRole NetworkOperator, sent by a network operator (mode 3, no RTDS for 6.15.1)',
        fields: updateCredentials(0x03, bySender, body6151),
      },
      {
        useCase: 'CS02gLoadControllerBySupplier',
        targets: ['ESME'],
        when: roleIs('LoadController', 'supplier'),
        whenText: 'RemotePartyRole LoadController, sent by a supplier',
        fields: updateCredentials(0x0b, bySender, body6151),
      },
    ],
  }),
  // ---- 6.15.2 update device certificate: the certificate itself (RTDS CS02d)
  deviceSrv<B>('6.15.2', {
    body: { certificate: one('DeviceCertificate', base64) },
    useCases: [{ useCase: 'CS02d', targets: CREDENTIAL_TARGETS, fields: (i) => toHex(i.body.certificate) }],
  }),
  deviceSrv<B>('6.17', {
    body: { credentialType: one('CredentialType', credentialType) },
    useCases: [{ useCase: 'CS02c', targets: CREDENTIAL_TARGETS, fields: keyUsageCommand }],
  }),
  deviceSrv<B>('6.24.2', {
    body: { credentialType: one('CredentialType', credentialType) },
    useCases: [{ useCase: 'CS02e', targets: CREDENTIAL_TARGETS, fields: keyUsageCommand }],
  }),
  // ---- 6.24.1: the ACB asks for the trust anchor cells of the roles (RTDS CS02f: the ACB's KA cell authorises)
  deviceSrv<B>('6.24.1', {
    body: { roles: many('RemotePartyRole', remotePartyRole, 1, 7) },
    useCases: [
      {
        useCase: 'CS02f',
        targets: CREDENTIAL_TARGETS,
        originator: 'acb',
        fields: (i) => ({
          authorisingRemotePartyTACellIdentifier: { remotePartyRole: ROLE_NUMBER.ACB, keyUsage: KA },
          remotePartyRoles: (i.body.roles as DuisRole[]).map((r) => ROLE_NUMBER[r]),
        }),
      },
    ],
  }),

  // ---- 8.7.x joins, 8.8.x unjoins
  deviceSrv<B>('8.7.1', {
    body: JOIN,
    useCases: [joinRule('CS03A1', METERS, 0, {})],
  }),
  deviceSrv<B>('8.7.2', {
    body: JOIN,
    useCases: [
      joinRule('CS03A2', LOCAL_DEVICES, 1, {
        ...ACB_SIGNED,
        when: (b, s) => !partnerIsGsme(b, s),
        whenText: 'partner an ESME (Method A responder, ACB signed)',
      }),
      {
        useCase: 'CS03C',
        targets: LOCAL_DEVICES,
        ...ACB_SIGNED,
        when: partnerIsGsme,
        whenText: "partner a GSME (Method C with the GSME's KA certificate, ACB signed)",
        fields: (i) => {
          const o = otherDevice(i);
          const cert = i.kaCertificateOf?.(o.id);
          if (!cert) throw new DspUnknownKeyError(`no KA certificate of ${o.id} for Method C`, o.id, 500);
          return {
            joinMethodAndRole: 3,
            otherDeviceEntityIdentifier: o.id,
            otherDeviceType: o.type,
            otherDeviceKACertificate: toHex(cert),
          };
        },
      },
    ],
  }),
  deviceSrv<B>('8.8.1', {
    body: JOIN,
    useCases: [{ useCase: 'CS04AC', targets: METERS, fields: (i) => i.body.other }],
  }),
  deviceSrv<B>('8.8.2', {
    body: JOIN,
    useCases: [
      { useCase: 'CS04B', targets: METERS, fields: (i) => i.body.other },
      { useCase: 'CS04AC', targets: LOCAL_DEVICES, ...ACB_SIGNED, fields: (i) => i.body.other },
    ],
  }),

  // ---- 6.20.1 the GSME's MPRN: ZCL Update SiteID (GCS41) and the ESME's import MPANs (ECS39a), both from GBCS
  // V3.1's use-case tables, neither future-datable on the device (the DSP holds a future-dated one): SiteID
  // Time 0 (now), the MPRN's UTF-8 octets
  deviceSrv<B>('6.20.1', {
    futureDating: 'device',
    choice: {
      mpxn: choice({
        ImportMPANs: group({
          mpan: one('ImportMPAN', str(13, 13)),
          secondary: opt('SecondaryImportMPAN', str(13, 13)),
        }),
        ImportMPRN: str(1, 10),
      }),
    },
    useCases: [
      {
        useCase: 'ECS39a',
        targets: ['ESME'],
        futureDating: 'dsp',
        fields: (i) => {
          const at = 'SetDeviceConfigurationImportMPxN';
          if (i.body.mpxn.which !== 'ImportMPANs')
            throw new DspBodyInvalidError('an ESME takes ImportMPANs', at);
          const { mpan, secondary } = i.body.mpxn.value as { mpan: string; secondary?: string };
          if (secondary !== undefined && i.esmeVariant !== 'twin')
            throw inconsistent(
              'a SecondaryImportMPAN is for a twin element ESME',
              `${at}/ImportMPANs/SecondaryImportMPAN`,
            );
          return {
            importMpans: {
              value:
                mpanOctets(mpan, `${at}/ImportMPANs/ImportMPAN`) +
                (secondary === undefined
                  ? ''
                  : mpanOctets(secondary, `${at}/ImportMPANs/SecondaryImportMPAN`)),
            },
          };
        },
      },
      {
        useCase: 'GCS41',
        targets: ['GSME'],
        futureDating: 'dsp',
        fields: (i) => {
          if (i.body.mpxn.which !== 'ImportMPRN')
            throw new DspBodyInvalidError('a GSME takes an ImportMPRN', 'SetDeviceConfigurationImportMPxN');
          return {
            siteId: {
              issuerEventId: i.issuerEventId(),
              siteIdTime: 0,
              providerId: 0,
              siteId: toHex(new TextEncoder().encode(i.body.mpxn.value)),
            },
          };
        },
      },
    ],
  }),
  // ---- 6.20.2 the ESME's export MPAN: ECS39b (GBCS V3.1 tables), the DSP holds a future-dated one
  deviceSrv<B>('6.20.2', {
    body: { mpan: one('ExportMPAN', str(13, 13)) },
    useCases: [
      {
        useCase: 'ECS39b',
        targets: ['ESME'],
        fields: (i) => ({
          exportMpan: { value: mpanOctets(i.body.mpan, 'SetDeviceConfigurationExportMPAN/ExportMPAN') },
        }),
      },
    ],
  }),
  // ---- 6.30 read the CHF sub-GHz configuration (DBCH03: the object DBCH04 writes; ACB originated as DBCH01/02)
  deviceSrv<B>('6.30', {
    useCases: [
      {
        useCase: 'DBCH03',
        targets: ['CHF'],
        originator: 'acb',
        fields: () => ({ subGhzConfiguration: { value: null } }),
      },
    ],
  }),

  // ---- 6.28 CHF sub-GHz configuration (ACB originated, RTDS DBCH04)
  deviceSrv<B>('6.28', {
    body: SUB_GHZ,
    useCases: [{ useCase: 'DBCH04', targets: ['CHF'], originator: 'acb', fields: subGhz }],
  }),
];
