/**
 * The DSP's user registry: every DCC user (a supplier, a network operator,
 * an other user) with its roles, XML-signing certificates (DUIS request
 * signatures), GBCS certificates (DS: signed Pre-Commands; KA: MACs of
 * responses), its Receive Response Service URL and its DSP policies
 * (SECMP0038 DSP-3 no-WAN commissioning).
 *
 * Role eligibility (which DUIS User Roles may send which SRV) is a column of
 * the SRV table (srv-table.ts, `srvRoleEligibility()`); a deployment can
 * replace it (`DspServiceOptions.roleEligibility`).
 */
import type { DeviceType } from '../../devices/contracts.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { DspServiceError } from './errors.ts';

/**
 * DUIS User Roles: Import Supplier, Export Supplier, Gas Supplier,
 * Electricity Distributor, Gas Transporter, Registered Supplier Agent, Other User.
 */
export type UserRole = 'IS' | 'ES' | 'GS' | 'ED' | 'GT' | 'RSA' | 'OU';
export const USER_ROLES: readonly UserRole[] = ['IS', 'ES', 'GS', 'ED', 'GT', 'RSA', 'OU'];
/** The supplier roles (a change of supplier moves a device from one to another of the same role). */
export const SUPPLIER_ROLES: readonly UserRole[] = ['IS', 'ES', 'GS'];

export type UserStatus = 'active' | 'suspended';

export interface DspUserPolicies {
  /**
   * SECMP0038 DSP-3 / decision C8: allow Commission Device (8.1.1) as a
   * Signed Pre-Command for local delivery (CV 6/7), for premises with no WAN
   * at all (3.1.1). Off by default.
   */
  noWanCommissioning: boolean;
}

export interface DspUser {
  eui: Eui;
  name?: string;
  roles: UserRole[];
  status: UserStatus;
  /** PEM X.509 XML-signing certificates (DUIS signatures); the subject x500UniqueIdentifier is the user's EUI. */
  xmlSigningCertificates: string[];
  /** PEM GBCS certificates (DS and KA), added to the DSP key store (signed Pre-Commands, response MACs). */
  gbcsCertificates: string[];
  /** The user's Receive Response Service: asynchronous Responses and Alerts are POSTed here. */
  receiveUrl: string;
  policies: DspUserPolicies;
}

export type DspUserInput = Omit<DspUser, 'eui' | 'status' | 'policies' | 'gbcsCertificates'> & {
  eui: string;
  status?: UserStatus;
  policies?: Partial<DspUserPolicies>;
  gbcsCertificates?: string[];
};

/** Checks and normalises a user record (EUI form, roles, URL). Throws DSP_CONFIG. */
export function normaliseUser(u: DspUserInput): DspUser {
  let eui: Eui;
  try {
    eui = normaliseEui(u.eui);
  } catch {
    throw new DspServiceError('DSP_CONFIG', `user EUI ${JSON.stringify(u.eui)} is not an EUI-64`);
  }
  for (const r of u.roles)
    if (!USER_ROLES.includes(r))
      throw new DspServiceError('DSP_CONFIG', `user ${eui}: unknown role ${JSON.stringify(r)}`);
  let url: URL;
  try {
    url = new URL(u.receiveUrl);
  } catch {
    throw new DspServiceError(
      'DSP_CONFIG',
      `user ${eui}: receiveUrl ${JSON.stringify(u.receiveUrl)} is no URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DspServiceError('DSP_CONFIG', `user ${eui}: receiveUrl must be http(s)`);
  if (u.xmlSigningCertificates.length === 0)
    throw new DspServiceError('DSP_CONFIG', `user ${eui}: at least one XML-signing certificate is needed`);
  const status = u.status ?? 'active';
  if (status !== 'active' && status !== 'suspended')
    throw new DspServiceError('DSP_CONFIG', `user ${eui}: status ${JSON.stringify(status)}`);
  const out: DspUser = {
    eui,
    roles: [...new Set(u.roles)],
    status,
    xmlSigningCertificates: [...u.xmlSigningCertificates],
    gbcsCertificates: [...(u.gbcsCertificates ?? [])],
    receiveUrl: url.toString(),
    policies: { noWanCommissioning: u.policies?.noWanCommissioning ?? false },
  };
  if (u.name !== undefined) out.name = u.name;
  return out;
}

export type RoleEligibility = (srv: string) => readonly UserRole[];

/**
 * The roles that may send `srv` under `table` (the SRV table's
 * `srvRoleEligibility()`, or a deployment's own; an entry is an SRV or, ending
 * in '.', a prefix; the longest match wins; none if no entry matches).
 */
export function eligibleRoles(
  srv: string,
  table: ReadonlyArray<readonly [string, readonly UserRole[]]>,
): readonly UserRole[] {
  let best: readonly UserRole[] = [];
  let bestLen = -1;
  for (const [prefix, roles] of table) {
    const matches = prefix.endsWith('.')
      ? srv.startsWith(prefix)
      : srv === prefix || srv.startsWith(`${prefix}.`);
    if (matches && prefix.length > bestLen) {
      best = roles;
      bestLen = prefix.length;
    }
  }
  return best;
}

/**
 * DUIS E4 (role not authorised for the device), as far as the fuel decides
 * it: an import or export supplier commands electricity devices (ESME,
 * HCALCS), a gas supplier gas devices (GSME, GPF); either may address the
 * shared CHF and PPMID. Network operators and other users are limited by SR
 * eligibility only. (Registration data, i.e. which supplier is registered
 * for which MPxN, is not modelled.)
 */
export function roleMayAddressDevice(roles: readonly UserRole[], deviceType: DeviceType): boolean {
  const supplierRoles = roles.filter((r) => r === 'IS' || r === 'ES' || r === 'GS');
  if (supplierRoles.length < roles.length) return true; // a non-supplier role: eligibility decides
  switch (deviceType) {
    case 'ESME':
    case 'HCALCS':
    case 'Type2':
      return roles.includes('IS') || roles.includes('ES');
    case 'GSME':
    case 'GPF':
      return roles.includes('GS');
    default:
      return roles.length > 0;
  }
}
