/**
 * The GSME's HAN node (HAN.md): the GSME is battery powered and asleep most
 * of the time, so it requests the tunnel itself (the CH is the tunnel server)
 * and the CH keeps a mailbox for it. On each wake-up the GSME sends GET
 * (`01`); the CH answers GET-RESPONSE (`02`, messages still waiting, one
 * message) until `02 00`; the GSME sends its responses and alerts as PUT
 * (`03` + message). Implements `SleepyHanUplink` for the GSME application.
 */
import { GbcsError } from '../../gbcs/errors.ts';
import { GbtReassembler } from '../../gbcs/gbt.ts';
import type { Eui } from '../../runtime/bytes.ts';
import {
  decodeGsmeMailboxCommand,
  encodeGsmeMailboxCommand,
  GSME_MAILBOX_HEADER,
  type TunnelFrame,
  TunnelStatus,
  ZigbeeError,
} from '../../zigbee/index.ts';
import type { HanSendResult, SleepyHanUplink } from '../contracts.ts';
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

export interface GsmeNodeOptions extends DeviceSideNodeOptions {
  /** How long to wait for the CH's answer to a GET or RequestTunnel before giving up, default 10 s. */
  answerTimeoutMs?: number;
}

export class GsmeHanNode extends DeviceSideNode implements SleepyHanUplink {
  private tunnel: { tunnelId: number; maxOutgoing: number } | undefined;
  private tunnelWaiters: Array<(ok: boolean) => void> = [];
  private tunnelRequested = false;
  private poll: { fetched: number; done?: (n: number) => void; timer?: { cancel(): void } } | undefined;
  private readonly gbt = new GbtReassembler({ maxStreams: 8, maxMessageBytes: 16_384 });
  private readonly answerTimeoutMs: number;

  constructor(opts: GsmeNodeOptions) {
    super(opts);
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 10_000;
    if (opts.device) this.attachDevice(opts.device);
  }

  protected override onConnected(): void {
    this.ensureTunnel(() => {});
  }

  protected override onDisconnected(): void {
    this.tunnel = undefined;
    this.tunnelRequested = false;
    const w = this.tunnelWaiters;
    this.tunnelWaiters = [];
    for (const f of w) f(false);
    this.finishPoll();
  }

  get hasTunnel(): boolean {
    return this.tunnel !== undefined;
  }

  /** Forgets the tunnel (the CH restarted): the next wake-up requests a new one. */
  resetTunnel(): void {
    this.tunnel = undefined;
    this.tunnelRequested = false;
  }

  private ensureTunnel(cb: (ok: boolean) => void): void {
    if (this.tunnel) {
      cb(true);
      return;
    }
    this.tunnelWaiters.push(cb);
    if (this.tunnelRequested) return;
    this.tunnelRequested = true;
    this.log('tunnel-requested', this.chEui);
    const timer = this.clock.setTimer(
      this.answerTimeoutMs,
      () => {
        if (this.tunnel) return;
        this.tunnelRequested = false;
        this.log('tunnel-refused', this.chEui, 'no RequestTunnelResponse');
        const w = this.tunnelWaiters;
        this.tunnelWaiters = [];
        for (const f of w) f(false);
      },
      'gsme-node:tunnel-timeout',
    );
    this.sendCommand(
      this.chEui,
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
          timer.cancel();
          this.tunnelRequested = false;
          const w = this.tunnelWaiters;
          this.tunnelWaiters = [];
          for (const f of w) f(false);
        }
      },
    );
  }

  // ---- SleepyHanUplink ---------------------------------------------------

  isReady(): boolean {
    return this.attached && this.tunnel !== undefined && this.medium.isLinkUp(this.eui);
  }

  /** PUT: a response or alert to the CH (GBT blocks when it does not fit one transfer). */
  send(bytes: Uint8Array, done?: (result: HanSendResult) => void): void {
    if (!this.attached) {
      if (done)
        this.clock.setTimer(0, () => done(failure(this.clock.now(), 'link-down')), 'gsme-node:refused');
      return;
    }
    this.ensureTunnel((ok) => {
      if (!ok || !this.tunnel) {
        done?.(failure(this.clock.now(), 'tunnel-closed'));
        return;
      }
      let blocks: Uint8Array[];
      try {
        blocks = gbtBlocksFor(bytes, this.tunnel.maxOutgoing - GSME_MAILBOX_HEADER);
      } catch (e) {
        this.log('gbt-error', this.chEui, e instanceof GbcsError ? e.message : String(e));
        done?.(failure(this.clock.now(), 'too-large'));
        return;
      }
      sequence(
        blocks.map(
          (b) => (next: (r: HanSendResult) => void) =>
            this.transfer(encodeGsmeMailboxCommand({ cmd: 'Put', message: b }), next),
        ),
        (r) => done?.(r),
      );
    });
  }

  /** Wakes up, fetches every waiting message with GET until the CH answers `02 00`, then sleeps. */
  pollMailbox(done?: (fetched: number) => void): void {
    if (this.poll) {
      // already awake and polling: report when that poll finishes
      const prev = this.poll.done;
      this.poll.done = (n) => {
        prev?.(n);
        done?.(n);
      };
      return;
    }
    if (!this.attached) {
      if (done) this.clock.setTimer(0, () => done(0), 'gsme-node:asleep');
      return;
    }
    this.poll = { fetched: 0, done };
    this.ensureTunnel((ok) => {
      if (!ok) this.finishPoll();
      else this.sendGet();
    });
  }

  private sendGet(): void {
    const p = this.poll;
    if (!p) return;
    p.timer?.cancel();
    p.timer = this.clock.setTimer(
      this.answerTimeoutMs,
      () => {
        this.log('transfer-failed', this.chEui, 'no GET-RESPONSE');
        this.finishPoll();
      },
      'gsme-node:get-timeout',
    );
    this.transfer(encodeGsmeMailboxCommand({ cmd: 'Get' }), (r) => {
      if (!r.ok) this.finishPoll();
    });
  }

  private finishPoll(): void {
    const p = this.poll;
    if (!p) return;
    this.poll = undefined;
    p.timer?.cancel();
    p.done?.(p.fetched);
  }

  private transfer(data: Uint8Array, done: (r: HanSendResult) => void): void {
    const t = this.tunnel;
    if (!t) {
      this.clock.setTimer(0, () => done(failure(this.clock.now(), 'tunnel-closed')), 'gsme-node:no-tunnel');
      return;
    }
    this.sendCommand(this.chEui, { dir: 'c2s', cmd: 'TransferData', tunnelId: t.tunnelId, data }, done);
  }

  // ---- receive ---------------------------------------------------------------

  protected onTunnelFrame(from: Eui, frame: TunnelFrame, _ind: HanDataIndication): void {
    const c = frame.command;
    if (from !== this.chEui || c.dir !== 's2c') {
      this.log('frame-ignored', from, `${c.dir} ${c.cmd}`);
      return;
    }
    switch (c.cmd) {
      case 'RequestTunnelResponse': {
        if (!this.tunnelRequested) return;
        this.tunnelRequested = false;
        const ok = c.status === TunnelStatus.Success;
        if (ok) {
          this.tunnel = { tunnelId: c.tunnelId, maxOutgoing: c.maxIncomingTransferSize };
          this.log('tunnel-opened', from, `tunnel ${c.tunnelId} (GSME client)`);
        } else this.log('tunnel-refused', from, `status ${c.status}`);
        const w = this.tunnelWaiters;
        this.tunnelWaiters = [];
        for (const f of w) f(ok);
        return;
      }
      case 'TransferData': {
        if (!this.tunnel || c.tunnelId !== this.tunnel.tunnelId) {
          this.log('frame-ignored', from, `TransferData on unknown tunnel ${c.tunnelId}`);
          return;
        }
        let cmd: ReturnType<typeof decodeGsmeMailboxCommand>['value'];
        try {
          cmd = decodeGsmeMailboxCommand(c.data).value;
        } catch (e) {
          this.log('frame-ignored', from, e instanceof ZigbeeError ? e.message : String(e));
          return;
        }
        if (cmd.cmd !== 'GetResponse') {
          this.log('frame-ignored', from, `mailbox ${cmd.cmd} from the CH`);
          return;
        }
        const p = this.poll;
        if (cmd.message) {
          if (p) p.fetched++;
          this.receiveData(cmd.message);
        }
        if (!p) return;
        if (cmd.messagesWaiting > 0) this.sendGet();
        else this.finishPoll();
        return;
      }
      case 'TransferDataError':
        this.log('transfer-failed', from, `TransferDataError status ${c.status}`);
        if (c.status === 0) this.resetTunnel();
        return;
      case 'TunnelClosureNotification':
        this.resetTunnel();
        return;
      default:
        this.log('frame-ignored', from, c.cmd);
    }
  }

  private receiveData(data: Uint8Array): void {
    let message: Uint8Array | null = data;
    if (isGbtFragment(data)) {
      try {
        message = this.gbt.add(data);
      } catch (e) {
        this.log('gbt-error', this.chEui, e instanceof GbcsError ? e.message : String(e));
        return;
      }
      if (!message) return;
    }
    this.deliver(message);
  }
}
