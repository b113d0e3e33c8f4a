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
 * The CHF checks later commands (signatures, MACs, SecurityContext) with
 * `ChfKeyStore`: its key store with each replaced certificate in place of
 * the party's old one, so after CS02b the old key no longer verifies.
 */
import type { KeyObject } from 'node:crypto';
import type { GbcsCertificate, KeyEntry, KeySlot, KeyStore } from '../../gbcs/keystore.ts';
import type { Eui } from '../../runtime/bytes.ts';
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

/**
 * The CHF's key store: the home's (a view of the world's) with the
 * certificates of the CHF's cells where CS02b replaced them. Private keys,
 * roles and the rest are the base store's.
 */
export class ChfKeyStore implements KeyStore {
  constructor(
    private readonly base: KeyStore,
    private readonly cells: ChfTrustAnchors,
  ) {}

  private replaced(eui: Eui, slot: KeySlot): GbcsCertificate | undefined {
    if (slot === 'pp-ka') return undefined;
    const c = this.cells.trustAnchors.cellOf(eui)?.anchor[slot];
    const b = this.base.certificate(eui, slot);
    return c && c !== b && (!b || Buffer.compare(c.der, b.der) !== 0) ? c : undefined;
  }

  get(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    const c = this.replaced(eui, slot);
    return c ? { eui: c.eui, slot, certificate: c, publicKey: c.publicKey } : this.base.get(eui, slot);
  }
  publicKey(eui: Eui, slot: KeySlot) {
    return this.replaced(eui, slot)?.publicKey ?? this.base.publicKey(eui, slot);
  }
  privateKey(eui: Eui, slot: KeySlot) {
    return this.base.privateKey(eui, slot);
  }
  certificate(eui: Eui, slot: KeySlot) {
    return this.replaced(eui, slot) ?? this.base.certificate(eui, slot);
  }
  role(eui: Eui) {
    return this.base.role(eui);
  }
  *entries(): Iterable<KeyEntry> {
    for (const e of this.base.entries()) yield this.get(e.eui, e.slot) ?? e;
  }
  euis(): Eui[] {
    return this.base.euis();
  }
  remoteParties(): Eui[] {
    return this.base.remoteParties();
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
