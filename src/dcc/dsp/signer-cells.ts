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
 * Today this refuses the supplier's (or network operator's) critical
 * 6.15.1, 6.15.2, 6.17, 6.24.2 and the transitional CoS party's 6.23 to a
 * PPMID, whose cells are Root, Recovery and ACB only (PROVISIONAL there).
 */
import type { DeviceType } from '../../devices/contracts.ts';
import {
  CELL_BY_ROLE,
  TRUST_ANCHOR_CELLS_OF,
  type TrustAnchorCellName,
} from '../../devices/security/credentials.ts';
import type { RemotePartyRole } from '../../gbcs/use-cases/index.ts';
import { srvTransform } from './transform/registered.ts';
import type { AnySrvTransform, UseCaseRule } from './transform/rule.ts';

const CELL_NAMES: ReadonlySet<string> = new Set(Object.values(CELL_BY_ROLE));

/** The roles whose key authenticates `rule`'s command (the user's, for a user-originated one). */
function originatorRoles(
  t: AnySrvTransform,
  rule: UseCaseRule<unknown>,
  userRoles: readonly RemotePartyRole[],
): readonly RemotePartyRole[] {
  const kind = rule.originator ?? t.originator;
  if (kind === 'acb') return ['acb'];
  if (kind === 'dcc') return [rule.dccParty ?? 'acb'];
  return userRoles;
}

/** Whether a device of `deviceType` holds a cell to authenticate `role` (an unlisted type, or a role no cell names: yes). */
export function typeHoldsCellFor(deviceType: DeviceType, role: RemotePartyRole): boolean {
  const cells = TRUST_ANCHOR_CELLS_OF[deviceType];
  if (!cells || !CELL_NAMES.has(role)) return true;
  return cells.includes(role as TrustAnchorCellName);
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
    originatorRoles(t, r, userRoles).map((role) => [r.useCase, role] as const),
  );
  if (pairs.length === 0 || pairs.some(([, role]) => typeHoldsCellFor(deviceType, role))) return undefined;
  const missing = [...new Set(pairs.map(([, role]) => role))];
  const ucs = [...new Set(pairs.map(([uc]) => uc))];
  const kind = t.critical || rules.some((r) => r.acbSigns) ? 'signed' : 'originated';
  return `SR ${srv} to a ${deviceType}: its command (${ucs.join(' / ')}) is ${kind} by the ${missing.join(' or ')}, and a ${deviceType} holds no ${missing.join(' or ')} Trust Anchor cell (it holds ${(TRUST_ANCHOR_CELLS_OF[deviceType] ?? []).join(', ')}: devices/security TRUST_ANCHOR_CELLS_OF), so it could not authenticate it`;
}
