/**
 * The contract between the DCC's parties: the DSP (dcc/dsp), the CSP's SM WAN
 * (dcc/wan) and the Communications Hub Manager (dcc/chm). Same rules as
 * devices/contracts.ts: state machines on an injected Clock, callbacks rather
 * than Promises inside a virtual-time run, real bytes on every hop.
 */

import type { DeviceType } from '../devices/contracts.ts';
import type { Eui } from '../runtime/bytes.ts';

/** One device the DCC knows (the Smart Metering Inventory). */
export interface InventoryDevice {
  eui: Eui;
  deviceType: DeviceType;
  /** The Communications Hub (CHF EUI) whose HAN the device is on. */
  chf: Eui;
  /** The CSP region serving the CH (DSP-4 logs go to each CSP). */
  csp: string;
}

/** DSP -> CSP: a Command for a device, to carry over the SM WAN to its CH (CV 1/3/5/7). */
export interface CspDownlink {
  /** Queues the command for the CH serving `target`; the WAN model decides when it arrives. */
  sendCommand(cmd: { requestId: string; target: Eui; chf: Eui; gbcs: Uint8Array }): void;
}

/** CSP -> DSP: a response or alert that reached the CSP from a CH over the SM WAN. */
/** What a DSP sink says of a device message: nothing (held), or a promise of whether it is held durably. */
// biome-ignore lint/suspicious/noConfusingVoidType: a sink that returns nothing holds the message
export type DeviceMessageHeld = void | Promise<boolean>;

export interface DspDeviceMessageSink {
  /**
   * A message from a device. May return a promise of whether it is now held
   * durably (false: the sender should keep its copy); void means held.
   */
  onDeviceMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): DeviceMessageHeld;
}

/** CSP -> CHM: traffic from a CH that the CHM handles (CH alerts; responses to CHM commands). */
export interface ChmMessageSink {
  onChMessage(msg: { chf: Eui; gbcs: Uint8Array; at: number }): void;
}
