/**
 * The DUIS templates of the supported SRs and their RTDS twins, and the
 * transform context of the RTDS reference estate (tests and bench of the
 * DSP transform). Fixtures are read in place.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceLogBackup, EsmeVariant } from '../../src/dcc/dsp/transform/context.ts';
import {
  counterFrom,
  DeviceInventory,
  SUPPORTED_SRVS,
  type TransformContext,
} from '../../src/dcc/dsp/transform/index.ts';
import type { DeviceType } from '../../src/duis/index.ts';
import {
  decodeMessage,
  loadKeyStoreDir,
  type MemoryKeyStore,
  SecurityContext,
} from '../../src/gbcs/index.ts';
import { decodeCommand, useCaseById } from '../../src/gbcs/use-cases/index.ts';
import { fromHex } from '../../src/runtime/bytes.ts';
import { DUIS_DIR, RTDS_KEYSTORE, RTDS_MESSAGES } from './fixtures.ts';

export const TEMPLATES_DIR = join(DUIS_DIR, 'templates');

/** The RTDS reference data's "now": every RTDS GBZ command's Issuer Event ID is 2015-01-01T00:00:00Z. */
export const RTDS_NOW = Date.UTC(2015, 0, 1);
/**
 * The DSP clock for Unknown Remote Party reads (urp.ts checks the carried
 * KA certificate's validity at the DSP clock). At RTDS_NOW (2015-01-01) every
 * RTDS URP certificate is not yet valid: the templates' (ECS21b / GCS16b
 * 4.14) are valid 2025-09-01 .. 2035-09-01, the ones in the RTDS commands
 * 2015-10-30 .. 2025-10-29 (ECS21b) and 2015-12-23 .. 2025-12-22 (GCS16b).
 * 2025-10-01 is inside all four. URP commands carry no Issuer Event ID (no
 * GBZ), so their bytes do not depend on the clock: the RTDS context of a URP
 * template runs at this time (contextFor).
 */
export const RTDS_URP_NOW = Date.UTC(2025, 9, 1);
/** The ACB Originator Counter of the RTDS CCS01/CCS02 SUCCESS commands (0x516). */
export const RTDS_ACB_COUNTER_CCS = 0x516n;
/** The Customer Identification Number the RTDS GCS36 commands carry (ASCII `1234`): the reference estate's draw. */
export const RTDS_CIN = '1234';

export interface DuisTemplate {
  file: string;
  path: string;
  xml: string;
  /** use case prefix of the name, e.g. ECS17b */
  useCase: string;
  srv: string;
  /** e.g. `IMMEDIATE_SINGLE_SUCCESS_` (empty or ending with `_`) */
  variant: string;
}

const NAME = /^([A-Za-z0-9]+?)_(\d+(?:\.\d+)*)_(.*)REQUEST_DUIS\.XML$/;

/** Templates `<UseCase>_<SRV>_<variant>_REQUEST_DUIS.XML` of the SRVs the DSP transforms. */
export function supportedTemplates(): DuisTemplate[] {
  const out: DuisTemplate[] = [];
  for (const file of readdirSync(TEMPLATES_DIR).sort()) {
    const m = NAME.exec(file);
    if (!m || !SUPPORTED_SRVS.includes(m[2])) continue;
    const path = join(TEMPLATES_DIR, file);
    out.push({ file, path, xml: readFileSync(path, 'utf8'), useCase: m[1], srv: m[2], variant: m[3] });
  }
  return out;
}

/**
 * Every DUIS request template, with its SRV from the request header (the
 * file name's use case and variant where the name has them, as for the
 * device SRs: `<UseCase>_<SRV>_<variant>_REQUEST_DUIS.XML`).
 */
export function allTemplates(): DuisTemplate[] {
  const out: DuisTemplate[] = [];
  for (const file of readdirSync(TEMPLATES_DIR).sort()) {
    if (!file.endsWith('_REQUEST_DUIS.XML')) continue;
    const path = join(TEMPLATES_DIR, file);
    const xml = readFileSync(path, 'utf8');
    const srv = /<sr:ServiceReferenceVariant>([^<]+)</.exec(xml)?.[1]?.trim() ?? '';
    const m = NAME.exec(file);
    out.push({ file, path, xml, useCase: m?.[1] ?? '', srv, variant: m?.[3] ?? '' });
  }
  return out;
}

/** The RTDS file of the same use case and variant, e.g. `2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX`. */
export function rtdsTwinName(t: DuisTemplate, kind: 'COMMAND' | 'PRECOMMAND'): string {
  return `${t.srv}_${t.useCase}/${t.useCase}_${t.srv}_${t.variant}${kind}_GBCS.HEX`;
}

export function readRtds(name: string): string | undefined {
  const p = join(RTDS_MESSAGES, name);
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined;
}

let orgCa: Uint8Array | undefined;
/**
 * The RTDS SMKI Organisation CA certificate (OU 07, CN Z1): the first
 * certificate of the certification path the RTDS CS02b 6.15.1 command carries
 * (the RTDS key store has none). It issued the RTDS URP certificates.
 */
export function rtdsOrgCa(): Uint8Array {
  if (!orgCa) {
    const m = decodeMessage(
      fromHex(
        readRtds(
          '6.15.1_CS02bSupplierBySupplier/CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX',
        )!,
      ),
    );
    const f = decodeCommand('CS02bSupplierBySupplier', m.content).fields as {
      certificationPathCertificates: string[];
    };
    orgCa = fromHex(f.certificationPathCertificates[0]!);
  }
  return orgCa;
}

let keyStore: MemoryKeyStore | undefined;
export function rtdsKeyStore(): MemoryKeyStore {
  keyStore ??= loadKeyStoreDir(RTDS_KEYSTORE);
  return keyStore;
}

/**
 * The other devices of the RTDS join commands, by the device type their
 * CS03 payloads name (8.7.1 CS03A1: an HCALCS; 8.7.2 CS03A2: an ESME, CS03C:
 * a GSME); their certificates are in the RTDS key store.
 */
export const RTDS_JOIN_PARTNERS: Readonly<Record<string, DeviceType>> = Object.freeze({
  '00DB12345678909A': 'HCALCS',
  '00DB123456789093': 'ESME',
  '00DB123456789094': 'GSME',
});

/**
 * The transform context of the RTDS reference estate: its keys, EUIs ...A0 to
 * ...A6, its "now", the ACB counter of its CCS01/CCS02 commands. The ESMEs
 * are twin element for the templates named `_TWIN_` (the RTDS twin-element
 * test ESME), single element otherwise.
 */
/**
 * The old Communications Hub of the RTDS Device Log restores (8.12.1
 * OldCHFID, 8.12.2 OldGPFID) and the Device Log backups the estate's DSP
 * holds for it, as the RTDS CCS03 and GCS59 commands carry them (the CHF
 * entries and link keys are also those of the RTDS CCS07 read response; the
 * CHF log id and the GPF's devices are the reference data's own).
 */
export const RTDS_OLD_CH: Readonly<Record<string, DeviceType>> = Object.freeze({
  '00DB123456789095': 'CHF',
  '00DB1234567890B3': 'GPF',
});
export const RTDS_DEVICE_LOG_BACKUPS: Readonly<Record<string, DeviceLogBackup>> = Object.freeze({
  '00DB123456789095': {
    chf: {
      logId: '0000000000000140',
      entries: [
        { deviceId: '00DB1234567890A0', linkKey: '83FED3407A939723A5C639B26916D506' },
        { deviceId: '00DB1234567890A1', linkKey: '83FED3407A939723A5C639B26916D505' },
      ],
      at: RTDS_NOW,
    },
  },
  '00DB1234567890B3': {
    gpf: {
      entries: [
        { deviceId: '0011223344556677', deviceType: 5 },
        { deviceId: '8899AABBCCDDEEFF', deviceType: 6 },
      ],
      at: RTDS_NOW,
    },
  },
});

export function rtdsContext(
  opts: { twin?: boolean; variant?: EsmeVariant; acbCounter?: bigint; now?: number } = {},
): TransformContext {
  const inventory = DeviceInventory.rtds(opts.variant ?? (opts.twin ? 'twin' : 'single'));
  for (const [eui, type] of Object.entries({ ...RTDS_JOIN_PARTNERS, ...RTDS_OLD_CH }))
    inventory.set(eui, type);
  return {
    security: new SecurityContext({ keyStore: rtdsKeyStore() }),
    deviceTypeOf: inventory.deviceTypeOf,
    esmeVariantOf: inventory.esmeVariantOf,
    clock: { now: () => opts.now ?? RTDS_NOW },
    smkiOrgCas: [rtdsOrgCa()],
    nextAcbCounter: counterFrom(opts.acbCounter ?? RTDS_ACB_COUNTER_CCS),
    nextCin: () => RTDS_CIN,
    deviceLogBackupOf: (eui) => RTDS_DEVICE_LOG_BACKUPS[eui],
  };
}

/**
 * The context of a template: its RTDS twin's inventory (the ESME variant the
 * name says, or the only variant the use case exists on: ECS26k polyphase,
 * ECS24b twin) and, for ACB-originated commands, the RTDS twin's ACB counter.
 */
export function contextFor(t: DuisTemplate): TransformContext {
  const variants = useCaseById(t.useCase)?.esmeVariants;
  const variant: EsmeVariant = t.variant.includes('TWIN')
    ? 'twin'
    : variants?.length === 1
      ? variants[0]
      : 'single';
  let acbCounter: bigint | undefined;
  for (const kind of ['COMMAND', 'PRECOMMAND'] as const) {
    const hex = readRtds(rtdsTwinName(t, kind));
    if (!hex) continue;
    const m = decodeMessage(fromHex(hex));
    // the ACB on the user's behalf, or a DCC party itself (6.21, 6.23, 8.5): the RTDS counter is the DCC's
    const requester = /<sr:RequestID>([0-9A-F-]+):/i.exec(t.xml)?.[1]?.replace(/-/g, '').toUpperCase();
    if (m.otherInfo.supplementaryRemotePartyId || (requester && m.originator !== requester))
      acbCounter = m.originatorCounter;
    break;
  }
  // an Unknown Remote Party read: a clock inside its certificate's validity (RTDS_URP_NOW)
  const urp = t.xml.includes('KAPublicSecurityCredentials>');
  return rtdsContext({
    variant,
    ...(acbCounter !== undefined ? { acbCounter } : {}),
    ...(urp ? { now: RTDS_URP_NOW } : {}),
  });
}
