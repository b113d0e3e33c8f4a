/**
 * The test automation API's stand-in for the CSP end of a home's SM WAN: a
 * ChWanPort that records every message the CH sends up (the "WAN uplink" a
 * test reads), lets the backchannel take the WAN down and up, and delivers
 * downlink messages to the CH as the CSP would. No latency or loss: the SM
 * WAN availability model is dcc/wan's; this tap is the ATPS's observation
 * point, not a WAN model.
 */

import type { ChWanPort } from '../devices/contracts.ts';
import { peekRouting } from '../gbcs/peek.ts';
import { type Eui, toHex } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';

export interface UplinkRecord {
  seq: number;
  at: number;
  hex: string;
  size: number;
  cra: string | null;
  originator: Eui | null;
  recipient: Eui | null;
  messageCode: number | null;
  counter: string | null;
}

export class CspTap implements ChWanPort {
  private up = true;
  private readonly listeners: Array<(up: boolean) => void> = [];
  readonly uplink: UplinkRecord[] = [];
  private readonly bytes: Uint8Array[] = [];
  private seq = 0;
  refusedWhileDown = 0;

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 50_000,
  ) {}

  send(bytes: Uint8Array): boolean {
    if (!this.up) {
      this.refusedWhileDown++;
      return false;
    }
    const rec: UplinkRecord = {
      seq: ++this.seq,
      at: this.clock.now(),
      hex: toHex(bytes),
      size: bytes.length,
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
    if (this.uplink.length >= this.capacity) {
      this.uplink.shift();
      this.bytes.shift();
    }
    this.uplink.push(rec);
    this.bytes.push(bytes.slice());
    return true;
  }

  isUp(): boolean {
    return this.up;
  }

  onStateChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const l of this.listeners) l(up);
  }

  /** Whether exactly these bytes reached the CSP. */
  received(hex: string): boolean {
    return this.uplink.some((r) => r.hex === hex);
  }
}
