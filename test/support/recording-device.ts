/**
 * A minimal GbcsDevice for CH tests (until the ESME/GSME emulators of
 * devices/esme and devices/gsme are used): it records every message the HAN
 * delivered to it and, when given a responder, sends what the responder
 * returns back through its uplink (e.g. the RTDS RESPONSE of the RTDS
 * COMMAND it got). It makes NO GBCS checks of its own: a test double for CH
 * routing tests, never a device emulator.
 */
import type {
  DeviceEvent,
  DeviceType,
  GbcsDevice,
  HanSendResult,
  HanUplink,
} from '../../src/devices/contracts.ts';
import { type Eui, toHex } from '../../src/runtime/bytes.ts';

export class RecordingDevice implements GbcsDevice {
  readonly received: Uint8Array[] = [];
  readonly events: DeviceEvent[] = [];
  readonly sendResults: HanSendResult[] = [];
  uplink: HanUplink | undefined;

  constructor(
    readonly eui: Eui,
    readonly deviceType: DeviceType,
    private readonly now: () => number,
    private readonly responder?: (bytes: Uint8Array) => Uint8Array | undefined,
  ) {}

  attachUplink(uplink: HanUplink): void {
    this.uplink = uplink;
  }

  onRemotePartyMessage(bytes: Uint8Array): void {
    this.received.push(bytes);
    const answer = this.responder?.(bytes);
    const ev: DeviceEvent = {
      at: this.now(),
      device: this.eui,
      kind: 'command',
      decision: 'accepted',
      reason: 'OK',
    };
    if (answer) ev.response = toHex(answer);
    this.events.push(ev);
    if (answer) this.send(answer);
  }

  send(bytes: Uint8Array): void {
    this.uplink?.send(bytes, (r) => this.sendResults.push(r));
  }
}
