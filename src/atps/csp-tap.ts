/**
 * The test automation API's observation point at the CSP: it receives what
 * the SM WAN model (dcc/wan) hands to the DSP and to the Communications Hub
 * Manager from a home's CH, and records it as the home's "WAN uplink" (in
 * arrival order, each message once, with the sink(s) it went to).
 */
import type { ChmMessageSink, DspDeviceMessageSink } from '../dcc/contracts.ts';
import { peekRouting } from '../gbcs/peek.ts';
import { type Eui, toHex } from '../runtime/bytes.ts';

export interface UplinkRecord {
  seq: number;
  /** when it reached the CSP */
  at: number;
  hex: string;
  size: number;
  /** which CSP sinks got it (routing of dcc/wan/routing.ts) */
  to: Array<'dsp' | 'chm'>;
  cra: string | null;
  originator: Eui | null;
  recipient: Eui | null;
  messageCode: number | null;
  counter: string | null;
}

export class CspTap implements DspDeviceMessageSink, ChmMessageSink {
  readonly uplink: UplinkRecord[] = [];
  private seq = 0;

  constructor(private readonly capacity = 50_000) {}

  onDeviceMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.record('dsp', msg.gbcs, msg.at);
  }

  onChMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void {
    this.record('chm', msg.gbcs, msg.at);
  }

  private record(to: 'dsp' | 'chm', bytes: Uint8Array, at: number): void {
    const hex = toHex(bytes);
    const last = this.uplink.at(-1);
    // a CH alert routed to both the DSP and the CHM is one message
    if (last && last.hex === hex && last.at === at && !last.to.includes(to)) {
      last.to.push(to);
      return;
    }
    const rec: UplinkRecord = {
      seq: ++this.seq,
      at,
      hex,
      size: bytes.length,
      to: [to],
      cra: null,
      originator: null,
      recipient: null,
      messageCode: null,
      counter: null,
    };
    try {
      const i = peekRouting(bytes);
      rec.cra = i.cra;
      rec.originator = i.originatorEui;
      rec.recipient = i.targetEui;
      rec.messageCode = i.messageCode;
      rec.counter = i.originatorCounter.toString();
    } catch {
      // recorded as received, header unreadable
    }
    if (this.uplink.length >= this.capacity) this.uplink.shift();
    this.uplink.push(rec);
  }

  /** Whether exactly these bytes reached the CSP. */
  received(hex: string): boolean {
    return this.uplink.some((r) => r.hex === hex);
  }
}
