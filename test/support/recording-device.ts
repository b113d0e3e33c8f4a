/**
 * A minimal GbcsDevice for CH tests (until the ESME/GSME emulators of
 * devices/esme and devices/gsme are used): it records every message the HAN
 * delivered to it and, when given a responder, sends what the responder
 * returns back through its uplink. It makes no GBCS checks of its own.
 */
import type {
  DeviceEvent,
  DeviceType,
  GbcsDevice,
  HanSendResult,
  HanUplink,
} from '../../src/devices/contracts.ts';
import type { Eui } from '../../src/runtime/bytes.ts';

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
    this.events.push({ at: this.now(), device: this.eui, kind: 'command' });
    const answer = this.responder?.(bytes);
    if (answer) this.send(answer);
  }

  send(bytes: Uint8Array): void {
    this.uplink?.send(bytes, (r) => this.sendResults.push(r));
  }
}
