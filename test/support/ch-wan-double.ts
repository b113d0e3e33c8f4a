/**
 * TEST DOUBLE of the SM WAN for the CH's own tests: an in-process ChWanPort
 * with no latency and no loss, a switch for up/down, and a record of every
 * message the CH sent up. The real SM WAN model (availability, latency,
 * loss) is dcc/wan; this one only exists so CH tests can see the uplink.
 */
import type { ChWanPort } from '../../src/devices/contracts.ts';

export class WanDouble implements ChWanPort {
  private up: boolean;
  private readonly listeners: Array<(up: boolean) => void> = [];
  /** every message received from the CH, in order */
  readonly received: Array<{ at: number; bytes: Uint8Array }> = [];
  refusedWhileDown = 0;

  constructor(
    private readonly now: () => number,
    up = true,
  ) {
    this.up = up;
  }

  send(bytes: Uint8Array): boolean {
    if (!this.up) {
      this.refusedWhileDown++;
      return false;
    }
    this.received.push({ at: this.now(), bytes: bytes.slice() });
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
}
