/**
 * Who may run a use case, read from the catalogue's rows (their role fields
 * come from the one role table, rows/roles.ts). Every device's security
 * path (devices/security), the CHF and the DSP's access check ask here;
 * nothing else keeps a list of roles per use case.
 *
 * Two ways a command reaches a device (GBCS use-case tables, docs/use-cases.md "Roles"):
 * - `direct`: the header Originator is a remote party the device holds a
 *   Trust Anchor cell for; its role (certificate OU, ROLE_OF_OU) must be one
 *   of the row's `roles`. A HAN peer (PPMID, HCALCS) is `device`.
 * - `acb`: the header Originator is the Access Control Broker and the
 *   Supplementary Remote Party ID names the party it acts for; that party's
 *   role must be one of the row's `acbOnBehalfOf` (a party the device has
 *   no cell for and whose certificate the ACB did not carry is vouched for
 *   by the ACB: any row with an `acbOnBehalfOf` takes it). A critical command that
 *   the party's role sends itself (`roles`) is not taken this way when the
 *   device holds a cell for the party: that party signs its critical
 *   commands and the device verifies them against its cell (GBCS 4.3), so
 *   the ACB may not stand in. (A PPMID or HCALCS with no supplier cell takes
 *   the ACB's critical unjoin CS04AC for the supplier.)
 */
import type { Originator, RemotePartyRole, UseCaseRowBase } from './row.ts';
import { ROLE_OF_OU } from './row.ts';

/** How the device placed a command's originator. */
export type OriginatorPlacement =
  | { via: 'direct'; role: Originator | null }
  | {
      via: 'acb';
      /**
       * The party's role: from the device's cell for it, or from the
       * certificate the ACB carried; `unstated` when the device has neither
       * (the ACB vouches for it); null for a certificate role no use case names.
       */
      onBehalfOf: RemotePartyRole | 'unstated' | null;
      /** the device holds a Trust Anchor cell for that party */
      partyKnown: boolean;
    };

export type AuthorityVerdict = { ok: true } | { ok: false; detail: string };

/** The role of a certificate OU (127 Other User), or undefined for an OU no use case names. */
export function roleOfOu(ou: number): RemotePartyRole | undefined {
  return (ROLE_OF_OU as Record<number, RemotePartyRole>)[ou];
}

/** Whether `row` lets a command placed as `p` run. `row` undefined: a Message Code the catalogue does not have. */
export function authorise(row: UseCaseRowBase | undefined, p: OriginatorPlacement): AuthorityVerdict {
  if (!row) return { ok: false, detail: 'no catalogue row for the Message Code: no role may run it' };
  if (row.kind !== 'command') return { ok: false, detail: `${row.useCase} is an alert, not a command` };
  if (p.via === 'direct') {
    if (p.role === null)
      return { ok: false, detail: `the originator's certificate role is none a use case names` };
    if (row.roles.includes(p.role)) return { ok: true };
    return {
      ok: false,
      detail: `${p.role} may not send ${row.useCase} (roles: ${row.roles.join(', ') || 'none'})`,
    };
  }
  if (p.onBehalfOf === null)
    return { ok: false, detail: `the ACB acts for a party whose certificate role is none a use case names` };
  if (p.onBehalfOf === 'unstated') {
    if ((row.acbOnBehalfOf ?? []).length > 0) return { ok: true };
    return { ok: false, detail: `the ACB may not send ${row.useCase} on anyone's behalf` };
  }
  if (row.critical && p.partyKnown && row.roles.includes(p.onBehalfOf))
    return {
      ok: false,
      detail: `${row.useCase} is critical: the ${p.onBehalfOf} the device holds a cell for sends and signs it itself, not through the ACB`,
    };
  if (row.acbOnBehalfOf?.includes(p.onBehalfOf)) return { ok: true };
  return {
    ok: false,
    detail: `the ACB may not send ${row.useCase} for a ${p.onBehalfOf} (ACB on behalf of: ${row.acbOnBehalfOf?.join(', ') || 'none'})`,
  };
}

/** The role sets of a row: who may send it directly, and for whom the ACB may. */
export function rolesOfRow(row: UseCaseRowBase): {
  direct: readonly Originator[];
  viaAcb: readonly RemotePartyRole[];
} {
  return { direct: row.roles, viaAcb: row.acbOnBehalfOf ?? [] };
}

/**
 * Whether a party of `role` may be the business originator of the use case
 * at all, directly or through the ACB (the DSP's question: may this user's
 * role request it).
 */
export function rowMayOriginate(row: UseCaseRowBase, role: Originator): boolean {
  if (row.kind !== 'command') return false;
  return row.roles.includes(role) || (role !== 'device' && (row.acbOnBehalfOf ?? []).includes(role));
}
