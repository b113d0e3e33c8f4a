/**
 * The HAN node layer: what a device (or the Communications Hub radio) runs
 * on top of the HAN medium. A node owns one attachment to the medium, sends
 * and receives ZCL Tunneling frames (cluster 0x0704) as secured APS
 * transfers, and applies General Block Transfer for GBCS messages larger
 * than the tunnel's maximum transfer size (GBCS 7.2.11).
 *
 * - node-ch.ts: the CH radio: tunnel client to ESME / HCALCS / PPMID / HHT,
 *   tunnel server and mailbox transport for the GSME (HAN.md).
 * - node-device.ts: a tunnel-server device (ESME, HCALCS, PPMID, HHT):
 *   implements HanUplink for the device application.
 * - node-gsme.ts: the sleepy GSME: requests its tunnel, polls the mailbox
 *   (GET / GET-RESPONSE) and PUTs responses; implements SleepyHanUplink.
 */
import { splitGbt } from '../../gbcs/gbt.ts';
import { type Eui, normaliseEui, toHex } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { fastHost } from '../../runtime/fast-host.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import {
  decodeDefaultResponse,
  decodeTunnelFrame,
  encodeDefaultResponse,
  encodeTunnelFrame,
  GBCS_MAX_INCOMING_TRANSFER_SIZE,
  isDefaultResponseFrame,
  TUNNELING_CLUSTER_ID,
  type TunnelCommand,
  type TunnelFrame,
  type ZclDefaultResponse,
  ZigbeeError,
} from '../../zigbee/index.ts';
import { decodeOtaBlock, OtaReceiver } from '../../zigbee/ota.ts';
import type { GbcsDevice, HanSendResult, HanUplink } from '../contracts.ts';
import type { HanDataIndication, HanMedium, HanRadioState, HanTransferReport } from './medium.ts';
import { type ZseReadResult, ZseReads, type ZseReadsHost } from './zse-reads.ts';

/** ZigBee OTA Upgrade cluster: firmware images travel here, never in a Remote Party Command (SECMP0038 CH-3). */
export const OTA_UPGRADE_CLUSTER_ID = 0x0019;

/**
 * Room left in every tunnel transfer for the GSME mailbox command bytes and
 * the GBT routing header and block header, when a message is cut into GBT
 * blocks: each block then fits the 1500-byte tunnel (HAN.md).
 */
export const GBT_BLOCK_OVERHEAD = 64;

export class HanNodeError extends PpmidRelayError {
  constructor(
    code: 'HAN_NODE_NOT_CONNECTED' | 'HAN_NODE_NO_TUNNEL' | 'HAN_NODE_NO_APPLICATION' | 'HAN_NODE_RADIO_ON',
    message: string,
  ) {
    super(code, message);
  }
}

/** One entry of a node's own log (bounded): what happened at the ZigBee layer. */
export interface HanNodeEvent {
  at: number;
  node: Eui;
  kind:
    | 'tunnel-requested'
    | 'tunnel-opened'
    | 'tunnel-refused'
    | 'tunnel-closed'
    | 'transfer-failed'
    | 'frame-ignored'
    | 'frame-rejected'
    | 'gbt-error'
    | 'delivered';
  peer?: Eui;
  detail?: string;
}

/** The GBCS tunnel parameters (HAN.md "How GBCS uses the tunnel"). */
export const GBCS_TUNNEL = {
  protocolId: 6,
  manufacturerCode: 0xffff,
  flowControlSupport: false,
  maxIncomingTransferSize: GBCS_MAX_INCOMING_TRANSFER_SIZE,
} as const;

/**
 * Cuts a GBCS message into GBT blocks (with the `DD 09` routing header so the
 * CHF can route each block) when it does not fit one transfer of `maxTransfer`
 * bytes; returns it unchanged otherwise. Throws a typed GbcsError when the
 * message has no readable header.
 */
export function gbtBlocksFor(message: Uint8Array, maxTransfer: number): Uint8Array[] {
  if (message.length <= maxTransfer) return [message];
  return splitGbt(message, { blockSize: maxTransfer - GBT_BLOCK_OVERHEAD });
}

/** Whether bytes are a GBT fragment (bare `E0`, or `DD 09` routing header). */
export function isGbtFragment(bytes: Uint8Array): boolean {
  return bytes[0] === 0xe0 || (bytes[0] === 0xdd && bytes[1] === 0x09);
}

export function failure(at: number, reason: Exclude<HanSendResult, { ok: true }>['reason']): HanSendResult {
  return { ok: false, at, reason };
}

/** Maps a medium transfer report to the contract's HanSendResult. */
export function resultOf(r: HanTransferReport): HanSendResult {
  if (r.ok) return { ok: true, at: r.deliveredAt ?? r.completedAt };
  const reason =
    r.reason === 'link-down' || r.reason === 'duty-cycle' || r.reason === 'too-large' || r.reason === 'lost'
      ? r.reason
      : r.reason === 'not-attached'
        ? 'link-down'
        : 'rejected';
  return { ok: false, at: r.completedAt, reason };
}

/**
 * The common part of every node: the attachment, ZCL transaction sequence
 * numbers, decoding of tunnel frames and a bounded event log.
 */
export abstract class HanNodeBase {
  readonly eui: Eui;
  protected attached = false;
  /** What the radio keeps in non-volatile memory while it is off (counters, receive guard). */
  private savedRadio: HanRadioState | undefined;
  private tsn = 0;
  readonly events: HanNodeEvent[] = [];
  private readonly eventCapacity: number;
  /** events dropped because the log was full (oldest first) */
  eventsEvicted = 0;

  constructor(
    readonly medium: HanMedium,
    eui: Eui,
    readonly clock: Clock,
    eventCapacity = 1000,
  ) {
    this.eui = normaliseEui(eui);
    this.eventCapacity = eventCapacity;
  }

  protected abstract linkKeyFor(peer: Eui): Uint8Array | undefined;
  protected abstract onTunnelFrame(from: Eui, frame: TunnelFrame, ind: HanDataIndication): void;
  /** Frames on other clusters (the CH refuses OTA from a PPMID, CH-3). Default: ignored and logged. */
  protected onOtherCluster(ind: HanDataIndication): void {
    this.log('frame-ignored', ind.from, `cluster 0x${ind.clusterId.toString(16).padStart(4, '0')}`);
  }

  protected log(kind: HanNodeEvent['kind'], peer?: Eui, detail?: string): void {
    if (this.events.length >= this.eventCapacity) {
      this.events.shift();
      this.eventsEvicted++;
    }
    const e: HanNodeEvent = { at: this.clock.now(), node: this.eui, kind };
    if (peer !== undefined) e.peer = peer;
    if (detail !== undefined) e.detail = detail;
    this.events.push(e);
  }

  /** Attaches to the medium (powers the radio on). Idempotent. */
  connect(): void {
    if (this.attached) return;
    const saved = this.savedRadio;
    this.medium.attach(this.eui, {
      // ZigBee keeps the outgoing APS frame counter in non-volatile memory: a
      // restarted radio must not reuse counters its peers already accepted.
      // The APS counter continues too (peers' duplicate rejection would drop
      // frames whose counter they saw within the window), and the incoming
      // frame counters are kept so a restart does not reopen the replay window.
      frameCounterStart: saved?.frameCounter ?? 0,
      apsCounterStart: saved?.apsCounter ?? 0,
      receiveFrameCounters: saved?.receiveFrameCounters ?? {},
      linkKeyFor: (peer) => this.linkKeyFor(peer),
      onData: (ind) => this.onData(ind),
      onRejected: (r) => this.log('frame-rejected', r.from, `${r.reason}: ${r.message}`),
    });
    this.attached = true;
    this.onConnected();
  }

  /** Hook after attaching. */
  protected onConnected(): void {}

  /** Detaches from the medium (powers the radio off); transfers in flight fail. */
  disconnect(): void {
    if (!this.attached) return;
    this.savedRadio = this.medium.radioState(this.eui);
    this.attached = false;
    this.medium.detach(this.eui);
    this.onDisconnected();
  }

  protected onDisconnected(): void {}

  /**
   * The radio's persistent state: live while connected, the saved copy while
   * off (undefined for a radio never powered). For a device whose node object
   * itself is rebuilt (a firmware image restored elsewhere).
   */
  radioState(): HanRadioState | undefined {
    if (this.attached) return this.medium.radioState(this.eui);
    return this.savedRadio
      ? { ...this.savedRadio, receiveFrameCounters: { ...this.savedRadio.receiveFrameCounters } }
      : undefined;
  }

  /** Gives a powered-off radio its persistent state back (used at the next `connect`). */
  restoreRadioState(state: HanRadioState): void {
    if (this.attached)
      throw new HanNodeError('HAN_NODE_RADIO_ON', `${this.eui}: restore the radio state while it is off`);
    this.savedRadio = { ...state, receiveFrameCounters: { ...state.receiveFrameCounters } };
  }

  get isConnected(): boolean {
    return this.attached;
  }

  protected nextTsn(): number {
    const t = this.tsn;
    this.tsn = (this.tsn + 1) & 0xff;
    return t;
  }

  private onData(ind: HanDataIndication): void {
    if (ind.clusterId !== TUNNELING_CLUSTER_ID) {
      this.onOtherCluster(ind);
      return;
    }
    if (isDefaultResponseFrame(ind.asdu)) {
      let r: ZclDefaultResponse;
      try {
        r = decodeDefaultResponse(ind.asdu);
      } catch (e) {
        this.log('frame-ignored', ind.from, e instanceof ZigbeeError ? `${e.code}: ${e.message}` : String(e));
        return;
      }
      this.onDefaultResponse(ind.from, r);
      return;
    }
    let frame: TunnelFrame;
    try {
      frame = decodeTunnelFrame(ind.asdu).value;
    } catch (e) {
      this.log('frame-ignored', ind.from, e instanceof ZigbeeError ? `${e.code}: ${e.message}` : String(e));
      this.onMalformedTunnelFrame(ind, e);
      return;
    }
    this.onTunnelFrame(ind.from, frame, ind);
  }

  /** Hook: a tunnel-cluster frame that did not decode. */
  protected onMalformedTunnelFrame(_ind: HanDataIndication, _e: unknown): void {}

  /** Hook: a ZCL Default Response on the Tunneling cluster (ZCL 2.5.12). Default: logged and ignored. */
  protected onDefaultResponse(from: Eui, r: ZclDefaultResponse): void {
    this.log('frame-ignored', from, `Default Response to 0x${r.commandId.toString(16)} status ${r.status}`);
  }

  /** Sends a ZCL Default Response (same transaction sequence number as the command it answers). */
  protected sendDefaultResponse(to: Eui, r: ZclDefaultResponse): void {
    if (!this.attached) return;
    this.medium.send(this.eui, to, encodeDefaultResponse(r), { clusterId: TUNNELING_CLUSTER_ID });
  }

  /**
   * Sends one tunnel command to `to`; `done` gets the medium's report (or a
   * refusal at once, on the clock). `frame.tsn`: answer a command with its
   * own transaction sequence number (ZCL responses do); `frame.defaultResponse`:
   * ask the receiver for a Default Response (Disable Default Response bit 0).
   * Returns the transaction sequence number used.
   */
  protected sendCommand(
    to: Eui,
    command: TunnelCommand,
    done?: (r: HanSendResult, report?: HanTransferReport) => void,
    frame: { tsn?: number; defaultResponse?: boolean } = {},
  ): number {
    const tsn = frame.tsn ?? this.nextTsn();
    if (!this.attached) {
      if (done)
        this.clock.setTimer(0, () => done(failure(this.clock.now(), 'link-down')), 'han-node:refused');
      return tsn;
    }
    const asdu = encodeTunnelFrame(command, {
      transactionSequenceNumber: tsn,
      disableDefaultResponse: !frame.defaultResponse,
    });
    const r = this.medium.send(this.eui, to, asdu, {
      clusterId: TUNNELING_CLUSTER_ID,
      onComplete: (rep) => {
        if (!rep.ok) this.log('transfer-failed', to, `${command.cmd}: ${rep.reason}`);
        done?.(resultOf(rep), rep);
      },
    });
    if (!r.ok) {
      this.log('transfer-failed', to, `${command.cmd}: refused (${r.reason})`);
      const reason =
        r.reason === 'link-down' || r.reason === 'duty-cycle' || r.reason === 'too-large'
          ? r.reason
          : 'rejected';
      if (done) this.clock.setTimer(0, () => done(failure(this.clock.now(), reason)), 'han-node:refused');
    }
    return tsn;
  }

  /** Sends raw APS payload bytes on any cluster (tests; a misbehaving device). */
  sendCluster(to: Eui, clusterId: number, asdu: Uint8Array, done?: (r: HanSendResult) => void): void {
    const r = this.medium.send(this.eui, to, asdu, {
      clusterId,
      onComplete: (rep) => done?.(resultOf(rep)),
    });
    if (!r.ok && done)
      this.clock.setTimer(0, () => done(failure(this.clock.now(), 'rejected')), 'han-node:refused');
  }
}

/** Runs `steps` one after another; stops at the first failure and reports it (or the last success). */
export function sequence(
  steps: Array<(next: (r: HanSendResult) => void) => void>,
  done: (r: HanSendResult) => void,
): void {
  let i = 0;
  const run = (last: HanSendResult | undefined) => {
    if (i >= steps.length || (last && !last.ok)) {
      done(last as HanSendResult);
      return;
    }
    const step = steps[i++];
    step((r) => run(r));
  };
  run(undefined);
}

/** What every device-side node is built from (the CH's address, the link key, an optional application). */
export interface DeviceSideNodeOptions {
  medium: HanMedium;
  clock: Clock;
  eui: Eui;
  /** The CH radio's IEEE address. */
  chEui: Eui;
  /** The device's APS link key with the CH (from its install code, CH-9). */
  linkKey: Uint8Array;
  /** The application; may be attached later with `attachDevice`. */
  device?: GbcsDevice;
  /** Largest tunnel data this device accepts, default 1500 (HAN.md). */
  maxIncomingTransferSize?: number;
}

/**
 * The device side of the HAN, shared by the tunnel server (ESME, HCALCS,
 * PPMID) and the sleepy GSME: it talks to one CH with one link key, carries
 * one GBCS application, and hands it every complete message that arrives.
 */
export abstract class DeviceSideNode extends HanNodeBase implements HanUplink {
  readonly chEui: Eui;
  protected linkKey: Uint8Array;
  protected device: GbcsDevice | undefined;
  readonly maxIncoming: number;
  /** Messages that arrived while no application was attached (typed event, not silent). */
  undelivered = 0;
  private readonly messageListeners: Array<(bytes: Uint8Array) => void> = [];
  private readonly deliveredListeners: Array<() => void> = [];
  /** firmware from the CH: Image Block Responses on the OTA cluster, reassembled (zigbee/ota.ts) */
  private readonly ota = new OtaReceiver();
  /** application link keys with other devices (from the CH as trust centre): ZSE attribute reads */
  private readonly peerLinkKeys: Map<Eui, Uint8Array> = new LazyMap();
  private readonly zse: ZseReads;

  constructor(opts: DeviceSideNodeOptions) {
    super(opts.medium, opts.eui, opts.clock);
    this.chEui = normaliseEui(opts.chEui);
    this.linkKey = opts.linkKey;
    this.maxIncoming = opts.maxIncomingTransferSize ?? GBCS_TUNNEL.maxIncomingTransferSize;
    this.zse = new ZseReads(
      fastHost<ZseReadsHost, 'application'>(
        {
          clock: opts.clock,
          sendCluster: (to, c, a, done) => this.sendCluster(to, c, a, done),
          log: (kind, peer, detail) => this.log(kind, peer, detail),
        },
        { application: () => this.device },
      ),
    );
  }

  /** The application link key with another device on this HAN (ZSE reads; the CH hands it out as trust centre). */
  setPeerLinkKey(peer: Eui, key: Uint8Array): void {
    this.peerLinkKeys.set(normaliseEui(peer), key);
  }

  hasPeerLinkKey(peer: Eui): boolean {
    return this.peerLinkKeys.has(normaliseEui(peer));
  }

  /**
   * A ZSE Read Attributes (`request`, zigbee/zcl-read.ts, transaction
   * sequence number `tsn`) to `peer` on `clusterId`; `done` gets the peer's
   * Read Attributes Response frame, or the failure (`lost`: no answer in 30 s).
   */
  readAttributes(
    peer: Eui,
    clusterId: number,
    request: Uint8Array,
    tsn: number,
    done: (r: ZseReadResult) => void,
  ): void {
    this.zse.read(normaliseEui(peer), clusterId, request, tsn, done);
  }

  /**
   * A ZCL cluster command to `peer` (the ESME's On/Off to its HCALCS); `done`
   * gets the Default Response or the failure: the same exchange as a read,
   * matched by transaction sequence number.
   */
  readonly clusterCommand = this.readAttributes;

  /** OTA Upgrade from the CH: the blocks of a firmware file; the whole file goes to the application. */
  protected override onOtherCluster(ind: HanDataIndication): void {
    if (this.zse.onFrame(ind)) return;
    if (
      ind.clusterId !== OTA_UPGRADE_CLUSTER_ID ||
      ind.from !== this.chEui ||
      !this.device?.onFirmwareImage
    ) {
      super.onOtherCluster(ind);
      return;
    }
    try {
      const block = decodeOtaBlock(ind.asdu);
      if (!block) {
        super.onOtherCluster(ind);
        return;
      }
      const file = this.ota.add(block);
      if (file) this.device.onFirmwareImage(file);
    } catch (e) {
      this.log('frame-rejected', ind.from, `ota: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Binds the application; it gets this node as its uplink. */
  attachDevice(device: GbcsDevice): void {
    this.device = device;
    device.attachUplink(this);
  }

  get application(): GbcsDevice | undefined {
    return this.device;
  }

  /** Observes every complete GBCS message delivered to this device (tests, the ATPS). */
  onMessage(listener: (bytes: Uint8Array) => void): () => void {
    this.messageListeners.push(listener);
    return () => this.messageListeners.splice(this.messageListeners.indexOf(listener), 1);
  }

  /**
   * Called once the application has handled a message (its state changed,
   * its answer not yet on air): where a device keeps its non-volatile memory.
   */
  onDelivered(listener: () => void): () => void {
    this.deliveredListeners.push(listener);
    return () => this.deliveredListeners.splice(this.deliveredListeners.indexOf(listener), 1);
  }

  /** A new link key (the device was re-provisioned with another install code). */
  setLinkKey(key: Uint8Array): void {
    this.linkKey = key;
  }

  protected linkKeyFor(peer: Eui): Uint8Array | undefined {
    return peer === this.chEui ? this.linkKey : this.peerLinkKeys.get(peer);
  }

  abstract send(bytes: Uint8Array, done?: (result: HanSendResult) => void): void;
  abstract isReady(): boolean;

  dutyCycleState(): 'Normal' | 'Limited' | 'Critical' | 'Suspended' {
    return this.attached ? this.medium.dutyCycleState(this.eui) : 'Normal';
  }

  /** Hands a complete GBCS message to the listeners and the application. */
  protected deliver(message: Uint8Array): void {
    for (const l of this.messageListeners) l(message);
    if (!this.device) {
      this.undelivered++;
      this.log('frame-ignored', this.chEui, `HAN_NODE_NO_APPLICATION: ${toHex(message.subarray(0, 8))}...`);
      return;
    }
    this.log('delivered', this.chEui, `${message.length} bytes`);
    this.device.onRemotePartyMessage(message);
    for (const l of this.deliveredListeners) l();
  }
}
