/**
 * A tunnel-server device on the HAN: ESME, HCALCS, PPMID or HHT (HAN.md: the
 * CHF requests the tunnel once the device has joined, so the device is the
 * tunnel server and sends its TransferData server->client, id 0x01).
 *
 * Implements `HanUplink` for the device application: `send` cuts messages
 * over the tunnel's maximum transfer size into GBT blocks (GBCS 7.2.11), and
 * incoming GBT blocks are reassembled before the application sees them.
 * `sendRaw` is the side door of a test (or compromised) device: bytes go out
 * as one TransferData with no checks and no GBT.
 */
import { GbcsError } from '../../gbcs/errors.ts';
import { GbtReassembler } from '../../gbcs/gbt.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { TimerHandle } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import {
  TransferDataStatus,
  type TunnelFrame,
  TunnelStatus,
  tunnelCommandId,
  ZCL_STATUS_SUCCESS,
  type ZclDefaultResponse,
} from '../../zigbee/index.ts';
import type { HanSendResult } from '../contracts.ts';
import type { HanDataIndication } from './medium.ts';
import {
  DeviceSideNode,
  type DeviceSideNodeOptions,
  failure,
  GBCS_TUNNEL,
  gbtBlocksFor,
  isGbtFragment,
  sequence,
} from './node.ts';

export interface DeviceTunnel {
  tunnelId: number;
  /** the CH's maxIncomingTransferSize */
  maxOutgoing: number;
  openedAt: number;
}

/** A tunnel-server device node (ESME, HCALCS, PPMID): the CH is the tunnel client (HAN.md). */
export interface TunnelDeviceNodeOptions extends DeviceSideNodeOptions {
  /**
   * Ask the CH for its verdict on each TransferData (Disable Default Response
   * bit 0, ZCL 2.5.12): `send` reports success only on the CH's Default
   * Response (SUCCESS), `busy` on TransferDataError DataOverflow (its CH-7 rate
   * limit), `rejected` on another TransferDataError, `lost` when no verdict
   * comes within `verdictTimeoutMs`. The PPMID uses it so that it reports
   * `forwarded` only for what the CH accepted (SECMP0038 CH-7, PP-3).
   * Default false: the APS delivery is the result.
   */
  awaitTransferVerdict?: boolean;
  /** Default 30 s (HAN time; the CH answers as soon as the last block arrives). */
  verdictTimeoutMs?: number;
}

interface PendingVerdict {
  tunnelId: number;
  done: (r: HanSendResult) => void;
  /** the APS transfer completed */
  delivered: boolean;
  /** the CH's verdict, if it came before the APS completion was reported */
  verdict?: HanSendResult;
  timer?: TimerHandle;
}

export class TunnelDeviceNode extends DeviceSideNode {
  private tunnel: DeviceTunnel | undefined;
  private nextTunnelId = 1;
  private readonly gbt = new GbtReassembler({ maxStreams: 8, maxMessageBytes: 16_384 });
  private readonly awaitVerdict: boolean;
  private readonly verdictTimeoutMs: number;
  /** TransferData waiting for the CH's verdict, by ZCL transaction sequence number */
  private readonly verdicts: Map<number, PendingVerdict> = new LazyMap();

  constructor(opts: TunnelDeviceNodeOptions) {
    super(opts);
    this.awaitVerdict = opts.awaitTransferVerdict ?? false;
    this.verdictTimeoutMs = opts.verdictTimeoutMs ?? 30_000;
    if (opts.device) this.attachDevice(opts.device);
  }

  protected override onDisconnected(): void {
    this.tunnel = undefined;
    for (const [tsn, p] of this.verdicts) this.settleVerdict(tsn, p, failure(this.clock.now(), 'link-down'));
  }

  get currentTunnel(): DeviceTunnel | undefined {
    return this.tunnel;
  }

  // ---- HanUplink ----------------------------------------------------------

  isReady(): boolean {
    return this.attached && this.tunnel !== undefined && this.medium.isLinkUp(this.eui);
  }

  send(bytes: Uint8Array, done?: (result: HanSendResult) => void): void {
    const t = this.tunnel;
    const fail = (reason: 'tunnel-closed' | 'too-large' | 'rejected') => {
      if (done) this.clock.setTimer(0, () => done(failure(this.clock.now(), reason)), 'device-node:refused');
    };
    if (!t || !this.attached) {
      fail('tunnel-closed');
      return;
    }
    let blocks: Uint8Array[];
    try {
      blocks = gbtBlocksFor(bytes, t.maxOutgoing);
    } catch (e) {
      this.log('gbt-error', this.chEui, e instanceof GbcsError ? e.message : String(e));
      fail('too-large');
      return;
    }
    sequence(
      blocks.map((b) => (next: (r: HanSendResult) => void) => this.transfer(b, next)),
      (r) => done?.(r),
    );
  }

  /**
   * Sends `data` as ONE TransferData on the open tunnel, whatever its size
   * or content (up to what the medium carries): a test or compromised device.
   */
  sendRaw(data: Uint8Array, done?: (result: HanSendResult) => void): void {
    if (!this.tunnel || !this.attached) {
      if (done)
        this.clock.setTimer(0, () => done(failure(this.clock.now(), 'tunnel-closed')), 'device-node:refused');
      return;
    }
    this.transfer(data, (r) => done?.(r));
  }

  private transfer(data: Uint8Array, done: (r: HanSendResult) => void): void {
    const t = this.tunnel;
    if (!t) {
      this.clock.setTimer(0, () => done(failure(this.clock.now(), 'tunnel-closed')), 'device-node:refused');
      return;
    }
    const command = { dir: 's2c', cmd: 'TransferData', tunnelId: t.tunnelId, data } as const;
    if (!this.awaitVerdict) {
      this.sendCommand(this.chEui, command, done);
      return;
    }
    // The verdict may arrive before the APS completion is reported: keep whichever comes first.
    let tsn = -1;
    const pending: PendingVerdict = { tunnelId: t.tunnelId, done, delivered: false };
    tsn = this.sendCommand(
      this.chEui,
      command,
      (r) => {
        if (this.verdicts.get(tsn) !== pending) return;
        if (!r.ok) {
          this.settleVerdict(tsn, pending, r);
          return;
        }
        pending.delivered = true;
        if (pending.verdict) {
          this.settleVerdict(tsn, pending, pending.verdict);
          return;
        }
        pending.timer = this.clock.setTimer(
          this.verdictTimeoutMs,
          () => this.settleVerdict(tsn, pending, failure(this.clock.now(), 'lost')),
          'device-node:verdict-timeout',
        );
      },
      { defaultResponse: true },
    );
    const stale = this.verdicts.get(tsn); // the 8-bit sequence number wrapped onto a transfer never answered
    if (stale) this.settleVerdict(tsn, stale, failure(this.clock.now(), 'lost'));
    this.verdicts.set(tsn, pending);
  }

  private settleVerdict(tsn: number, p: PendingVerdict, r: HanSendResult): void {
    if (this.verdicts.get(tsn) !== p) return;
    this.verdicts.delete(tsn);
    p.timer?.cancel();
    p.done(r);
  }

  /** The CH's verdict on one of our TransferData: success (Default Response) or an error. */
  private verdict(tsn: number, r: HanSendResult, what: string): void {
    const p = this.verdicts.get(tsn);
    if (!p) {
      this.log('frame-ignored', this.chEui, `${what} for no pending transfer (tsn ${tsn})`);
      return;
    }
    if (!r.ok) this.log('transfer-failed', this.chEui, what);
    if (p.delivered) this.settleVerdict(tsn, p, r);
    else p.verdict = r;
  }

  protected override onDefaultResponse(from: Eui, r: ZclDefaultResponse): void {
    if (from !== this.chEui || r.commandId !== tunnelCommandId({ dir: 's2c', cmd: 'TransferData' })) {
      super.onDefaultResponse(from, r);
      return;
    }
    this.verdict(
      r.transactionSequenceNumber,
      r.status === ZCL_STATUS_SUCCESS
        ? { ok: true, at: this.clock.now() }
        : failure(this.clock.now(), 'rejected'),
      `Default Response status ${r.status}`,
    );
  }

  // ---- receive --------------------------------------------------------------

  protected onTunnelFrame(from: Eui, frame: TunnelFrame, _ind: HanDataIndication): void {
    const c = frame.command;
    if (from !== this.chEui) {
      this.log('frame-ignored', from, `${c.cmd} from a device that is not the CH`);
      return;
    }
    if (c.dir === 'c2s' && c.cmd === 'RequestTunnel') {
      const status =
        c.protocolId !== GBCS_TUNNEL.protocolId || c.manufacturerCode !== GBCS_TUNNEL.manufacturerCode
          ? TunnelStatus.ProtocolNotSupported
          : c.flowControlSupport
            ? TunnelStatus.FlowControlNotSupported
            : TunnelStatus.Success;
      // One tunnel per device: a new request (e.g. after a CH restart) replaces the old one.
      const tunnelId = status === TunnelStatus.Success ? this.nextTunnelId++ : 0xffff;
      if (this.nextTunnelId > 0xfffe) this.nextTunnelId = 1;
      if (status === TunnelStatus.Success) {
        this.tunnel = { tunnelId, maxOutgoing: c.maxIncomingTransferSize, openedAt: this.clock.now() };
        this.log('tunnel-opened', from, `tunnel ${tunnelId} (device server)`);
      } else this.log('tunnel-refused', from, `status ${status}`);
      this.sendCommand(from, {
        dir: 's2c',
        cmd: 'RequestTunnelResponse',
        tunnelId,
        status,
        maxIncomingTransferSize: this.maxIncoming,
      });
      return;
    }
    if (c.dir === 'c2s' && c.cmd === 'TransferData') {
      if (!this.tunnel || c.tunnelId !== this.tunnel.tunnelId) {
        this.sendCommand(from, { dir: 's2c', cmd: 'TransferDataError', tunnelId: c.tunnelId, status: 0 });
        this.log('frame-ignored', from, `TransferData on unknown tunnel ${c.tunnelId}`);
        return;
      }
      this.receiveData(c.data);
      return;
    }
    if (c.dir === 'c2s' && c.cmd === 'TransferDataError') {
      const r = failure(this.clock.now(), c.status === TransferDataStatus.DataOverflow ? 'busy' : 'rejected');
      this.verdict(frame.header.transactionSequenceNumber, r, `TransferDataError status ${c.status}`);
      return;
    }
    if (c.dir === 'c2s' && c.cmd === 'CloseTunnel') {
      if (this.tunnel?.tunnelId === c.tunnelId) {
        this.tunnel = undefined;
        this.log('tunnel-closed', from, 'CloseTunnel');
      }
      return;
    }
    this.log('frame-ignored', from, `${c.dir} ${c.cmd}`);
  }

  private receiveData(data: Uint8Array): void {
    let message: Uint8Array | null = data;
    if (isGbtFragment(data)) {
      try {
        message = this.gbt.add(data);
      } catch (e) {
        this.log('gbt-error', this.chEui, e instanceof GbcsError ? `${e.code}: ${e.message}` : String(e));
        return;
      }
      if (!message) return;
    }
    this.deliver(message);
  }
}
