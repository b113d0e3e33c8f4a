/**
 * The DSP's trust-anchor check for device SRs ("never silence"): a device
 * authenticates a command by its originator's Trust Anchor cell (the DS
 * certificate of a critical command's signer, the KA certificate of a
 * MAC'd command's originator; GBCS 4.3.3, devices/security/device-security.ts
 * UNKNOWN_ORIGINATOR). The DSP knows the target's device type and the cells
 * that type holds (`TRUST_ANCHOR_CELLS_OF`, the devices' own table, imported
 * here, not copied), so it does not build a command the target has no cell
 * to check: it refuses the request with DUIS E11 (the SR is not compatible
 * with the device type), naming the missing cell, before any command, record
 * or outbox row exists.
 *
 * The originator of each use case an SRV produces on a type comes from the
 * transform rows (transform/rule.ts: `user` = the DUIS user's GBCS role,
 * `acb` = the ACB, `dcc` = the rule's DCC party, default the ACB). A request
 * is refused only when no use case the SRV can produce on that type has an
 * originator the type holds a cell for (several per-body variants: one with
 * a cell suffices; the transform picks by the body). A device type the table
 * does not list (CHF, GPF) holds every cell; an originator role that names
 * no cell (`otherUser`) is not judged here (PROVISIONAL: the transforms send
 * an Other User's commands through the ACB).
 *
 * A user whose role the target holds no cell for, but for whom the role
 * table lets the ACB send the use case (transform/acb-fronting.ts), is
 * served by the ACB: the supplier's 6.17, 6.15.2 and 6.24.2 to a PPMID
 * (CS02c / CS02d / CS02e, the ACB originates and signs) are built. Still
 * refused to a PPMID, whose cells are Root, Recovery and ACB only
 * (PROVISIONAL there): 6.15.1 (CS02b supplier by supplier / NO by NO: the
 * Known Remote Party that signs it is the business originator, GBCS
 * 13.3.3.1, so the ACB cannot stand in, and the PPMID holds no supplier or
 * network operator cell to replace) and 6.23 (CS02b by the transitional
 * CoS party: no transitional CoS cell to verify it, no supplier cell to
 * replace); a network operator's 6.17 / 6.15.2 / 6.24.2 (the role table
 * lets the ACB act for suppliers only).
 */
import type { DeviceType } from '../../devices/contracts.ts';
import { TRUST_ANCHOR_CELLS_OF } from '../../devices/security/credentials.ts';
import { type RemotePartyRole, rolesForUseCase } from '../../gbcs/use-cases/index.ts';
import { acbFronts, typeHoldsCellFor } from './transform/acb-fronting.ts';
import { srvTransform } from './transform/registered.ts';
import type { AnySrvTransform, UseCaseRule } from './transform/rule.ts';

export { typeHoldsCellFor };

/**
 * The roles whose key authenticates `rule`'s command on a `deviceType` (the
 * user's, for a user-originated one; the ACB's where it fronts for the user).
 */
function originatorRoles(
  t: AnySrvTransform,
  rule: UseCaseRule<unknown>,
  deviceType: DeviceType,
  userRoles: readonly RemotePartyRole[],
): readonly RemotePartyRole[] {
  const kind = rule.originator ?? t.originator;
  if (kind === 'acb') return ['acb'];
  if (kind === 'dcc') return [rule.dccParty ?? 'acb'];
  return userRoles.map((r) => (acbFronts(rule.useCase, deviceType, r) ? 'acb' : r));
}

/**
 * Why the DSP refuses `srv` to a `deviceType` for a user of GBCS roles
 * `userRoles` (the target holds no cell for any originator the SRV's use
 * cases on that type could have), or undefined when some use case can be
 * authenticated there (or the SRV builds none for that type).
 */
export function signerCellRefusal(
  srv: string,
  deviceType: DeviceType,
  userRoles: readonly RemotePartyRole[],
): string | undefined {
  // A function of fixed tables (the SRV transforms, the cells per device type): worked out once per
  // SRV, device type and roles, not per request (issue 17).
  const key = `${srv}|${deviceType}|${userRoles.join(',')}`;
  let hit = REFUSALS.get(key);
  if (hit === undefined) {
    hit = { why: workOutRefusal(srv, deviceType, userRoles) };
    if (REFUSALS.size < 4096) REFUSALS.set(key, hit);
  }
  return hit.why;
}

/** signerCellRefusal's answers, by `srv|deviceType|roles` (a few hundred at most: the SRVs x types x role sets). */
const REFUSALS = new Map<string, { why: string | undefined }>();

function workOutRefusal(
  srv: string,
  deviceType: DeviceType,
  userRoles: readonly RemotePartyRole[],
): string | undefined {
  const t = srvTransform(srv);
  if (!t) return undefined;
  const rules = t.useCases.filter((u) => (u.targets as readonly DeviceType[]).includes(deviceType));
  const pairs = rules.flatMap((r) =>
    originatorRoles(t, r, deviceType, userRoles).map((role) => [r.useCase, role] as const),
  );
  if (pairs.length === 0 || pairs.some(([, role]) => typeHoldsCellFor(deviceType, role))) return undefined;
  const missing = [...new Set(pairs.map(([, role]) => role))];
  const ucs = [...new Set(pairs.map(([uc]) => uc))];
  const kind = t.critical || rules.some((r) => r.acbSigns) ? 'signed' : 'originated';
  // where the user would have signed: why the ACB does not stand in (the role table's ACB parties of each use case)
  const userSigned = rules.filter((r) => (r.originator ?? t.originator) === 'user');
  const noAcb =
    userSigned.length === 0
      ? ''
      : `; nor may the ACB send it for a ${userRoles.join(' or ')} (role table, use-cases/rows/roles.ts: ${userSigned
          .map(
            (r) => `${r.useCase} ACB on behalf of ${rolesForUseCase(r.useCase)?.viaAcb.join(', ') || 'none'}`,
          )
          .join('; ')})`;
  return `SR ${srv} to a ${deviceType}: its command (${ucs.join(' / ')}) is ${kind} by the ${missing.join(' or ')}, and a ${deviceType} holds no ${missing.join(' or ')} Trust Anchor cell (it holds ${(TRUST_ANCHOR_CELLS_OF[deviceType] ?? []).join(', ')}: devices/security TRUST_ANCHOR_CELLS_OF), so it could not authenticate it${noAcb}`;
}
