/**
 * Who may run a command on the CHF: the same rule and table as every device
 * (gbcs/use-cases/authority.ts `authorise`, the catalogue's role table). The
 * CHF holds no supplier or network operator cell (GBCS: the ACB acts for
 * them on the CHF), so the party behind the ACB is never `partyKnown`; its
 * role comes from the CHF's key store when it holds the party's certificate,
 * else the ACB vouches (`unstated`). The PROVISIONAL SECMP0038 commands
 * (provisional.ts) are not GBCS use cases: each names its one originator role.
 */
import { PROVISIONAL_MESSAGE_CODES } from '../../gbcs/codes/provisional.ts';
import type { KeyStore } from '../../gbcs/keystore.ts';
import type { GbcsMessage } from '../../gbcs/types.ts';
import {
  type AuthorityVerdict,
  authorise,
  type OriginatorPlacement,
  roleOfOu,
  useCaseByCode,
} from '../../gbcs/use-cases/index.ts';

export function chfAuthority(keyStore: KeyStore, msg: GbcsMessage): AuthorityVerdict {
  const ou = keyStore.role(msg.originator);
  const role = typeof ou === 'number' ? (roleOfOu(ou) ?? null) : null;
  const provisional = PROVISIONAL_MESSAGE_CODES.find((p) => p.code === msg.messageCode);
  if (provisional)
    return role === provisional.originatorRole
      ? { ok: true }
      : {
          ok: false,
          detail: `${provisional.useCase} comes from the ${provisional.originatorRole}, not ${role}`,
        };
  const supp = msg.otherInfo.supplementaryRemotePartyId;
  let placement: OriginatorPlacement;
  if (role === 'acb' && supp !== null) {
    const partyOu = keyStore.role(supp);
    placement = {
      via: 'acb',
      onBehalfOf: typeof partyOu === 'number' ? (roleOfOu(partyOu) ?? null) : 'unstated',
      partyKnown: false,
    };
  } else placement = { via: 'direct', role };
  return authorise(useCaseByCode(msg.messageCode), placement);
}
