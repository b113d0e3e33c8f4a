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
 *   CS02bWPByWP), by the shared handlers (meter-common/credential-handlers.ts):
 *   the GBCS 13.3.3 checks (certificate, key usage, role,
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
import type { CredentialHost } from '../meter-common/credential-handlers.ts';
import {
  type CredentialDevice,
  type CredentialState,
  defaultCredentialState,
  reapplyReplacedCertificates,
} from '../meter-common/security-credentials.ts';
import { type TrustAnchors, trustAnchorsFromKeyStore } from '../security/credentials.ts';
import type { ChfView } from './commands.ts';

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

/**
 * The CHF as the shared credential handlers see it (meter-common/credential-handlers.ts): its cells, its
 * credential state, its clock; no future-dated work (a future execution date-time is refused, 8F1E).
 */
export function chfCredentialHost(view: ChfView): CredentialHost {
  const d: CredentialDevice = {
    deviceType: 'CHF',
    security: view.trustAnchors,
    credentialState: view.state.credentials,
  };
  // a state the backchannel replaced carries its own replaced certificates
  reapplyReplacedCertificates(d);
  return { credentials: d, now: () => view.host.now() };
}
