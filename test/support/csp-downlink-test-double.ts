/**
 * TEST DOUBLE of the CSP's SM WAN as the DSP sees it (CspDownlink): records
 * every Command the DSP hands over, delivers nothing by itself. A test plays
 * the device side by building a response and calling
 * `dsp.onDeviceMessage(...)`. The real SM WAN model is src/dcc/wan; the
 * end-to-end tests use that instead.
 */
import type { CspDownlink } from '../../src/dcc/contracts.ts';
import type { Eui } from '../../src/runtime/bytes.ts';

export interface DownlinkCommand {
  requestId: string;
  target: Eui;
  chf: Eui;
  gbcs: Uint8Array;
}

export class CspDownlinkTestDouble implements CspDownlink {
  readonly sent: DownlinkCommand[] = [];
  /** When set, sendCommand throws this (a WAN that refuses work). */
  failWith: Error | undefined;

  sendCommand(cmd: DownlinkCommand): void {
    if (this.failWith) throw this.failWith;
    this.sent.push({ ...cmd, gbcs: cmd.gbcs.slice() });
  }

  last(): DownlinkCommand | undefined {
    return this.sent[this.sent.length - 1];
  }
}
