/**
 * The CHF's security-credential use cases (DUIS 6.15 / 6.21, GBCS 13.3), run
 * by the shared meter code (meter-common/security-credentials.ts) on the
 * CHF's own Trust Anchor cells:
 *
 * - the cells: one per remote-party role, the first party of that role in
 *   the CHF's key store (`trustAnchorsFromKeyStore`), with the Root public
 *   key the home gives the CHF (no key: no replacement certificate
 *   verifies, status 10);
 * - CS02a: the cells of each requested role (status 25 for a role without
 *   a cell), with the Remote Party Seq Numbers CS02b set;
 * - CS02b (the modes whose target role the CHF holds a cell for, e.g.
 *   CS02bWPByWP): the GBCS 13.3.3 checks (certificate, key usage, role,
 *   certification path to the Root) and the response of the shared code; a
 *   certificate that fails is not replaced (status 10), the cell and seq
 *   numbers of what is replaced change. A cancellation (99991231235959Z)
 *   answers NULL; an execution date-time in the future is refused as
 *   content the CHF cannot apply (malformed answer, 8F1E): the CHF keeps no
 *   future-dated work (as CS06, asn1-use-cases.ts).
 *
 * Not modelled: the CHF's checks of later commands (signatures, MACs) use
 * its key store, not these cells, so a party whose certificate CS02b
 * replaced is still verified with its old key (SecurityContext).
 */
import type { KeyObject } from 'node:crypto';
import type { KeyStore } from '../../gbcs/keystore.ts';
import {
  applyCredentialUpdate,
  type CredentialDevice,
  type CredentialState,
  credentialDetails,
  defaultCredentialState,
  planCredentialUpdate,
  reapplyReplacedCertificates,
  type UpdateCommand,
  updateResponse,
} from '../meter-common/security-credentials.ts';
import { parseGeneralizedTime } from '../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../meter-common/use-case-registry.ts';
import { type TrustAnchors, trustAnchorsFromKeyStore } from '../security/credentials.ts';
import type { ChfView } from './commands.ts';

const CANCEL = '99991231235959Z';

/** The CHF's credential state before any CS02b: no seq number set (CS02a reports 0), no certificate replaced. */
export function initialChfCredentialState(): CredentialState {
  return { ...defaultCredentialState(), seqNumbers: {} };
}

/** The CHF's Trust Anchor cells (the `security` of the shared credentials code). */
export class ChfTrustAnchors {
  private anchors: TrustAnchors;

  constructor(keyStore: KeyStore, rootPublicKey: KeyObject | null) {
    this.anchors = trustAnchorsFromKeyStore(keyStore, keyStore.remoteParties(), rootPublicKey);
  }

  get trustAnchors(): TrustAnchors {
    return this.anchors;
  }

  setTrustAnchors(ta: TrustAnchors): void {
    this.anchors = ta.clone();
  }
}

function device(view: ChfView): CredentialDevice {
  const d = {
    deviceType: 'CHF' as const,
    security: view.trustAnchors,
    credentialState: view.state.credentials,
  };
  // a state the backchannel replaced carries its own replaced certificates
  reapplyReplacedCertificates(d);
  return d;
}

/** CS02a: the CHF's cells of each requested role. */
export function provideChfCredentials(
  call: UseCaseCall<{ remotePartyRoles: number[] }>,
  view: ChfView,
): HandlerResult {
  return { ...credentialDetails(device(view), call.fields.remotePartyRoles, 'signed'), outcome: 'read' };
}

/** CS02b: replace certificates of the CHF's cells now (cancel: NULL; future-dated: refused). */
export function updateChfCredentials(call: UseCaseCall<UpdateCommand>, view: ChfView): HandlerResult {
  const t = call.fields.executionDateTime;
  if (t === CANCEL) return { ...updateResponse(null), outcome: 'cancelled', detail: { cancelled: false } };
  const d = device(view);
  const plan = planCredentialUpdate(d, call.row.useCase, call.fields, call.cmd.message.originatorCounter);
  if (t !== undefined) {
    const when = parseGeneralizedTime(t);
    if (when === null) throw new CommandContentError('execution time');
    if (when > view.host.now())
      throw new CommandContentError('future-dated credential update is not run by this CHF');
  }
  const r = applyCredentialUpdate(d, plan);
  return {
    ...updateResponse(r.outcome),
    outcome: r.allReplaced ? 'applied' : 'failed',
    ...(r.refused.length ? { detail: { refused: r.refused } } : {}),
  };
}
