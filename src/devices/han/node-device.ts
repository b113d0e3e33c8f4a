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
import { type TunnelFrame, TunnelStatus } from '../../zigbee/index.ts';
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
export type TunnelDeviceNodeOptions = DeviceSideNodeOptions;

export class TunnelDeviceNode extends DeviceSideNode {
  private tunnel: DeviceTunnel | undefined;
  private nextTunnelId = 1;
  private readonly gbt = new GbtReassembler({ maxStreams: 8, maxMessageBytes: 16_384 });

  constructor(opts: TunnelDeviceNodeOptions) {
    super(opts);
    if (opts.device) this.attachDevice(opts.device);
  }

  protected override onDisconnected(): void {
    this.tunnel = undefined;
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
    this.sendCommand(this.chEui, { dir: 's2c', cmd: 'TransferData', tunnelId: t.tunnelId, data }, done);
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
