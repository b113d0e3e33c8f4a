/**
 * The DSP's Service Request table (issue 17): one row per Service Reference
 * Variant of DUIS V5.4, saying what this DSP does with it. Everything that
 * lists SRVs is derived from it: `ppmid-relay dsp srs`, the OpenAPI
 * (openapi.ts), the CLI help, docs/dsp.md's SRV list (checked by
 * srv-table.test.ts) and the table-driven tests.
 *
 * One table per kind of knowledge, so a row holds only the DSP's own facts
 * and joins the others:
 * - DUIS facts (name, body element, class, Command Variants the XSD
 *   annotates, future dating, device types): src/duis/service-requests.ts;
 * - the GBCS use cases an SRV produces: the use-case catalogue's rows
 *   (src/gbcs/use-cases, each row lists its `srvs`);
 * - how a device SRV becomes GBCS: the registered transforms
 *   (transform/registered.ts); how a non-device SRV is answered: the
 *   non-device handlers (non-device.ts).
 *
 * The DSP's own facts per row:
 * - `roles`: the DUIS User Roles eligible to send the SR (DUIS's SRV
 *   eligibility table, this project's reading of it, best effort: docs/dsp.md);
 * - `refused`: Command Variants the XSD allows but this DSP does not offer,
 *   each with its reason (SECMP0038 DSP-3), and those it offers only under
 *   a user policy (8.1.1 CV 6/7 with the no-WAN commissioning policy);
 * - `kind`: `non-device` (CV 8, answered by the DCC), `dsp-scheduled` (a
 *   device SR the DSP may also run on a 5.1 schedule: the XSD's
 *   DSPScheduledServiceReferenceVariant list) or `device`.
 */

import {
  type CommandVariant,
  type DeviceType,
  type FutureDating,
  SERVICE_REQUESTS,
  type ServiceRequestClass,
} from '../../duis/index.ts';
import { type UseCaseRow, useCaseRows } from '../../gbcs/use-cases/index.ts';
import { NON_DEVICE_SRVS } from './non-device.ts';
import { srvTransform } from './transform/registered.ts';
import { USER_ROLES, type UserRole } from './users.ts';

export type SrvKind = 'device' | 'dsp-scheduled' | 'non-device';

/** A Command Variant the DSP does not offer for an SRV, and why; `unlessPolicy`: offered to users with it. */
export interface CvRefusal {
  cvs: readonly CommandVariant[];
  reason: string;
  unlessPolicy?: 'noWanCommissioning';
}

// ---------------------------------------------------------------- role sets (DUIS User Roles)

const ALL: readonly UserRole[] = USER_ROLES;
/** Import and gas suppliers: tariff, prepayment, supply, device management of their meters. */
const IG: readonly UserRole[] = ['IS', 'GS'];
const IS: readonly UserRole[] = ['IS'];
const GT: readonly UserRole[] = ['GT'];
/** Reads of import data on electricity and gas meters. */
const READ_IMPORT: readonly UserRole[] = ['IS', 'GS', 'ED', 'GT', 'OU'];
/** Reads of electricity-only import data. */
const READ_ELEC: readonly UserRole[] = ['IS', 'ED', 'OU'];
/** Reads of export data. */
const READ_EXPORT: readonly UserRole[] = ['IS', 'ES', 'ED', 'OU'];
/** Suppliers and network operators (device configuration, firmware version). */
const SUP_NET: readonly UserRole[] = ['IS', 'ES', 'GS', 'ED', 'GT'];
/** Every user role but the registered supplier agent (reads of configuration and logs). */
const READERS: readonly UserRole[] = ['IS', 'ES', 'GS', 'ED', 'GT', 'OU'];
/** Electricity supplier and distributor (load limiting, voltage, auxiliary loads). */
const ELEC_NET: readonly UserRole[] = ['IS', 'ED'];
/**
 * The electricity distributor alone: 6.5 and 6.27 (voltage configuration,
 * ECS29a-f) and 6.18.1 (maximum demand time period, ECS37), use cases GBCS
 * gives the network operator only. This project's reading of DUIS had the
 * import supplier too, so an IS passed DUIS eligibility and was refused E2 by
 * the GBCS role check; the table now says what the DSP does (E2 at the
 * eligibility check, not offered to a supplier by `dsp srs`, the OpenAPI and
 * the consoles). PROVISIONAL where DUIS's eligibility table is not here.
 */
const ED_ONLY: readonly UserRole[] = ['ED'];
/** Suppliers and other users (joining consumer devices). */
const SUP_OTHER: readonly UserRole[] = ['IS', 'ES', 'GS', 'OU'];

// ---------------------------------------------------------------- refusals

const FIRMWARE_LOCAL: CvRefusal = {
  cvs: [2, 3, 6, 7],
  reason: 'firmware images are never delivered through a PPMID or other local route (SECMP0038 DSP-3, CH-3)',
};
const COMMISSION_LOCAL: CvRefusal = {
  cvs: [6, 7],
  reason:
    'Commission Device is not delivered locally unless the user has the no-WAN commissioning policy (SECMP0038 DSP-3, decision C8)',
  unlessPolicy: 'noWanCommissioning',
};

type Row = readonly [srv: string, roles: readonly UserRole[], refused?: readonly CvRefusal[]];

/** One row per DUIS V5.4 SRV, in schema order (srv-table.test.ts checks it against the XSD). */
const ROWS: readonly Row[] = [
  ['1.1.1', IG],
  ['1.1.2', IS],
  ['1.2.1', IG],
  ['1.2.2', IS],
  ['1.5', IG],
  ['1.6', IG],
  ['1.7', IG],
  ['2.1', IG],
  ['2.2', IG],
  ['2.3', IG],
  ['2.5', IG],
  ['3.1', IG],
  ['3.2', IG],
  ['3.3', IG],
  ['3.4', IG],
  ['3.5', IG],
  ['4.1.1', READ_IMPORT],
  ['4.1.2', READ_IMPORT],
  ['4.1.3', READ_ELEC],
  ['4.1.4', IG],
  ['4.2', READ_EXPORT],
  ['4.3', IG],
  ['4.4.2', IG],
  ['4.4.3', IG],
  ['4.4.4', IG],
  ['4.4.5', IG],
  ['4.6.1', READ_IMPORT],
  ['4.6.2', READ_EXPORT],
  ['4.8.1', READ_IMPORT],
  ['4.8.2', READ_ELEC],
  ['4.8.3', READ_EXPORT],
  ['4.10', ['IS', 'GS', 'ED', 'GT']],
  ['4.11.1', IG],
  ['4.11.2', IS],
  ['4.12.1', READ_ELEC],
  ['4.12.2', READ_EXPORT],
  ['4.13', IG],
  ['4.14', IG],
  ['4.15', ELEC_NET],
  ['4.16', READ_ELEC],
  ['4.17', READ_IMPORT],
  ['4.18', IG],
  ['5.1', READERS],
  ['5.2', READERS],
  ['5.3', READERS],
  ['6.2.1', ['IS', 'ED']],
  ['6.2.2', SUP_NET],
  ['6.2.3', IG],
  ['6.2.4', READERS],
  ['6.2.5', ELEC_NET],
  ['6.2.7', READERS],
  ['6.2.8', ['GS', 'GT']],
  ['6.2.9', IG],
  ['6.2.10', SUP_NET],
  ['6.4.1', ELEC_NET],
  ['6.4.2', ELEC_NET],
  ['6.5', ED_ONLY],
  ['6.6', IG],
  ['6.7', IG],
  ['6.8', IG],
  ['6.11', IG],
  ['6.12', ELEC_NET],
  ['6.13', SUP_NET],
  ['6.14.1', ELEC_NET],
  ['6.14.2', ELEC_NET],
  ['6.14.3', ELEC_NET],
  ['6.15.1', SUP_NET],
  ['6.15.2', SUP_NET],
  ['6.17', SUP_NET],
  ['6.18.1', ED_ONLY],
  ['6.18.2', ELEC_NET],
  ['6.20.1', IG],
  ['6.20.2', ['IS', 'ES']],
  ['6.21', SUP_NET],
  ['6.22', SUP_NET],
  ['6.23', IG],
  ['6.24.1', SUP_NET],
  ['6.24.2', SUP_NET],
  ['6.25', IS],
  ['6.26', IG],
  ['6.27', ED_ONLY],
  ['6.28', IG],
  ['6.29', IG],
  ['6.30', READERS],
  ['6.31', READERS],
  ['6.32', READERS],
  ['7.1', IG],
  ['7.2', IG],
  ['7.3', IG],
  ['7.4', READ_IMPORT],
  ['7.5', ELEC_NET],
  ['7.6', ELEC_NET],
  ['7.7', ELEC_NET],
  ['7.8', ELEC_NET],
  ['7.9', ELEC_NET],
  ['7.10', ELEC_NET],
  ['7.11', ELEC_NET],
  ['7.12', ELEC_NET],
  ['7.13', ELEC_NET],
  ['7.14', ELEC_NET],
  ['7.15', ELEC_NET],
  ['7.16', ELEC_NET],
  ['8.1.1', IG, [COMMISSION_LOCAL]],
  ['8.2', ALL],
  ['8.3', IG],
  ['8.4', IG],
  ['8.5', IS],
  ['8.6', IS],
  ['8.7.1', IG],
  ['8.7.2', SUP_OTHER],
  ['8.8.1', IG],
  ['8.8.2', SUP_OTHER],
  ['8.9', ['IS', 'GS', 'ED', 'GT']],
  ['8.11', IG],
  ['8.12.1', IG],
  ['8.12.2', IG],
  ['8.13', READERS],
  ['8.14.1', IG],
  ['8.14.2', IG],
  ['8.14.3', IG],
  ['8.14.4', IG],
  ['9.1', IG],
  ['11.1', IG, [FIRMWARE_LOCAL]],
  ['11.2', SUP_NET],
  ['11.3', IG],
  ['11.4', IG, [FIRMWARE_LOCAL]],
  ['12.1', ALL],
  ['12.2', IG],
  ['14.1', GT],
];

/**
 * The XSD's DSPScheduledServiceReferenceVariant list: the device SRs a 5.1
 * Create Schedule may name (the DSP sends them on its schedule).
 */
export const DSP_SCHEDULABLE_SRVS: readonly string[] = Object.freeze([
  '4.2',
  '4.6.1',
  '4.6.2',
  '4.8.1',
  '4.8.2',
  '4.8.3',
  '4.10',
  '4.12.1',
  '4.12.2',
  '4.14',
  '4.15',
  '4.16',
  '4.17',
  '14.1',
]);

// ---------------------------------------------------------------- derived rows

export interface SrvUseCase {
  useCase: string;
  messageCode: number;
  targets: readonly string[];
  critical: boolean;
}

export interface SrvEntry {
  srv: string;
  serviceReference: string;
  name: string;
  bodyElement: string;
  class: ServiceRequestClass;
  kind: SrvKind;
  futureDating: FutureDating;
  /** Device types DUIS lets the SR target (empty: non-device, targets the ACB). */
  targets: readonly DeviceType[];
  /** GBCS use cases the SR produces (catalogue rows naming this SRV). */
  useCases: readonly SrvUseCase[];
  /** DUIS User Roles eligible to send it. */
  roles: readonly UserRole[];
  /** Command Variants the XSD allows for it. */
  duisCommandVariants: readonly CommandVariant[];
  /** Those this DSP offers (to any eligible user). */
  commandVariants: readonly CommandVariant[];
  /** Command Variants not offered (or offered only under a policy), with reasons. */
  refused: readonly CvRefusal[];
}

const catalogueBySrv = (): Map<string, UseCaseRow[]> => {
  const m = new Map<string, UseCaseRow[]>();
  for (const r of useCaseRows())
    if (r.kind === 'command')
      for (const s of r.srvs) {
        const l = m.get(s) ?? [];
        l.push(r);
        m.set(s, l);
      }
  return m;
};

function build(): readonly SrvEntry[] {
  const rowsBySrv = new Map(ROWS.map((r) => [r[0], r]));
  if (rowsBySrv.size !== ROWS.length) throw new Error('SRV table: an SRV twice');
  const ucs = catalogueBySrv();
  return SERVICE_REQUESTS.map((def) => {
    const row = rowsBySrv.get(def.srv);
    if (!row) throw new Error(`SRV table: no row for DUIS SRV ${def.srv}`);
    const refused = row[2] ?? [];
    const notOffered = new Set(refused.flatMap((r) => r.cvs));
    const kind: SrvKind =
      def.class === 'non-device'
        ? 'non-device'
        : DSP_SCHEDULABLE_SRVS.includes(def.srv)
          ? 'dsp-scheduled'
          : 'device';
    return Object.freeze({
      srv: def.srv,
      serviceReference: def.serviceReference,
      name: def.name,
      bodyElement: def.bodyElement,
      class: def.class,
      kind,
      futureDating: def.futureDating,
      targets: def.deviceTypes,
      useCases: (ucs.get(def.srv) ?? []).map((r) => ({
        useCase: r.useCase,
        messageCode: r.code,
        targets: r.targets,
        critical: r.critical,
      })),
      roles: row[1],
      duisCommandVariants: def.commandVariants,
      commandVariants: def.commandVariants.filter((cv) => !notOffered.has(cv)),
      refused,
    });
  });
}

let TABLE: readonly SrvEntry[] | undefined;
let BY_SRV: Map<string, SrvEntry> | undefined;

/** Every SRV of DUIS V5.4, in schema order (built on first use, after every catalogue row is loaded). */
export function srvTable(): readonly SrvEntry[] {
  if (!TABLE) {
    TABLE = build();
    BY_SRV = new Map(TABLE.map((e) => [e.srv, e]));
  }
  return TABLE;
}

export function srvEntry(srv: string): SrvEntry | undefined {
  srvTable();
  return BY_SRV!.get(srv);
}

/** Whether this DSP answers the SRV today: a registered transform (device) or handler (non-device). */
export function srvSupported(srv: string): boolean {
  const e = srvEntry(srv);
  if (!e) return false;
  return e.class === 'non-device' ? NON_DEVICE_SRVS.includes(srv) : srvTransform(srv) !== undefined;
}

/** DUIS role eligibility per SRV (the form `DspServiceOptions.roleEligibility` takes). */
export function srvRoleEligibility(): ReadonlyArray<readonly [string, readonly UserRole[]]> {
  return srvTable().map((e) => [e.srv, e.roles] as const);
}

/**
 * The Command Variants offered to a user for `srv`: the XSD's, less the
 * refused ones, plus those a policy of the user opens (8.1.1 CV 6/7).
 */
export function offeredCommandVariants(
  srv: string,
  policies: { noWanCommissioning?: boolean } = {},
): CommandVariant[] {
  const e = srvEntry(srv);
  if (!e) return [];
  const s = new Set<CommandVariant>(e.duisCommandVariants);
  for (const r of e.refused)
    for (const cv of r.cvs) {
      if (r.unlessPolicy && policies[r.unlessPolicy]) s.add(cv);
      else s.delete(cv);
    }
  return [...s].sort((a, b) => a - b);
}

/** The refusal that applies to `cv` for `srv`, given the user's policies (undefined: offered). */
export function cvRefusal(
  srv: string,
  cv: CommandVariant,
  policies: { noWanCommissioning?: boolean } = {},
): CvRefusal | undefined {
  for (const r of srvEntry(srv)?.refused ?? [])
    if (r.cvs.includes(cv) && !(r.unlessPolicy && policies[r.unlessPolicy])) return r;
  return undefined;
}

/** Markdown of the table (docs/dsp.md's SRV list; `dsp srs --markdown` prints it, a test keeps the doc in step). */
export function srvMarkdown(): string {
  const lines = [
    '| SRV | name | answered | kind | CVs offered | not offered (why) | roles | use cases |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const e of srvTable()) {
    const refused = e.refused
      .map((r) => `${r.cvs.join(',')}${r.unlessPolicy ? ` unless ${r.unlessPolicy}` : ''}: ${r.reason}`)
      .join('; ');
    lines.push(
      `| ${e.srv} | ${e.name} | ${srvSupported(e.srv) ? 'yes' : 'E11'} | ${e.kind} | ${e.commandVariants.join(',') || '-'} | ${refused || '-'} | ${e.roles.join(',')} | ${e.useCases.map((u) => u.useCase).join(', ') || '-'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
