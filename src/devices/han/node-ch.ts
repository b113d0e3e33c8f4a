/**
 * The Communications Hub's radio on the HAN (HAN.md "How GBCS uses the
 * tunnel"):
 * - to an ESME, HCALCS, PPMID or HHT the CH is the tunnel CLIENT: it sends
 *   RequestTunnel (GB-HRGP, manufacturer 0xFFFF, no flow control, 1500 bytes)
 *   once the device has joined, keeps one tunnel per device, sends its
 *   TransferData client->server and receives the device's server->client;
 * - to a GSME it is the tunnel SERVER: the GSME requests the tunnel, then
 *   exchanges mailbox commands (GET / GET-RESPONSE / PUT) with the CH;
 * - tunnel traffic is accepted only from devices the owner (the CHF) says
 *   are in its Device Log; APS link keys come from the same place (CH-9).
 * The node moves bytes and tunnel state; every routing decision is the CHF's.
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import {
  decodeGsmeMailboxCommand,
  encodeGsmeMailboxCommand,
  type GsmeMailboxCommand,
  TransferDataStatus,
  type TunnelCommand,
  type TunnelFrame,
  TunnelStatus,
  ZCL_STATUS_SUCCESS,
  ZigbeeError,
} from '../../zigbee/index.ts';
import type { HanSendResult } from '../contracts.ts';
import type { HanDataIndication, HanMedium, HanTransferReport } from './medium.ts';
import { failure, GBCS_TUNNEL, HanNodeBase } from './node.ts';

/** Which side of a tunnel the CH is on. */
export type ChTunnelRole = 'client' | 'server';

export interface ChTunnel {
  peer: Eui;
  tunnelId: number;
  /** client: the CH requested it (ESME, PPMID...); server: the device did (GSME) */
  role: ChTunnelRole;
  /** the peer's maxIncomingTransferSize */
  maxOutgoing: number;
  openedAt: number;
}

export interface ChTunnelDataInfo {
  tunnel: ChTunnel;
  /** when the first APS block arrived and when the transfer completed */
  firstBlockAt: number;
  receivedAt: number;
  /** data over the CH's maxIncomingTransferSize (the node already answered TransferDataError) */
  overflow: boolean;
}

export interface ChHanNodeHandlers {
  /** Whether `peer` may use a tunnel at all (in the Device Log) and, for a request, as which kind. */
  isLogged(peer: Eui): boolean;
  /**
   * Tunnel data (GBCS bytes) from a tunnel-server device (ESME, PPMID, HHT...).
   * Returns a TransferDataError status when the CHF refuses the transfer in a
   * way the device should hear of (DataOverflow: its CH-7 rate limit, try
   * later); nothing when it took the data (or discarded it silently, CH-2).
   */
  onTunnelData(peer: Eui, data: Uint8Array, info: ChTunnelDataInfo): TransferDataStatus | undefined;
  /** A GSME mailbox command arrived on a GSME's tunnel (CH as tunnel server). */
  onMailboxCommand(peer: Eui, cmd: GsmeMailboxCommand, info: ChTunnelDataInfo): void;
  /** A tunnel opened (either direction). */
  onTunnelOpened(tunnel: ChTunnel): void;
  /** A tunnel the CH asked for was refused by the device, or could not be requested. */
  onTunnelRequestFailed?(peer: Eui, reason: string): void;
  /** A device asked the CH for a tunnel; return the status to answer (default: Success for logged devices). */
  onTunnelRequest?(peer: Eui, request: Extract<TunnelCommand, { cmd: 'RequestTunnel' }>): number;
  /** A tunnel-cluster frame that could not be decoded, or tunnel data on an unknown tunnel. */
  onTunnelProtocolError?(peer: Eui, reason: string): void;
  /** Traffic on another cluster (e.g. OTA 0x0019). */
  onOtherCluster?(ind: HanDataIndication): void;
}

export interface ChHanNodeOptions {
  medium: HanMedium;
  clock: Clock;
  /** The CH radio's IEEE address (HAN.md: the GPF's Entity ID). */
  eui: Eui;
  /** The APS link key for a peer (from the install code in the Device Log), or undefined. */
  linkKeyFor: (peer: Eui) => Uint8Array | undefined;
  handlers: ChHanNodeHandlers;
  /** maxIncomingTransferSize the CH announces, default 1500. */
  maxIncomingTransferSize?: number;
}

export class ChHanNode extends HanNodeBase {
  private readonly tunnels = new Map<Eui, ChTunnel>();
  private readonly pendingRequests: Map<Eui, number> = new LazyMap();
  private nextTunnelId = 1;
  private readonly opts: ChHanNodeOptions;
  readonly maxIncoming: number;

  constructor(opts: ChHanNodeOptions) {
    super(opts.medium, opts.eui, opts.clock);
    this.opts = opts;
    this.maxIncoming = opts.maxIncomingTransferSize ?? GBCS_TUNNEL.maxIncomingTransferSize;
  }

  protected linkKeyFor(peer: Eui): Uint8Array | undefined {
    return this.opts.linkKeyFor(peer);
  }

  protected override onDisconnected(): void {
    this.tunnels.clear();
    this.pendingRequests.clear();
  }

  tunnel(peer: Eui): ChTunnel | undefined {
    return this.tunnels.get(peer);
  }

  openTunnels(): ChTunnel[] {
    return [...this.tunnels.values()];
  }

  /** Forgets a device's tunnel (removed from the Device Log, or left the HAN). */
  dropTunnel(peer: Eui): void {
    this.tunnels.delete(peer);
    this.pendingRequests.delete(peer);
  }

  /** CH as tunnel client: asks `peer` (ESME, HCALCS, PPMID, HHT) for a GB-HRGP tunnel. */
  requestTunnel(peer: Eui): void {
    if (this.pendingRequests.has(peer)) return;
    this.pendingRequests.set(peer, this.clock.now());
    this.log('tunnel-requested', peer);
    this.sendCommand(
      peer,
      {
        dir: 'c2s',
        cmd: 'RequestTunnel',
        protocolId: GBCS_TUNNEL.protocolId,
        manufacturerCode: GBCS_TUNNEL.manufacturerCode,
        flowControlSupport: GBCS_TUNNEL.flowControlSupport,
        maxIncomingTransferSize: this.maxIncoming,
      },
      (r) => {
        if (!r.ok) {
          this.pendingRequests.delete(peer);
          this.opts.handlers.onTunnelRequestFailed?.(peer, `RequestTunnel not delivered: ${r.reason}`);
        }
      },
    );
  }

  /**
   * Sends tunnel data (GBCS bytes, or for a GSME a mailbox command already
   * encoded) on `peer`'s tunnel. Fails with `tunnel-closed` when there is
   * none and `too-large` over the peer's maximum transfer size.
   */
  sendTunnelData(
    peer: Eui,
    data: Uint8Array,
    done?: (r: HanSendResult, report?: HanTransferReport) => void,
  ): void {
    const t = this.tunnels.get(peer);
    const now = this.clock.now();
    if (!t || !this.attached) {
      if (done) this.clock.setTimer(0, () => done(failure(now, 'tunnel-closed')), 'ch-node:no-tunnel');
      return;
    }
    if (data.length > t.maxOutgoing) {
      if (done) this.clock.setTimer(0, () => done(failure(now, 'too-large')), 'ch-node:too-large');
      return;
    }
    const command: TunnelCommand =
      t.role === 'client'
        ? { dir: 'c2s', cmd: 'TransferData', tunnelId: t.tunnelId, data }
        : { dir: 's2c', cmd: 'TransferData', tunnelId: t.tunnelId, data };
    this.sendCommand(peer, command, done);
  }

  /** Sends a GSME mailbox command (GET-RESPONSE) on a GSME's tunnel. */
  sendMailboxCommand(peer: Eui, cmd: GsmeMailboxCommand, done?: (r: HanSendResult) => void): void {
    this.sendTunnelData(peer, encodeGsmeMailboxCommand(cmd), done);
  }

  protected override onOtherCluster(ind: HanDataIndication): void {
    super.onOtherCluster(ind);
    this.opts.handlers.onOtherCluster?.(ind);
  }

  protected override onMalformedTunnelFrame(ind: HanDataIndication, e: unknown): void {
    this.opts.handlers.onTunnelProtocolError?.(
      ind.from,
      `malformed tunnel frame: ${e instanceof Error ? e.message : String(e)}`,
    );
  }

  protected onTunnelFrame(from: Eui, frame: TunnelFrame, ind: HanDataIndication): void {
    const h = this.opts.handlers;
    const c = frame.command;
    // Tunnel traffic only from devices in the Device Log (HAN.md). APS security
    // already needs their key, so this holds even for a device removed since.
    if (!h.isLogged(from)) {
      this.log('frame-ignored', from, `${c.cmd} from a device not in the Device Log`);
      h.onTunnelProtocolError?.(from, 'tunnel traffic from a device not in the Device Log');
      return;
    }
    if (c.dir === 's2c') {
      switch (c.cmd) {
        case 'RequestTunnelResponse': {
          if (!this.pendingRequests.has(from)) {
            this.log('frame-ignored', from, 'unsolicited RequestTunnelResponse');
            return;
          }
          this.pendingRequests.delete(from);
          if (c.status !== TunnelStatus.Success) {
            this.log('tunnel-refused', from, `status ${c.status}`);
            h.onTunnelRequestFailed?.(from, `RequestTunnelResponse status ${c.status}`);
            return;
          }
          const t: ChTunnel = {
            peer: from,
            tunnelId: c.tunnelId,
            role: 'client',
            maxOutgoing: c.maxIncomingTransferSize,
            openedAt: this.clock.now(),
          };
          this.tunnels.set(from, t);
          this.log('tunnel-opened', from, `tunnel ${c.tunnelId} (CH client)`);
          h.onTunnelOpened(t);
          return;
        }
        case 'TransferData': {
          const t = this.tunnels.get(from);
          if (t?.role !== 'client' || t.tunnelId !== c.tunnelId) {
            this.rejectTransfer(
              from,
              c.tunnelId,
              'c2s',
              t ? TransferDataStatus.WrongDevice : TransferDataStatus.NoSuchTunnel,
            );
            return;
          }
          const tsn = frame.header.transactionSequenceNumber;
          const overflow = c.data.length > this.maxIncoming;
          if (overflow)
            this.rejectTransfer(from, c.tunnelId, 'c2s', TransferDataStatus.DataOverflow, false, tsn);
          const refused = h.onTunnelData(from, c.data, {
            tunnel: t,
            firstBlockAt: ind.firstBlockAt,
            receivedAt: ind.receivedAt,
            overflow,
          });
          if (overflow) return;
          // ZCL 2.5.12: an error is answered whatever the Disable Default Response bit says
          // (here TransferDataError, the cluster's own error command); success only when asked.
          if (refused !== undefined) this.rejectTransfer(from, c.tunnelId, 'c2s', refused, false, tsn);
          else if (!frame.header.disableDefaultResponse)
            this.sendDefaultResponse(from, {
              direction: 'c2s',
              transactionSequenceNumber: tsn,
              commandId: frame.header.commandId,
              status: ZCL_STATUS_SUCCESS,
            });
          return;
        }
        case 'TunnelClosureNotification':
          if (this.tunnels.get(from)?.tunnelId === c.tunnelId) {
            this.tunnels.delete(from);
            this.log('tunnel-closed', from, 'closure notification');
          }
          return;
        default:
          this.log('frame-ignored', from, c.cmd);
          return;
      }
    }
    switch (c.cmd) {
      case 'RequestTunnel': {
        let status: number =
          c.protocolId !== GBCS_TUNNEL.protocolId || c.manufacturerCode !== GBCS_TUNNEL.manufacturerCode
            ? TunnelStatus.ProtocolNotSupported
            : c.flowControlSupport
              ? TunnelStatus.FlowControlNotSupported
              : TunnelStatus.Success;
        if (status === TunnelStatus.Success && h.onTunnelRequest) status = h.onTunnelRequest(from, c);
        const tunnelId = status === TunnelStatus.Success ? this.allocateTunnelId() : 0xffff;
        this.sendCommand(from, {
          dir: 's2c',
          cmd: 'RequestTunnelResponse',
          tunnelId,
          status: status as TunnelStatus,
          maxIncomingTransferSize: this.maxIncoming,
        });
        if (status !== TunnelStatus.Success) {
          this.log('tunnel-refused', from, `answered status ${status}`);
          return;
        }
        const t: ChTunnel = {
          peer: from,
          tunnelId,
          role: 'server',
          maxOutgoing: c.maxIncomingTransferSize,
          openedAt: this.clock.now(),
        };
        this.tunnels.set(from, t);
        this.log('tunnel-opened', from, `tunnel ${tunnelId} (CH server)`);
        h.onTunnelOpened(t);
        return;
      }
      case 'TransferData': {
        const t = this.tunnels.get(from);
        if (t?.role !== 'server' || t.tunnelId !== c.tunnelId) {
          this.rejectTransfer(
            from,
            c.tunnelId,
            's2c',
            t ? TransferDataStatus.WrongDevice : TransferDataStatus.NoSuchTunnel,
          );
          return;
        }
        const info: ChTunnelDataInfo = {
          tunnel: t,
          firstBlockAt: ind.firstBlockAt,
          receivedAt: ind.receivedAt,
          overflow: c.data.length > this.maxIncoming,
        };
        if (info.overflow)
          this.rejectTransfer(from, c.tunnelId, 's2c', TransferDataStatus.DataOverflow, false);
        let cmd: GsmeMailboxCommand;
        try {
          cmd = decodeGsmeMailboxCommand(c.data).value;
        } catch (e) {
          h.onTunnelProtocolError?.(
            from,
            `bad GSME mailbox command: ${e instanceof ZigbeeError ? e.message : String(e)}`,
          );
          return;
        }
        h.onMailboxCommand(from, cmd, info);
        return;
      }
      case 'CloseTunnel':
        if (this.tunnels.get(from)?.tunnelId === c.tunnelId) {
          this.tunnels.delete(from);
          this.log('tunnel-closed', from, 'CloseTunnel');
        }
        return;
      default:
        this.log('frame-ignored', from, c.cmd);
        return;
    }
  }

  private allocateTunnelId(): number {
    const id = this.nextTunnelId;
    this.nextTunnelId = this.nextTunnelId >= 0xfffe ? 1 : this.nextTunnelId + 1;
    return id;
  }

  private rejectTransfer(
    peer: Eui,
    tunnelId: number,
    dir: 'c2s' | 's2c',
    status: TransferDataStatus,
    report = true,
    tsn?: number,
  ): void {
    this.sendCommand(peer, { dir, cmd: 'TransferDataError', tunnelId, status } as TunnelCommand, undefined, {
      ...(tsn !== undefined ? { tsn } : {}),
    });
    if (report)
      this.opts.handlers.onTunnelProtocolError?.(
        peer,
        `TransferData on tunnel ${tunnelId}: status ${status}`,
      );
  }
}
