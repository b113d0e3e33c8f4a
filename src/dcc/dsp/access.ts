/**
 * The DSP's GBCS role check for device Service Requests (docs/use-cases.md
 * "The DSP's role check"): beside DUIS eligibility (the SRV table's roles,
 * users.ts `eligibleRoles`), a device SR passes only if a role the user holds,
 * eligible for the SR, may be the business originator of the GBCS use case
 * the SR produces on the target, as the catalogue's one role table says
 * (`mayOriginate`, directly or through the ACB). Non-device SRs have no GBCS
 * use case: DUIS eligibility alone decides them.
 *
 * The use cases an SRV produces on a device type are the catalogue rows that
 * name the SRV and target that type (or ANY). Where there are several for
 * one target they are per-role variants the DSP picks between (6.2.10:
 * ECS25r1 for a supplier, ECS25r2 for a network operator; 6.22: ECS25a.. or
 * ECS25b..), so one of them suffices. An SRV no catalogue row names (7.6,
 * 7.8, 7.9, 7.14-7.16, 8.8.1 today) is left to DUIS eligibility, and so is a
 * use case that a DCC party originates itself (its roles name the ACB or the
 * transitional CoS party: CS02a/CS02f credential retrieval, CS02b ACB and
 * handover modes, CoS by the transitional CoS party, GCS59): the user only
 * asks the DCC to send it, and the device sees the DCC party, not the user.
 */
import type { DeviceType } from '../../devices/contracts.ts';
import type { RemotePartyRole } from '../../gbcs/use-cases/index.ts';
import { mayOriginate, rolesForUseCase } from '../../gbcs/use-cases/index.ts';
import { srvEntry } from './srv-table.ts';
import type { UserRole } from './users.ts';

/**
 * The GBCS Remote Party Role of a DUIS User Role: the certificate role the
 * device sees (directly, or in the Supplementary Remote Party ID when the
 * ACB acts for the user). An Export Supplier is a supplier party (the ACB
 * acts for it at the ESME); the Registered Supplier Agent sends no device
 * commands. NOT ESTABLISHED: which DUIS user acts as a Load Controller
 * (Remote Party Role 8, the only originator of ECS47e, SR 7.16): the DUIS
 * XSD names LoadController only as a RemotePartyRole, so no User Role maps
 * to it and 7.16 stays refused (docs/use-cases.md "7.16 from a Load
 * Controller"; the ECS47e chain is tested at the device level,
 * test/conformance/load-controller-ecs47e.test.ts).
 */
export const GBCS_ROLE_OF_USER_ROLE: Readonly<Record<UserRole, RemotePartyRole | undefined>> = {
  IS: 'supplier',
  ES: 'supplier',
  GS: 'supplier',
  ED: 'networkOperator',
  GT: 'networkOperator',
  OU: 'otherUser',
  RSA: undefined,
};

/** The GBCS roles of the user's `roles` that are `eligible` for an SR (distinct, in order). */
export function userGbcsRoles(roles: readonly UserRole[], eligible: readonly UserRole[]): RemotePartyRole[] {
  const g = roles.filter((r) => eligible.includes(r)).map((r) => GBCS_ROLE_OF_USER_ROLE[r]);
  return [...new Set(g.filter((r) => r !== undefined))];
}

/** The GBCS use cases `srv` produces on a device of `deviceType` (catalogue rows naming the SRV). */
export function srvUseCasesOn(srv: string, deviceType: DeviceType): readonly string[] {
  const ucs = srvEntry(srv)?.useCases ?? [];
  return ucs.filter((u) => u.targets.includes(deviceType) || u.targets.includes('ANY')).map((u) => u.useCase);
}

/**
 * Whether a user of DUIS role `role` may originate what device SR `srv`
 * produces on `deviceType` by GBCS's roles: true when the SRV produces no
 * catalogued use case on that type (nothing for GBCS to say).
 */
export function gbcsRoleMayRequest(srv: string, deviceType: DeviceType, role: UserRole): boolean {
  const ucs = srvUseCasesOn(srv, deviceType);
  if (ucs.length === 0) return true;
  const g = GBCS_ROLE_OF_USER_ROLE[role];
  return ucs.some((uc) => dccOriginates(uc) || (g !== undefined && mayOriginate(uc, g)));
}

/** The DCC's own parties: a use case one of them sends directly is the DCC's, whoever asked. */
const DCC_PARTIES: readonly RemotePartyRole[] = ['acb', 'transitionalCoS'];

/** Whether a DCC party (the ACB, the transitional CoS party) is itself a business originator of `uc`. */
export function dccOriginates(uc: string): boolean {
  const r = rolesForUseCase(uc);
  return r !== undefined && DCC_PARTIES.some((p) => r.direct.includes(p));
}

export type GbcsAccess = { ok: true } | { ok: false; detail: string };

/**
 * The check for a device SR: one of `eligible` (the user's roles DUIS lets
 * send the SR) must pass `gbcsRoleMayRequest`; the refusal names the use
 * cases and roles.
 */
export function deviceSrGbcsAccess(
  srv: string,
  deviceType: DeviceType,
  eligible: readonly UserRole[],
): GbcsAccess {
  if (eligible.some((r) => gbcsRoleMayRequest(srv, deviceType, r))) return { ok: true };
  const ucs = srvUseCasesOn(srv, deviceType);
  const roles = eligible.map((r) => GBCS_ROLE_OF_USER_ROLE[r] ?? `${r} (no GBCS role)`);
  const noUser = ucs.map(originatorsNoUserHolds).find((x) => x !== undefined);
  return {
    ok: false,
    detail: `GBCS: ${[...new Set(roles)].join(', ') || 'no role'} may not originate ${ucs.join(' / ')} on a ${deviceType}${noUser ? `; ${noUser}` : ''}`,
  };
}

/** The GBCS Remote Party Roles some DUIS User Role maps to. */
const USER_GBCS_ROLES: ReadonlySet<string> = new Set(
  Object.values(GBCS_ROLE_OF_USER_ROLE).filter((r) => r !== undefined),
);

/**
 * What the DUIS XSD (V5.4) says of a Remote Party Role no User Role maps to,
 * read for issue 17: where the schema names it at all. The Load Controller
 * appears only as a `RemotePartyRole` value, i.e. as the subject of the
 * credential SRs, never as an originator: the Request Header (RequestID,
 * CommandVariant, ServiceReference, ServiceReferenceVariant) carries no
 * role, and 7.16's body `LimitAPCLevel` (StartDateTime, EndDateTime,
 * CommandedStateLevel, InputFromControlledLoad, auxiliaryControllerN) names
 * no originating party.
 */
const NO_USER_ROLE_IN_DUIS: Readonly<Partial<Record<string, string>>> = {
  loadController:
    'the DUIS V5.4 XSD names LoadController only as a RemotePartyRole value (6.15.1 UpdateSecurityCredentialsKRP, 6.24.1 RetrieveDeviceSecurityCredentialsKRP, 6.21 RequestHandoverOfDCCControlledDevice, DCC Alert SecurityCredentialsUpdated), and neither the Request Header nor 7.16 LimitAPCLevel names an originating role',
};

/**
 * Why no DUIS user can ever originate `uc`, when that is so: every party its
 * GBCS access table lists (directly or through the ACB) is a role no DUIS
 * User Role maps to (ECS47e, 7.16: the Load Controller only), with what the
 * DUIS XSD says of that role.
 */
export function originatorsNoUserHolds(uc: string): string | undefined {
  const r = rolesForUseCase(uc);
  if (!r || dccOriginates(uc)) return undefined;
  const parties = [...r.direct, ...r.viaAcb];
  if (parties.length === 0 || parties.some((p) => USER_GBCS_ROLES.has(p))) return undefined;
  const duis = parties.flatMap((p) => NO_USER_ROLE_IN_DUIS[p] ?? []);
  return `GBCS lets only ${parties.join(', ')} originate ${uc}, a Remote Party Role no DUIS User Role maps to${duis.length > 0 ? ` (${duis.join('; ')})` : ''}`;
}

/**
 * Why the DSP refuses device SR `srv` to every DUIS user eligible for it by
 * GBCS's roles (each target the SRV's use cases name), or undefined when
 * some eligible user may send it: `dsp srs --json` states it.
 */
export function gbcsRefusalForEveryUser(srv: string): string | undefined {
  const e = srvEntry(srv);
  if (!e || e.useCases.length === 0) return undefined;
  const types = [...new Set(e.useCases.flatMap((u) => u.targets))].filter((t) => t !== 'ANY') as DeviceType[];
  const refused = types.filter((t) => !e.roles.some((r) => gbcsRoleMayRequest(srv, t, r)));
  if (refused.length === 0 || refused.length < types.length) return undefined;
  const why = refused.map((t) => deviceSrGbcsAccess(srv, t, e.roles)).map((a) => (a.ok ? '' : a.detail));
  return `refused to every eligible user (${e.roles.join(', ')}) by the DSP's GBCS role check: ${[...new Set(why)].join('; ')}`;
}
