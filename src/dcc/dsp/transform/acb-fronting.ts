/**
 * When the ACB, not the DUIS user, is the GBCS Originator of a user's
 * command (the user then is the Supplementary Remote Party, GBCS 4.3.2):
 * the catalogue's role table (use-cases/rows/roles.ts) decides, read with
 * the target device type's Trust Anchor cells (devices/security
 * TRUST_ANCHOR_CELLS_OF, the devices' own table). Two cases:
 * - GBCS lists the ACB and not the user's role as a sender of the use case
 *   (GBCS V3.1: ECS17a is Network Operator and ACB, so a supplier's 4.2
 *   goes through the ACB);
 * - the target type holds no cell for the user's role, and the role table
 *   lets the ACB act for that role (`acbOnBehalfOf`): a PPMID (cells Root,
 *   Recovery, ACB: PROVISIONAL) has only the ACB as remote party, so the
 *   supplier's CS02c / CS02d / CS02e (6.17, 6.15.2, 6.24.2) reach it from the
 *   ACB, which signs them (transform.ts: the user still signs the
 *   Pre-Command, the DSP checks that signature, then the ACB signs the
 *   Command the PPMID verifies against its ACB cell). PROVISIONAL: the GBCS
 *   use-case files give CS02c/d/e no access table ("See section 13.x").
 */
import type { DeviceType } from '../../../devices/contracts.ts';
import {
  CELL_BY_ROLE,
  TRUST_ANCHOR_CELLS_OF,
  type TrustAnchorCellName,
} from '../../../devices/security/credentials.ts';
import { type RemotePartyRole, rolesForUseCase } from '../../../gbcs/use-cases/index.ts';

const CELL_NAMES: ReadonlySet<string> = new Set(Object.values(CELL_BY_ROLE));

/** Whether a device of `deviceType` holds a cell to authenticate `role` (an unlisted type, or a role no cell names: yes). */
export function typeHoldsCellFor(deviceType: DeviceType, role: RemotePartyRole): boolean {
  const cells = TRUST_ANCHOR_CELLS_OF[deviceType];
  if (!cells || !CELL_NAMES.has(role)) return true;
  return cells.includes(role as TrustAnchorCellName);
}

/** Why the ACB originates `useCase` to a `deviceType` for a user of `role`, or undefined when the user does. */
export function acbFrontingReason(
  useCase: string,
  deviceType: DeviceType,
  role: RemotePartyRole | undefined,
): 'gbcs-lists-acb' | 'no-cell-for-user' | undefined {
  if (role === undefined) return undefined;
  const r = rolesForUseCase(useCase);
  if (!r?.viaAcb.includes(role)) return undefined;
  if (!r.direct.includes(role)) return 'gbcs-lists-acb';
  if (!typeHoldsCellFor(deviceType, role)) return 'no-cell-for-user';
  return undefined;
}

/** Whether the ACB originates `useCase` to a `deviceType` for a user of `role` (acbFrontingReason). */
export function acbFronts(
  useCase: string,
  deviceType: DeviceType,
  role: RemotePartyRole | undefined,
): boolean {
  return acbFrontingReason(useCase, deviceType, role) !== undefined;
}

/** Where the ACB fronts for users: per target type, the user roles it originates `useCase` for (none: omitted). */
export function acbFrontedTargets(
  useCase: string,
  targets: readonly DeviceType[],
  roles: readonly RemotePartyRole[],
): { target: DeviceType; for: RemotePartyRole[]; reason: 'gbcs-lists-acb' | 'no-cell-for-user' }[] {
  const out: { target: DeviceType; for: RemotePartyRole[]; reason: 'gbcs-lists-acb' | 'no-cell-for-user' }[] =
    [];
  for (const target of targets) {
    const hits = roles
      .map((r) => [r, acbFrontingReason(useCase, target, r)] as const)
      .filter((x) => x[1] !== undefined);
    if (hits.length === 0) continue;
    // one reason per target: a role GBCS does not list is fronted everywhere, a missing cell only on this type
    const reason = hits.some(([, why]) => why === 'no-cell-for-user') ? 'no-cell-for-user' : 'gbcs-lists-acb';
    out.push({ target, for: hits.map(([r]) => r), reason });
  }
  return out;
}
