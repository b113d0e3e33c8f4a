/**
 * The CHF routing rule (GBCS 10.8.2; SECMP0038 CH-1, CH-2) as a pure policy:
 * bytes in, a verdict out. It reads the message only as far as the target
 * (`peekRouting`), looks the target up in the Device Log and applies the
 * policy for the source the message came from:
 *
 * - `wan` (a Remote Party Message from the CSP) and `hht` (one in a Transfer
 *   Data from a joined HHT): Commands only; to the CHF or GPF themselves, to
 *   a GSME's mailbox, or to any other logged device that is not an HHT.
 * - over a PPMID's tunnel: a message whose originator is NOT the PPMID is a
 *   relayed Remote Party Command (the new source of SECMP0038): it is relayed
 *   only if the PPMID's Device Log entry carries the relay flag (C3), it is a
 *   Command, it fits the tunnel, and its target is in the Device Log and is
 *   not the CHF, the GPF or an HHT (CH-1); otherwise it is discarded with the
 *   CH-2 reason. The PPMID's OWN traffic (originator = the PPMID) is device
 *   traffic: its responses and alerts go to the WAN, and its commands are the
 *   existing SME.C.PPMID-GSME messages (PCS01 / PCS02) to a logged GSME.
 * - over another device's tunnel (ESME, GSME mailbox PUT, HCALCS): its own
 *   responses and alerts, to the WAN (CH-4), except a GSME's response to a
 *   PPMID's PCS message, which goes back to that PPMID (the existing route).
 * - standalone (Block Buffer Feed, CH-6): nothing from any PPMID passes.
 *
 * State that needs a clock (token buckets, airtime shares, correlation of
 * responses) is the Chf's; this file is the part measured by `chf.route`.
 * `decide` allocates nothing on its paths: the verdict object is reused.
 */

import { messageCodeForUseCase } from '../../gbcs/codes/message-codes.ts';
import { NO_WAN_CHF_RELAY_CODES, type RelayRejectReason } from '../../gbcs/codes/provisional.ts';
import { ENVELOPE_GBT, peekRouting, RoutingInfo } from '../../gbcs/peek.ts';
import type { Eui } from '../../runtime/bytes.ts';
import { GSME_MAILBOX_HEADER } from '../../zigbee/gsme-mailbox.ts';
import type { ChSource, DeviceType } from '../contracts.ts';
import { type ChfDeviceLogEntry, type DeviceLog, type EuiSet, euiHalves } from './device-log.ts';

/** Where a message goes. */
export type ChAction =
  /** over the target device's tunnel */
  | 'to-device'
  /** into the target GSME's mailbox */
  | 'to-gsme-mailbox'
  /** the CHF's own command processing */
  | 'to-chf'
  /** the GPF (inside the CH) */
  | 'to-gpf'
  /** up to the CSP over the WAN (buffered while it is down) */
  | 'to-wan'
  /** back to a PPMID (a GSME's response to the PPMID's PCS message) */
  | 'to-ppmid'
  | 'discard';

/** Why a message was routed as it was. Discards of PPMID-relayed messages use the CH-2 reasons. */
export type ChReason =
  | RelayRejectReason
  | 'target-in-device-log'
  | 'target-is-gsme'
  | 'target-is-chf-itself'
  | 'target-is-gpf-itself'
  | 'response-or-alert'
  | 'ppmid-gsme-message'
  | 'pcs-response-to-ppmid'
  | 'command-from-device'
  | 'originator-mismatch'
  | 'source-not-in-device-log'
  | 'no-wan-commissioning';

/** The verdict of one routing decision (reused between calls: copy what you keep). */
export class RouteVerdict {
  action: ChAction = 'discard';
  reason: ChReason = 'malformed';
  /** how the CH classifies the source: a PPMID's relayed traffic is `ppmid`, its own is `device` */
  source: ChSource = 'wan';
  /** a PPMID-relayed message (CH-2 alerts, CH-7 limits and CH-6 standalone apply) */
  relayed = false;
  /** the header was readable (info holds its facts) */
  parsed = false;
  /** the target's Device Log entry, when it has one */
  entry: ChfDeviceLogEntry | undefined = undefined;
  /** what the target is, as far as the CH knows */
  targetType: DeviceType | 'remote-party' | null = null;
  /** a GBT block (routed by its routing header) */
  gbt = false;
  readonly info = new RoutingInfo();

  get discarded(): boolean {
    return this.action === 'discard';
  }
}

export interface ChfRouterOptions {
  chf: Eui;
  gpf: Eui;
  deviceLog: DeviceLog;
  /** Remote parties the CH knows (from its trust anchors): a target among them is `target-is-remote-party`. */
  remoteParties: EuiSet;
  /** Largest message the HAN tunnel carries in one transfer (default 1500, HAN.md). */
  maxTransferSize?: number;
}

/** Message Codes of the existing SME.C.PPMID-GSME messages (GBCS.md 5). */
const PCS_CODES: readonly number[] = ['PCS01', 'PCS02']
  .map((u) => messageCodeForUseCase(u)?.code)
  .filter((c): c is number => c !== undefined);

export class ChfRouter {
  private readonly chfHi: number;
  private readonly chfLo: number;
  private readonly gpfHi: number;
  private readonly gpfLo: number;
  readonly deviceLog: DeviceLog;
  private readonly remoteParties: EuiSet;
  readonly maxTransferSize: number;
  /** CH-6: while true, nothing from any PPMID is routed. */
  standalone = false;
  /**
   * The CH has its SM WAN. While false, a logged PPMID may relay the no-WAN
   * commissioning commands to the CHF (NO_WAN_CHF_RELAY_CODES, PROVISIONAL,
   * SECMP0038 3.1.1 / C8); the Chf keeps this in step with its WAN.
   */
  wanUp = true;

  constructor(o: ChfRouterOptions) {
    const c = euiHalves(o.chf);
    const g = euiHalves(o.gpf);
    this.chfHi = c.hi;
    this.chfLo = c.lo;
    this.gpfHi = g.hi;
    this.gpfLo = g.lo;
    this.deviceLog = o.deviceLog;
    this.remoteParties = o.remoteParties;
    this.maxTransferSize = o.maxTransferSize ?? 1500;
  }

  /**
   * Decides what to do with `bytes` that arrived from `source` (`wan`, `hht`,
   * or over the tunnel of `sender`, a logged device: pass `ppmid` or `device`
   * by the sender's type, or just `device` and let the sender's entry tell).
   */
  decide(
    source: ChSource,
    sender: ChfDeviceLogEntry | undefined,
    bytes: Uint8Array,
    v: RouteVerdict = new RouteVerdict(),
  ): RouteVerdict {
    v.entry = undefined;
    v.targetType = null;
    v.relayed = false;
    v.parsed = false;
    v.gbt = false;
    v.source = source;
    if (source === 'wan' || source === 'hht') {
      if (source === 'hht' && (sender === undefined || sender.deviceType !== 'HHT'))
        return this.discard(v, 'source-not-in-device-log');
      return this.fromRemoteParty(bytes, v);
    }
    if (sender === undefined) return this.discard(v, 'source-not-in-device-log');
    const isPpmid = sender.deviceType === 'PPMID';
    v.source = isPpmid ? 'ppmid' : 'device';
    v.relayed = isPpmid;
    if (isPpmid && this.standalone) return this.discard(v, 'standalone-mode');
    if (bytes.length > this.maxTransferSize) return this.discard(v, 'oversize');
    if (!this.peek(bytes, v)) return this.discard(v, 'malformed');
    const info = v.info;
    const own = info.originatorHi === sender.hi && info.originatorLo === sender.lo;
    if (isPpmid && !own) {
      // A Remote Party message relayed by the PPMID (CH-1 new source; CH-2 checks).
      if (this.noWanCommissioning(v)) return v;
      if (!sender.relayEnabled) return this.discard(v, 'ppmid-not-relay-enabled');
      if (info.craFlag !== 1) return this.discard(v, 'not-a-command');
      return this.commandTarget(v, true);
    }
    v.source = 'device';
    v.relayed = false;
    if (!own) return this.discard(v, 'originator-mismatch');
    this.classifyTarget(v);
    const target = v.entry as ChfDeviceLogEntry | undefined;
    if (info.craFlag === 1) {
      // the existing SME.C.PPMID-GSME messages (PCS01 / PCS02)
      if (isPpmid && target?.deviceType === 'GSME' && PCS_CODES.includes(info.messageCode)) {
        v.action = 'to-gsme-mailbox';
        v.reason = 'ppmid-gsme-message';
        return v;
      }
      return this.discard(v, 'command-from-device');
    }
    if (
      sender.deviceType === 'GSME' &&
      target?.deviceType === 'PPMID' &&
      PCS_CODES.includes(info.messageCode)
    ) {
      v.action = 'to-ppmid';
      v.reason = 'pcs-response-to-ppmid';
      return v;
    }
    // CH-4: responses and alerts go to the WAN, never back to a PPMID.
    v.action = 'to-wan';
    v.reason = 'response-or-alert';
    return v;
  }

  /**
   * PROVISIONAL (SECMP0038 3.1.1, decision C8): while the CH has no WAN, a
   * Command to the CHF with a Message Code of NO_WAN_CHF_RELAY_CODES (CCS01,
   * Set CH Time) from a logged PPMID, relay flag or not (CCS01 is what sets
   * it), goes to the CHF's command processing, which verifies it like any
   * command. With a WAN, CH-2 applies unchanged (`target-is-chf`).
   */
  private noWanCommissioning(v: RouteVerdict): boolean {
    const i = v.info;
    if (this.wanUp || i.craFlag !== 1 || !NO_WAN_CHF_RELAY_CODES.has(i.messageCode)) return false;
    if (i.targetHi !== this.chfHi || i.targetLo !== this.chfLo) return false;
    v.targetType = 'CHF';
    v.action = 'to-chf';
    v.reason = 'no-wan-commissioning';
    return true;
  }

  private fromRemoteParty(bytes: Uint8Array, v: RouteVerdict): RouteVerdict {
    if (!this.peek(bytes, v)) return this.discard(v, 'malformed');
    if (v.info.craFlag !== 1) {
      this.classifyTarget(v);
      return this.discard(v, 'not-a-command');
    }
    const r = this.commandTarget(v, false);
    // Over the HAN a message must fit one tunnel transfer (or come as GBT blocks); a GSME's
    // GET-RESPONSE puts the mailbox header in front of it.
    if (r.action === 'to-device' && bytes.length > this.maxTransferSize) return this.discard(v, 'oversize');
    if (r.action === 'to-gsme-mailbox' && bytes.length > this.maxTransferSize - GSME_MAILBOX_HEADER)
      return this.discard(v, 'oversize');
    return r;
  }

  private peek(bytes: Uint8Array, v: RouteVerdict): boolean {
    try {
      peekRouting(bytes, v.info);
    } catch {
      return false;
    }
    v.parsed = true;
    v.gbt = v.info.envelope === ENVELOPE_GBT;
    return true;
  }

  /** Sets entry and targetType from the target (Recipient System Title). */
  private classifyTarget(v: RouteVerdict): void {
    const hi = v.info.targetHi;
    const lo = v.info.targetLo;
    if (hi === this.chfHi && lo === this.chfLo) v.targetType = 'CHF';
    else if (hi === this.gpfHi && lo === this.gpfLo) v.targetType = 'GPF';
    else {
      const e = this.deviceLog.lookup(hi, lo);
      if (e !== undefined) {
        v.entry = e;
        v.targetType = e.deviceType;
      } else if (this.remoteParties.has(hi, lo)) v.targetType = 'remote-party';
    }
  }

  /** GBCS 10.8.2 for a Command: deliver only to a logged device that is not an HHT (nor CHF/GPF when relayed). */
  private commandTarget(v: RouteVerdict, relayed: boolean): RouteVerdict {
    this.classifyTarget(v);
    switch (v.targetType) {
      case 'CHF':
        if (relayed) return this.discard(v, 'target-is-chf');
        v.action = 'to-chf';
        v.reason = 'target-is-chf-itself';
        return v;
      case 'GPF':
        if (relayed) return this.discard(v, 'target-is-gpf');
        v.action = 'to-gpf';
        v.reason = 'target-is-gpf-itself';
        return v;
      case 'HHT':
        return this.discard(v, 'target-is-hht');
      case 'remote-party':
        return this.discard(v, 'target-is-remote-party');
      case null:
        return this.discard(v, 'target-not-in-device-log');
      case 'GSME':
        v.action = 'to-gsme-mailbox';
        v.reason = 'target-is-gsme';
        return v;
      default:
        v.action = 'to-device';
        v.reason = 'target-in-device-log';
        return v;
    }
  }

  private discard(v: RouteVerdict, reason: ChReason): RouteVerdict {
    v.action = 'discard';
    v.reason = reason;
    return v;
  }
}
