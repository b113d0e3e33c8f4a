/**
 * The security checks every SMETS2 device makes on a Remote Party Command,
 * and the protection of what it sends back, in one place (STYLE: no
 * copy-paste between emulators). ESME, GSME, the CHF for its own commands
 * and the PPMID all use this class.
 *
 * "A target device is unaware of the delivery route and applies the same
 * security checks in all cases" (SECMP0038 assessment 2.5): a command that
 * arrived through a PPMID is checked exactly like one from the WAN.
 *
 * Checks, in order (GBCS 6, GBCS.md 2-3), each with a typed reason:
 * 1. `MALFORMED`           the bytes are not one GBCS Remote Party Message;
 * 2. `NOT_A_COMMAND`       CRA flag is not 1;
 * 3. `NOT_FOR_ME`          Recipient System Title is not this device;
 * 4. `UNKNOWN_ORIGINATOR`  the originator is in no Trust Anchor cell and is no known peer device;
 * 5. `MAC_MISSING` / `MAC_INVALID`  the General Ciphering MAC (ACB KA key with
 *    this device's KA key; the peer's KA key for device-to-device messages).
 *    Only the signature-only use cases (recovery, contingency) may come DF-only;
 * 6. `NO_AUTHORITY`        the originator's role may not run this use case: the use case's
 *    catalogue row (`roles`, `acbOnBehalfOf`: gbcs/use-cases/rows/roles.ts, the one role table)
 *    against the role of the originator's certificate (ROLE_OF_OU), or of the party the ACB
 *    acts for; a Message Code without a row is refused too;
 * 7. `SIGNATURE_MISSING` / `SIGNATURE_INVALID`  critical commands carry the
 *    originator's signature, verified with the DS certificate of its cell;
 * 8. `REPLAY`              the Originator Counter is not greater than the last
 *    one accepted from that originator (top-ups in their own space).
 * Nothing is recorded by `check`: the device calls `commit` once it applied
 * the command, so a rejected or failed command leaves no trace in the
 * replay state.
 */
import type { KeyObject } from 'node:crypto';
import { lookupMessageCode, type MessageCodeInfo } from '../../gbcs/codes/message-codes.ts';
import {
  type Cra,
  decodeMessage,
  ecdsaVerify,
  encodeApdu,
  encryptPayload,
  type GbcsCertificate,
  GbcsError,
  type GbcsMessage,
  type OtherInformation,
  type PayloadCryptoContext,
  parseGbcsCertificate,
  SecurityContext,
  SharedSecretCache,
  signApdu,
} from '../../gbcs/index.ts';
import { authorise, type OriginatorPlacement, roleOfOu, useCaseByCode } from '../../gbcs/use-cases/index.ts';
import { type Eui, fromHex, u64be } from '../../runtime/bytes.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import { Metrics } from '../../runtime/metrics.ts';
import { type OriginatorForm, SIGNATURE_ONLY_USE_CASES, TOP_UP_USE_CASES } from './authority.ts';
import type { DeviceCredentials, PeerDevice, TrustAnchorCellName, TrustAnchors } from './credentials.ts';

export type CommandRejectReason =
  | 'MALFORMED'
  | 'NOT_A_COMMAND'
  | 'NOT_FOR_ME'
  | 'UNKNOWN_ORIGINATOR'
  | 'MAC_MISSING'
  | 'MAC_INVALID'
  | 'NO_AUTHORITY'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'REPLAY';

export const COMMAND_REJECT_REASONS: readonly CommandRejectReason[] = [
  'MALFORMED',
  'NOT_A_COMMAND',
  'NOT_FOR_ME',
  'UNKNOWN_ORIGINATOR',
  'MAC_MISSING',
  'MAC_INVALID',
  'NO_AUTHORITY',
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'REPLAY',
];

/**
 * The alert a device raises for each rejection (GBCS Alert Codes, GBCS.md 5):
 * 0x8F1E integrity check of content or format failed (malformed, not a
 * command, misaddressed, MAC), 0x8F30 source does not have authority (unknown
 * originator, role), 0x8F3D trusted source authentication failure
 * (signature), 0x8F53 failed authentication or authorisation not covered by
 * other codes (replay).
 */
export const ALERT_FOR_REJECTION: Readonly<Record<CommandRejectReason, number>> = {
  MALFORMED: 0x8f1e,
  NOT_A_COMMAND: 0x8f1e,
  NOT_FOR_ME: 0x8f1e,
  UNKNOWN_ORIGINATOR: 0x8f30,
  MAC_MISSING: 0x8f1e,
  MAC_INVALID: 0x8f1e,
  NO_AUTHORITY: 0x8f30,
  SIGNATURE_MISSING: 0x8f3d,
  SIGNATURE_INVALID: 0x8f3d,
  REPLAY: 0x8f53,
};

export type ReplaySpace = 'command' | 'top-up';

/** Who sent an accepted command, as the device places it. */
export interface CommandOriginator {
  /** header Originator System Title */
  eui: Eui;
  /** the form it arrived in (authority.ts) */
  form: OriginatorForm;
  /** Trust Anchor cell of the header originator, or null for a peer device */
  cell: TrustAnchorCellName | null;
  /** the business party: the Supplementary Remote Party ID when the ACB acts for a user, else `eui` */
  business: Eui;
  /** certificate role of the business party (null for a peer device, 127 for an unknown other user) */
  role: number | null;
  /** what the authorisation reads: the header originator's role, or the party the ACB acts for */
  placement: OriginatorPlacement;
}

export interface AcceptedCommand {
  ok: true;
  message: GbcsMessage;
  info: MessageCodeInfo | undefined;
  useCase: string | null;
  critical: boolean;
  originator: CommandOriginator;
  replaySpace: ReplaySpace;
}

export interface RejectedCommand {
  ok: false;
  reason: CommandRejectReason;
  detail: string;
  /** the decoded message when decoding got that far */
  message: GbcsMessage | null;
  useCase: string | null;
  /** the alert code a device raises for this rejection */
  alertCode: number;
}

export type CommandVerdict = AcceptedCommand | RejectedCommand;

export interface DeviceSecurityOptions {
  credentials: DeviceCredentials;
  /**
   * The device's trust anchors. Several devices may be given the same object:
   * a device copies it before it changes it (addPeer, setTrustAnchors), and
   * the giver must not change it afterwards.
   */
  trustAnchors: TrustAnchors;
  /** metrics registry (counts `security.accepted`, `security.rejected.<REASON>`) */
  metrics?: Metrics;
}

/** What `snapshot()` gives and `restore()` takes: plain JSON-safe data. */
export interface DeviceSecuritySnapshot {
  /** `<space>:<originator EUI>` -> highest accepted counter (decimal) */
  replay: Record<string, string>;
  /** the device's own Originator Counter (alerts, supplementary originator counters), decimal */
  ownCounter: string;
}

/** Fields of a Response or Alert the device builds. */
export interface OutboundFields {
  cra: Cra;
  counter: bigint;
  recipient: Eui;
  otherInfo: Partial<OtherInformation> & { messageCode: number };
  /** 12-byte COSEM date-time for the Grouping Header, or null */
  dateTime: Uint8Array | null;
  content: Uint8Array;
  /** sign (DF only) with the device's DS key instead of MACing (DD) */
  signed: boolean;
}

export class DeviceSecurity {
  readonly eui: Eui;
  private credentials: DeviceCredentials;
  private anchors: TrustAnchors;
  private context!: SecurityContext;
  private readonly cache = new SharedSecretCache(64);
  private readonly metrics: Metrics;
  private replay: Map<string, bigint> = new LazyMap();
  private ownCounter = 0n;

  /**
   * The anchors are the ones given until this device changes them (copy on
   * write): an estate gives every meter of its parties one TrustAnchors
   * (issue 16: a copy per device was about 1 KB of heap).
   */
  private anchorsShared = true;

  constructor(opts: DeviceSecurityOptions) {
    this.credentials = opts.credentials;
    this.eui = opts.credentials.eui;
    this.anchors = opts.trustAnchors;
    this.metrics = opts.metrics ?? new Metrics();
    this.rebuild();
  }

  private rebuild(): void {
    this.context = new SecurityContext({
      keyStore: this.anchors.toKeyStore(this.credentials),
      acb: this.anchors.cell('acb')?.eui,
      sharedSecretCache: this.cache,
    });
    this.cache.clear();
  }

  get trustAnchors(): TrustAnchors {
    return this.anchors;
  }

  /** Replaces the trust anchors (e.g. after a credential update); replay state is kept. */
  setTrustAnchors(ta: TrustAnchors): void {
    this.anchors = ta.clone();
    this.anchorsShared = false;
    this.rebuild();
  }

  /** Adds a HAN peer (a joined PPMID) whose device-to-device messages this device accepts. */
  addPeer(p: PeerDevice): void {
    if (this.anchorsShared) {
      this.anchors = this.anchors.clone();
      this.anchorsShared = false;
    }
    this.anchors.addPeer(p);
    this.rebuild();
  }

  /** The device's own keys and certificates. */
  get ownCredentials(): DeviceCredentials {
    return this.credentials;
  }

  /** Replaces the device's own keys and certificates (CS02d installed a new key pair); replay state is kept. */
  setOwnCredentials(c: DeviceCredentials): void {
    if (c.eui !== this.eui) throw new RangeError(`credentials are for ${c.eui}, device is ${this.eui}`);
    this.credentials = c;
    this.rebuild();
  }

  /** The device's DS certificate (what a verifier of its signed responses and alerts needs). */
  get dsCertificate() {
    return this.credentials.dsCertificate;
  }

  /** The SecurityContext over exactly this device's keys and anchors (for payload crypto, UTRNs). */
  get securityContext(): SecurityContext {
    return this.context;
  }

  // ------------------------------------------------------------------ checks

  /** Runs every check on a received message. Pure with respect to state: nothing is recorded. */
  check(bytes: Uint8Array): CommandVerdict {
    const v = this.evaluate(bytes);
    if (v.ok) this.metrics.inc('security.accepted');
    else this.metrics.inc(`security.rejected.${v.reason}`);
    return v;
  }

  private evaluate(bytes: Uint8Array): CommandVerdict {
    let message: GbcsMessage;
    try {
      message = decodeMessage(bytes);
    } catch (err) {
      const detail = err instanceof GbcsError ? `${err.code}: ${err.message}` : String(err);
      return reject('MALFORMED', detail, null, null);
    }
    const info = lookupMessageCode(message.messageCode);
    const useCase = info?.useCase ?? null;
    const no = (reason: CommandRejectReason, detail: string) => reject(reason, detail, message, useCase);
    if (message.cra !== 'command') return no('NOT_A_COMMAND', `CRA ${message.craFlag} (${message.cra})`);
    if (message.recipient !== this.eui)
      return no('NOT_FOR_ME', `recipient ${message.recipient} is not ${this.eui}`);

    const placed = this.placeOriginator(message);
    if (!placed) return no('UNKNOWN_ORIGINATOR', `${message.originator} is in no trust anchor cell`);

    // MAC (GBCS 6.2.4): ACB with this device for remote-party commands, the peer for device-to-device.
    if (message.mac === null) {
      if (!(useCase !== null && SIGNATURE_ONLY_USE_CASES.has(useCase)))
        return no('MAC_MISSING', 'General Signing APDU without the ACB MAC');
    } else {
      const mac = this.context.verifyMac(message);
      if (mac !== 'valid') return no('MAC_INVALID', `MAC ${mac}`);
    }

    const authority = authorise(useCaseByCode(message.messageCode), placed.placement);
    if (!authority.ok)
      return no('NO_AUTHORITY', `0x${hex4(message.messageCode)} from ${placed.form}: ${authority.detail}`);

    const critical = info?.critical ?? false;
    const mustSign = critical || message.mac === null;
    if (message.signature === null) {
      if (mustSign) return no('SIGNATURE_MISSING', `critical ${useCase} without a signature`);
    } else {
      const key = this.signerKey(message.originator);
      if (!key) return no('SIGNATURE_INVALID', `no DS certificate for ${message.originator}`);
      if (!ecdsaVerify(message.signedData, message.signature, key))
        return no('SIGNATURE_INVALID', `signature of ${message.originator} does not verify`);
    }

    const replaySpace: ReplaySpace = useCase !== null && TOP_UP_USE_CASES.has(useCase) ? 'top-up' : 'command';
    const last = this.replay.get(replayKey(replaySpace, message.originator));
    if (last !== undefined && message.originatorCounter <= last)
      return no('REPLAY', `counter ${message.originatorCounter} <= last accepted ${last}`);

    return { ok: true, message, info, useCase, critical, originator: placed, replaySpace };
  }

  private placeOriginator(m: GbcsMessage): CommandOriginator | null {
    return placeOriginator(this.anchors, m);
  }

  private signerKey(eui: Eui): KeyObject | undefined {
    const c = this.anchors.cellOf(eui);
    if (c) return c.anchor.ds?.publicKey;
    return this.anchors.peer(eui)?.ds?.publicKey;
  }

  /**
   * Records the command's counter as the last accepted from its originator
   * (call once the command has been applied, or accepted for future-dated
   * execution). Never lowers the mark.
   */
  commit(cmd: AcceptedCommand): void {
    const key = replayKey(cmd.replaySpace, cmd.message.originator);
    const last = this.replay.get(key);
    if (last === undefined || cmd.message.originatorCounter > last)
      this.replay.set(key, cmd.message.originatorCounter);
  }

  /** Highest counter accepted from `originator` in `space`. */
  lastAccepted(originator: Eui, space: ReplaySpace = 'command'): bigint | undefined {
    return this.replay.get(replayKey(space, originator));
  }

  // ------------------------------------------------------------------ outbound

  /** The value `nextOwnCounter` will return (an alert's DLMS invoke-id is its low 24 bits, GBCS.md 4). */
  peekNextOwnCounter(): bigint {
    return this.ownCounter + 1n;
  }

  /** The next value of the device's own Originator Counter (alerts; supplementary originator counters). */
  nextOwnCounter(): bigint {
    this.ownCounter += 1n;
    return this.ownCounter;
  }

  /**
   * The Response's other-information (GBCS.md 2): the command's Message Code
   * and supplementary fields. A certificate the ACB supplied for another user
   * is not echoed; in its place the device puts its own counter as the
   * Supplementary Originator Counter (RTDS 4.14_ECS21b via the ACB).
   */
  responseOtherInfo(cmd: GbcsMessage): Partial<OtherInformation> & { messageCode: number } {
    const oi = cmd.otherInfo;
    const out: Partial<OtherInformation> & { messageCode: number } = { messageCode: oi.messageCode };
    if (oi.supplementaryRemotePartyId !== null)
      out.supplementaryRemotePartyId = oi.supplementaryRemotePartyId;
    if (oi.supplementaryRemotePartyCounter !== null)
      out.supplementaryRemotePartyCounter = oi.supplementaryRemotePartyCounter;
    if (oi.supplementaryOriginatorCounter !== null)
      out.supplementaryOriginatorCounter = oi.supplementaryOriginatorCounter;
    else if (oi.certificate !== null && oi.supplementaryRemotePartyCounter !== null)
      out.supplementaryOriginatorCounter = this.nextOwnCounter();
    return out;
  }

  /**
   * Encrypts a payload for the business party of a response (GBCS.md 3
   * payload encryption: KA keys of this device and the Supplementary Remote
   * Party, or else the recipient; a certificate the ACB carried in the
   * command's other-information serves for a party the device has no cell
   * for). Returns `31 00000000 ciphertext tag`.
   */
  encryptResponsePayload(
    cmd: GbcsMessage,
    responseOtherInfo: Partial<OtherInformation>,
    plaintext: Uint8Array,
  ): Uint8Array {
    const party = responseOtherInfo.supplementaryRemotePartyId ?? cmd.originator;
    const ctx: PayloadCryptoContext = {
      originator: fromHex(this.eui),
      recipient: fromHex(party),
      counter: u64be(responseOtherInfo.supplementaryOriginatorCounter ?? cmd.originatorCounter),
      z: this.sharedSecretWith(party, cmd.otherInfo.certificate),
    };
    return encryptPayload(plaintext, ctx);
  }

  /**
   * Encrypts a payload an alert carries (ECS68) for its recipient: KA keys of
   * this device and the recipient, the alert's own Originator Counter
   * (GBCS.md 3). Returns `31 00000000 ciphertext tag`.
   */
  encryptAlertPayload(recipient: Eui, counter: bigint, plaintext: Uint8Array): Uint8Array {
    return encryptPayload(plaintext, {
      originator: fromHex(this.eui),
      recipient: fromHex(recipient),
      counter: u64be(counter),
      z: this.sharedSecretWith(recipient, null),
    });
  }

  /**
   * Z with `party`'s KA key: the party's certificate the ACB carried in the
   * command (an Unknown Remote Party read: the requester asked for the
   * response to be encrypted for that key) before any the device holds for
   * the party (a supplier known in its cell may still send a URP read).
   */
  private sharedSecretWith(party: Eui, carriedCertificate: Uint8Array | null): Uint8Array {
    const cert = carriedCertificate ? carriedKaCertificate(carriedCertificate, party) : null;
    if (cert) return this.cache.get(this.credentials.kaPrivateKey, cert.publicKey);
    const z = this.context.sharedSecret(this.eui, party);
    if (z) return z;
    throw new GbcsError('GBCS_UNKNOWN_KEY', `no KA certificate for ${party} (payload encryption)`);
  }

  /** Builds a protected outbound message: DD MAC'd with the recipient's KA key, or DF signed with this device's DS key. */
  protect(f: OutboundFields): Uint8Array {
    const apdu = encodeApdu({
      cra: f.cra,
      originatorCounter: f.counter,
      originator: this.eui,
      recipient: f.recipient,
      dateTime: f.dateTime,
      otherInfo: f.otherInfo,
      content: f.content,
      signature: null,
    });
    if (f.signed) return signApdu(apdu, this.credentials.dsPrivateKey);
    return this.context.wrap(apdu);
  }

  /**
   * A Response to `cmd` (GBCS.md 2): CRA 2, the command's counter and Message
   * Code, originator this device, recipient the command's originator.
   * Responses to critical commands are DF-only and signed with the device's
   * DS key (RTDS ECS43, ECS70); the others are MAC'd (DD) with the device's
   * KA key and the recipient's KA certificate.
   */
  buildResponse(
    cmd: GbcsMessage,
    payload: Uint8Array,
    opts: {
      critical: boolean;
      dateTime?: Uint8Array | null;
      otherInfo?: Partial<OtherInformation> & { messageCode: number };
    },
  ): Uint8Array {
    return this.protect({
      cra: 'response',
      counter: cmd.originatorCounter,
      recipient: cmd.originator,
      otherInfo: opts.otherInfo ?? this.responseOtherInfo(cmd),
      dateTime: opts.dateTime ?? null,
      content: payload,
      signed: opts.critical,
    });
  }

  /** An Alert (CRA 3) with the device's own counter; critical alerts are signed, the others MAC'd. */
  buildAlert(opts: {
    recipient: Eui;
    messageCode: number;
    payload: Uint8Array;
    critical: boolean;
    dateTime?: Uint8Array | null;
  }): { bytes: Uint8Array; counter: bigint } {
    const counter = this.nextOwnCounter();
    const bytes = this.protect({
      cra: 'alert',
      counter,
      recipient: opts.recipient,
      otherInfo: { messageCode: opts.messageCode },
      dateTime: opts.dateTime ?? null,
      content: opts.payload,
      signed: opts.critical,
    });
    return { bytes, counter };
  }

  // ------------------------------------------------------------------ state

  snapshot(): DeviceSecuritySnapshot {
    return {
      replay: Object.fromEntries([...this.replay].map(([k, v]) => [k, v.toString()])),
      ownCounter: this.ownCounter.toString(),
    };
  }

  restore(s: DeviceSecuritySnapshot): void {
    this.replay = new Map(Object.entries(s.replay).map(([k, v]) => [k, BigInt(v)]));
    this.ownCounter = BigInt(s.ownCounter);
  }

  /** Sets the device's own counter (e.g. to start where a real meter's would be). */
  setOwnCounter(v: bigint): void {
    this.ownCounter = v;
  }
}

/**
 * Places a command's originator among the device's trust anchors and peers:
 * which cell (or peer) it is, the form it arrived in (authority.ts), and the
 * business party behind the ACB. Null when the device cannot place it.
 */
export function placeOriginator(anchors: TrustAnchors, m: GbcsMessage): CommandOriginator | null {
  const found = anchors.cellOf(m.originator);
  if (found) {
    const supp = m.otherInfo.supplementaryRemotePartyId;
    if (found.name === 'acb' && supp !== null) {
      const onBehalf = anchors.cellOf(supp);
      const form: OriginatorForm =
        onBehalf?.name === 'supplier'
          ? 'acb/supplier'
          : onBehalf?.name === 'networkOperator'
            ? 'acb/networkOperator'
            : 'acb/other';
      const carried = onBehalf ? null : carriedRole(m, supp);
      const role = onBehalf ? onBehalf.anchor.role : (carried ?? ROLE_OTHER_USER);
      const known = onBehalf ? onBehalf.anchor.role : carried;
      return {
        eui: m.originator,
        form,
        cell: 'acb',
        business: supp,
        role,
        placement: {
          via: 'acb',
          onBehalfOf: known === null ? 'unstated' : (roleOfOu(known) ?? null),
          partyKnown: onBehalf !== undefined,
        },
      };
    }
    return {
      eui: m.originator,
      form: found.name,
      cell: found.name,
      business: m.originator,
      role: found.anchor.role,
      placement: { via: 'direct', role: roleOfOu(found.anchor.role) ?? null },
    };
  }
  const peer = anchors.peer(m.originator);
  if (peer)
    return {
      eui: m.originator,
      form: `device/${peer.deviceType}` as OriginatorForm,
      cell: null,
      business: m.originator,
      role: null,
      placement: { via: 'direct', role: 'device' },
    };
  return null;
}

/**
 * The role of a party the device has no cell for: the OU of the certificate
 * the ACB carried in the other-information when it is that party's; null
 * when there is none (the ACB vouches for the party).
 */
function carriedRole(m: GbcsMessage, party: Eui): number | null {
  const der = m.otherInfo.certificate;
  if (der === null) return null;
  try {
    const cert = parseGbcsCertificate(der);
    return cert.eui === party && cert.role !== null ? cert.role : null;
  } catch {
    return null;
  }
}

/** The carried certificate when it is `party`'s KA certificate with a usable P-256 key; null otherwise. */
function carriedKaCertificate(der: Uint8Array, party: Eui): GbcsCertificate | null {
  try {
    const cert = parseGbcsCertificate(der);
    void cert.publicKey; // the P-256 point check, made on first use
    return cert.eui === party && cert.usage === 'ka' ? cert : null;
  } catch (err) {
    if (err instanceof GbcsError) return null;
    throw err;
  }
}

const ROLE_OTHER_USER = 127;

function reject(
  reason: CommandRejectReason,
  detail: string,
  message: GbcsMessage | null,
  useCase: string | null,
): RejectedCommand {
  return { ok: false, reason, detail, message, useCase, alertCode: ALERT_FOR_REJECTION[reason] };
}

function replayKey(space: ReplaySpace, originator: Eui): string {
  return `${space}:${originator}`;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
