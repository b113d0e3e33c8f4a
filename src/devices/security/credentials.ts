/**
 * A device's own GBCS credentials and its Trust Anchor cells (GBCS 4.3,
 * GBCS.md 3 and 5).
 *
 * - `DeviceCredentials`: the device's EUI, its Key Agreement (KA) and Digital
 *   Signing (DS) private keys and their certificates.
 * - `TrustAnchors`: the remote parties the device trusts, one cell per role
 *   (root, recovery, supplier, network operator, ACB, transitional change of
 *   supplier, WAN provider, load controller), each holding that party's DS and
 *   KA certificates (and, in the supplier cell, the prepayment KA certificate
 *   that UTRNs are made with); plus the HAN devices this device shares keys
 *   with (e.g. the PPMID whose PCS01/PCS02 a GSME accepts, GBCS.md 2).
 *
 * Loaders build both from the RTDS key store (the "RTDS profile") or from a
 * generated test PKI (test-pki.ts).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  EntryKeyStore,
  type GbcsCertificate,
  GbcsMalformedError,
  type KeyEntry,
  type KeySlot,
  type KeyStore,
  loadKeyStoreDir,
  type MemoryKeyStore,
  parseGbcsCertificate,
} from '../../gbcs/index.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import type { DeviceType } from '../contracts.ts';
import { rtdsRootPublicKey } from './rtds-root.ts';

/** Thrown when credentials or trust anchors cannot be built (missing key, wrong EUI...). */
export class DeviceCredentialsError extends PpmidRelayError {
  constructor(message: string) {
    super('DEVICE_CREDENTIALS', message);
  }
}

/** Remote-party role numbers (certificate OU, GBCS.md 5). */
export const ROLE = {
  root: 0,
  recovery: 1,
  supplier: 2,
  networkOperator: 3,
  acb: 4,
  transitionalCoS: 5,
  wanProvider: 6,
  issuingAuthority: 7,
  loadController: 8,
  other: 127,
} as const;

/** The Trust Anchor cells a SMETS2 device holds (GBCS 4.3.3; one remote party each). */
export type TrustAnchorCellName =
  | 'root'
  | 'recovery'
  | 'supplier'
  | 'networkOperator'
  | 'acb'
  | 'transitionalCoS'
  | 'wanProvider'
  | 'loadController';

export const CELL_BY_ROLE: Readonly<Record<number, TrustAnchorCellName>> = {
  [ROLE.root]: 'root',
  [ROLE.recovery]: 'recovery',
  [ROLE.supplier]: 'supplier',
  [ROLE.networkOperator]: 'networkOperator',
  [ROLE.acb]: 'acb',
  [ROLE.transitionalCoS]: 'transitionalCoS',
  [ROLE.wanProvider]: 'wanProvider',
  [ROLE.loadController]: 'loadController',
};

/** A device's own identity and keys. */
export interface DeviceCredentials {
  eui: Eui;
  kaPrivateKey: KeyObject;
  /** the device's KA certificate (absent only when a profile has none) */
  kaCertificate: GbcsCertificate | null;
  dsPrivateKey: KeyObject;
  dsCertificate: GbcsCertificate;
}

/** One Trust Anchor cell: a remote party's certificates. */
export interface RemotePartyAnchor {
  eui: Eui;
  role: number;
  /** DS certificate: verifies the party's signatures on critical commands */
  ds?: GbcsCertificate;
  /** KA certificate: MACs (ACB, the party itself for responses) and payload encryption */
  ka?: GbcsCertificate;
  /** the supplier's prepayment KA certificate (UTRN GMAC, GBCS.md 5a) */
  prepaymentKa?: GbcsCertificate;
}

/**
 * The Trust Anchor cells each device type holds (GBCS 4.3.3, as far as the
 * RTDS shows: an RTDS ESME answers CS02a for the WAN provider role with
 * status 25, no cell). A role outside this list has no cell on the device,
 * whatever the profile loaded.
 */
export const TRUST_ANCHOR_CELLS_OF: Readonly<Partial<Record<DeviceType, readonly TrustAnchorCellName[]>>> = {
  ESME: ['root', 'recovery', 'supplier', 'networkOperator', 'acb', 'transitionalCoS', 'loadController'],
  GSME: ['root', 'recovery', 'supplier', 'networkOperator', 'acb', 'transitionalCoS'],
  // PROVISIONAL (GBCS 4.3.3 table not reached): a PPMID / HCALCS is only ever commanded by the ACB (RTDS 8.7.2,
  // 8.8.2, 11.2: the ACB originates for the supplier), so it holds the Root, Recovery and ACB cells and no
  // supplier, network operator or transitional CoS cell (rows/roles.ts DCC_DEVICE)
  PPMID: ['root', 'recovery', 'acb'],
  HCALCS: ['root', 'recovery', 'acb'],
};

/** A HAN device this device exchanges device-to-device messages with (GBCS.md 2: PPMID -> GSME). */
export interface PeerDevice {
  eui: Eui;
  deviceType: DeviceType;
  ka: GbcsCertificate;
  ds?: GbcsCertificate;
}

/**
 * The trust anchors of one device. Plain data with lookups; the device keeps
 * its own copy (a CS02b credential update replaces a cell).
 */
export class TrustAnchors {
  private readonly cells = new Map<TrustAnchorCellName, RemotePartyAnchor>();
  private readonly peers = new Map<Eui, PeerDevice>();
  /**
   * The Root public key of the root cell (GBCS 4.3.3): what a certification
   * path must end in (a certificate a CS02b asks the device to trust). Null:
   * the device can verify no replacement certificate.
   */
  rootPublicKey: KeyObject | null = null;

  constructor(cells: Partial<Record<TrustAnchorCellName, RemotePartyAnchor>> = {}, peers: PeerDevice[] = []) {
    for (const [name, a] of Object.entries(cells) as [TrustAnchorCellName, RemotePartyAnchor][])
      if (a) this.setCell(name, a);
    for (const p of peers) this.addPeer(p);
  }

  setCell(name: TrustAnchorCellName, anchor: RemotePartyAnchor): void {
    this.cells.set(name, { ...anchor, eui: normaliseEui(anchor.eui) });
  }

  cell(name: TrustAnchorCellName): RemotePartyAnchor | undefined {
    return this.cells.get(name);
  }

  /** The cell holding `eui`, if any. */
  cellOf(eui: Eui): { name: TrustAnchorCellName; anchor: RemotePartyAnchor } | undefined {
    for (const [name, anchor] of this.cells) if (anchor.eui === eui) return { name, anchor };
    return undefined;
  }

  addPeer(p: PeerDevice): void {
    this.peers.set(normaliseEui(p.eui), { ...p, eui: normaliseEui(p.eui) });
  }

  removePeer(eui: Eui): void {
    this.peers.delete(eui);
  }

  peer(eui: Eui): PeerDevice | undefined {
    return this.peers.get(eui);
  }

  cellEntries(): Array<[TrustAnchorCellName, RemotePartyAnchor]> {
    return [...this.cells];
  }

  peerEntries(): PeerDevice[] {
    return [...this.peers.values()];
  }

  /** A copy (devices own their anchors; a shared object would leak one device's updates into another). */
  clone(): TrustAnchors {
    const c = new TrustAnchors(Object.fromEntries(this.cells), [...this.peers.values()]);
    c.rootPublicKey = this.rootPublicKey;
    return c;
  }

  /**
   * A key store holding exactly what the device may use: its own keys and the
   * certificates of its anchors and peers (so a MAC or signature can only
   * verify against a party the device trusts). A view over these anchors and
   * `own`, not a copy (issue 16: a MemoryKeyStore per device was about 2 KB
   * of heap a device, 9 KB a home); the owner rebuilds it when it changes
   * either.
   */
  toKeyStore(own: DeviceCredentials): KeyStore {
    return new AnchorKeyStore(own, this);
  }

  /**
   * The certificate for `eui` and `slot` the device trusts, the last writer
   * winning as in a store filled with the cells in order, then the peers.
   */
  certificateOf(eui: Eui, slot: KeySlot): GbcsCertificate | undefined {
    let found: GbcsCertificate | undefined;
    for (const p of this.peers.values()) {
      const c = slot === 'ka' ? p.ka : slot === 'ds' ? p.ds : undefined;
      if (c && c.eui === eui) found = c;
    }
    if (found) return found;
    for (const a of this.cells.values()) {
      const c = slot === 'ka' ? a.ka : slot === 'ds' ? a.ds : a.prepaymentKa;
      if (c && c.eui === eui) found = c;
    }
    return found;
  }

  /** Every certificate of the cells, then of the peers, with its slot (in the order a store is filled). */
  *certificates(): Iterable<[GbcsCertificate, KeySlot]> {
    for (const a of this.cells.values()) {
      if (a.ka) yield [a.ka, 'ka'];
      if (a.ds) yield [a.ds, 'ds'];
      if (a.prepaymentKa) yield [a.prepaymentKa, 'pp-ka'];
    }
    for (const p of this.peers.values()) {
      yield [p.ka, 'ka'];
      if (p.ds) yield [p.ds, 'ds'];
    }
  }
}

/** A certificate-only key entry, one per certificate and slot, shared by every device trusting it. */
const certificateEntries = new WeakMap<GbcsCertificate, Partial<Record<KeySlot, KeyEntry>>>();

function certificateEntry(cert: GbcsCertificate, slot: KeySlot): KeyEntry {
  let bySlot = certificateEntries.get(cert);
  if (!bySlot) {
    bySlot = {};
    certificateEntries.set(cert, bySlot);
  }
  let e = bySlot[slot];
  if (!e) {
    e = new CertificateEntry(cert, slot);
    bySlot[slot] = e;
  }
  return e;
}

class CertificateEntry implements KeyEntry {
  readonly eui: Eui;
  constructor(
    readonly certificate: GbcsCertificate,
    readonly slot: KeySlot,
  ) {
    this.eui = certificate.eui;
  }
  get publicKey(): KeyObject {
    return this.certificate.publicKey;
  }
}

/** The device's own key of one slot: its private key and certificate (or, without one, the public key derived from the private key). */
class OwnEntry implements KeyEntry {
  #publicKey: KeyObject | undefined;
  constructor(
    readonly eui: Eui,
    readonly slot: KeySlot,
    readonly privateKey: KeyObject,
    readonly certificate: GbcsCertificate | undefined,
  ) {}
  get publicKey(): KeyObject {
    if (this.certificate) return this.certificate.publicKey;
    this.#publicKey ??= createPublicKey(this.privateKey);
    return this.#publicKey;
  }
}

/** What a certificate may be held as (its key usage must fit the slot, as MemoryKeyStore checks). */
function checkSlot(cert: GbcsCertificate, slot: KeySlot): void {
  if ((slot === 'ds') !== (cert.usage === 'ds'))
    throw new GbcsMalformedError(`certificate key usage ${cert.usage} does not fit slot ${slot}`);
}

/**
 * A device's key store as a view over its credentials and trust anchors
 * (TrustAnchors.toKeyStore): the same answers as a MemoryKeyStore filled
 * with its own keys, then each cell's certificates, then each peer's.
 */
class AnchorKeyStore extends EntryKeyStore implements KeyStore {
  private readonly ownKa: OwnEntry;
  private readonly ownDs: OwnEntry;
  constructor(
    own: DeviceCredentials,
    private readonly anchors: TrustAnchors,
  ) {
    super();
    const eui = normaliseEui(own.eui);
    if (own.kaCertificate) checkSlot(own.kaCertificate, 'ka');
    checkSlot(own.dsCertificate, 'ds');
    for (const [c, slot] of anchors.certificates()) checkSlot(c, slot);
    this.ownKa = new OwnEntry(eui, 'ka', own.kaPrivateKey, own.kaCertificate ?? undefined);
    this.ownDs = new OwnEntry(eui, 'ds', own.dsPrivateKey, own.dsCertificate);
  }

  get(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    const e = this.find(eui, slot);
    return e ?? (eui.toUpperCase() === eui ? undefined : this.find(eui.toUpperCase(), slot));
  }
  private find(eui: Eui, slot: KeySlot): KeyEntry | undefined {
    if (eui === this.ownKa.eui && slot !== 'pp-ka') return slot === 'ka' ? this.ownKa : this.ownDs;
    const c = this.anchors.certificateOf(eui, slot);
    return c ? certificateEntry(c, slot) : undefined;
  }
  *entries(): Iterable<KeyEntry> {
    for (const eui of this.euis())
      for (const slot of ['ka', 'ds', 'pp-ka'] as const) {
        const e = this.find(eui, slot);
        if (e) yield e;
      }
  }
  euis(): Eui[] {
    const out = new Set<Eui>([this.ownKa.eui]);
    for (const [c] of this.anchors.certificates()) out.add(c.eui);
    return [...out];
  }
  remoteParties(): Eui[] {
    return this.euis().filter((e) => typeof this.role(e) === 'number');
  }
}

/** The remote party of `eui` as found in a key store (certificates only), or undefined if none. */
export function anchorFromKeyStore(ks: KeyStore, eui: Eui): RemotePartyAnchor | undefined {
  const e = normaliseEui(eui);
  const role = ks.role(e);
  if (role === undefined || role === null) return undefined;
  return {
    eui: e,
    role,
    ds: ks.certificate(e, 'ds'),
    ka: ks.certificate(e, 'ka'),
    prepaymentKa: ks.certificate(e, 'pp-ka'),
  };
}

/**
 * Trust anchors from a key store: the first of `euis` of each role in the
 * cell of that role (a party the store holds no role for is skipped), with
 * the Root public key a certification path must end in.
 */
export function trustAnchorsFromKeyStore(
  ks: KeyStore,
  euis: Iterable<Eui>,
  rootPublicKey: KeyObject | null,
): TrustAnchors {
  const ta = new TrustAnchors();
  for (const eui of euis) {
    const a = anchorFromKeyStore(ks, eui);
    const cell = a ? CELL_BY_ROLE[a.role] : undefined;
    if (a && cell && !ta.cell(cell)) ta.setCell(cell, a);
  }
  ta.rootPublicKey = rootPublicKey;
  return ta;
}

/** The RTDS test PKI's remote parties (GBCS.md 7; roles from the certificates' OU). */
export const RTDS_PARTIES = {
  recovery: '90B3D51F30000001',
  acb: '90B3D51F30000002',
  transitionalCoS: '90B3D51F30000004',
  wanProvider: '90B3D51F30000007',
  supplier: '90B3D51F30010000',
  supplier2: '90B3D51F30030000',
  networkOperator: '90B3D51F30020000',
  loadController: '90B3D51F30010008',
} as const;

/** RTDS device EUIs (GBCS.md 7). */
export const RTDS_DEVICES = {
  esme: '00DB1234567890A0',
  gsme: '00DB1234567890A1',
  chf: '00DB1234567890A2',
  gpf: '00DB1234567890A3',
  ppmid: '00DB1234567890A4',
  hcalcs: '00DB1234567890A5',
  esme2: '00DB1234567890A6',
} as const;

/**
 * Trust anchors of an RTDS device: recovery 90B3D51F30000001, supplier
 * 90B3D51F30010000 (`supplier` option to pick 90B3D51F30030000), network
 * operator 90B3D51F30020000, ACB 90B3D51F30000002, transitional CoS
 * 90B3D51F30000004, WAN provider 90B3D51F30000007, load controller
 * 90B3D51F30010008: every cell whose role the certificates' OU confirm. The
 * RTDS key store holds no root (role 0) certificate, so the root cell is empty.
 */
export function rtdsTrustAnchors(
  keyStore: KeyStore,
  opts: { supplier?: Eui; peers?: PeerDevice[] } = {},
): TrustAnchors {
  const ta = new TrustAnchors({}, opts.peers ?? []);
  const want: Array<[TrustAnchorCellName, Eui]> = [
    ['recovery', RTDS_PARTIES.recovery],
    ['supplier', opts.supplier ?? RTDS_PARTIES.supplier],
    ['networkOperator', RTDS_PARTIES.networkOperator],
    ['acb', RTDS_PARTIES.acb],
    ['transitionalCoS', RTDS_PARTIES.transitionalCoS],
    ['wanProvider', RTDS_PARTIES.wanProvider],
    ['loadController', RTDS_PARTIES.loadController],
  ];
  for (const [cell, eui] of want) {
    const a = anchorFromKeyStore(keyStore, eui);
    if (!a) throw new DeviceCredentialsError(`RTDS key store has no certificate for ${cell} ${eui}`);
    if (CELL_BY_ROLE[a.role] !== cell)
      throw new DeviceCredentialsError(`${eui} has role ${a.role} in its certificate, not the ${cell} role`);
    ta.setCell(cell, a);
  }
  ta.rootPublicKey = rtdsRootPublicKey();
  return ta;
}

/** A HAN peer from a key store's device certificates (e.g. the RTDS PPMID 00DB1234567890A4). */
export function peerFromKeyStore(ks: KeyStore, eui: Eui, deviceType: DeviceType): PeerDevice {
  const e = normaliseEui(eui);
  const ka = ks.certificate(e, 'ka');
  if (!ka) throw new DeviceCredentialsError(`no KA certificate for device ${e}`);
  return { eui: e, deviceType, ka, ds: ks.certificate(e, 'ds') };
}

/**
 * Credentials of an RTDS device from the key store: its KA private key and
 * certificates from the store. The RTDS ships no device DS private key, so a
 * `dsFallback` (a DS key and certificate for the same EUI, e.g. from
 * `TestPki.issueDevice`) is required unless the store holds one. Responses to
 * critical commands are then signed with that generated key (tests verify
 * them against the generated certificate, not the RTDS one).
 */
export function rtdsDeviceCredentials(
  keyStore: KeyStore,
  eui: Eui,
  dsFallback?: { dsPrivateKey: KeyObject; dsCertificate: GbcsCertificate },
): DeviceCredentials {
  const e = normaliseEui(eui);
  const kaPrivateKey = keyStore.privateKey(e, 'ka');
  if (!kaPrivateKey) throw new DeviceCredentialsError(`the key store has no KA private key for ${e}`);
  const kaCertificate = keyStore.certificate(e, 'ka') ?? null;
  const dsPrivateKey = keyStore.privateKey(e, 'ds') ?? dsFallback?.dsPrivateKey;
  const dsCertificate = keyStore.privateKey(e, 'ds')
    ? keyStore.certificate(e, 'ds')
    : dsFallback?.dsCertificate;
  if (!dsPrivateKey || !dsCertificate)
    throw new DeviceCredentialsError(
      `no DS private key for ${e} in the key store: pass a generated one (TestPki.issueDevice)`,
    );
  if (dsCertificate.eui !== e || dsCertificate.usage !== 'ds')
    throw new DeviceCredentialsError(`DS certificate is for ${dsCertificate.eui}/${dsCertificate.usage}`);
  return { eui: e, kaPrivateKey, kaCertificate, dsPrivateKey, dsCertificate };
}

/** Loads the RTDS key store directory once (callers keep it; loading parses ~400 certificates). */
export function loadRtdsKeyStore(dir: string): MemoryKeyStore {
  return loadKeyStoreDir(dir);
}

/** Parses a PEM/DER certificate and checks it is for `eui` and `usage`. */
export function certificateFor(pemOrDer: string | Uint8Array, eui: Eui, usage: 'ka' | 'ds'): GbcsCertificate {
  const c = parseGbcsCertificate(pemOrDer);
  if (c.eui !== normaliseEui(eui) || c.usage !== usage)
    throw new DeviceCredentialsError(`certificate is ${c.eui}/${c.usage}, expected ${eui}/${usage}`);
  return c;
}
