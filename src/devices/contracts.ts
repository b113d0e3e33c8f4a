/**
 * The contract between the home's parts: the Communications Hub (CHF + GPF,
 * devices/chf), the HAN (devices/han), the meters and the PPMID (devices/esme,
 * devices/gsme, devices/ppmid, devices/hht), and the CSP's WAN (dcc/wan).
 *
 * Rules for every state machine here:
 * - Time only from the injected `Clock`; randomness only from `SeededRandom`.
 * - Callbacks, not Promises: under a VirtualClock a whole exchange must run
 *   synchronously inside `clock.advance()`, so nothing may wait on a microtask.
 * - Every hop carries real bytes (GBCS inside ZCL Tunneling frames inside
 *   secured APS frames on the HAN).
 */
import type { Eui } from '../runtime/bytes.ts';

/** GBCS DeviceType (ASN.1) values, plus HHT which the CHF marks itself (GBCS.md 5). */
export type DeviceType = 'GSME' | 'ESME' | 'CHF' | 'GPF' | 'HCALCS' | 'PPMID' | 'Type2' | 'HHT';

export const DEVICE_TYPE_CODE: Record<Exclude<DeviceType, 'HHT'>, number> = {
  GSME: 0,
  ESME: 1,
  CHF: 2,
  GPF: 3,
  HCALCS: 4,
  PPMID: 5,
  Type2: 6,
};

/** One entry of the CHF Device Log (HAN.md "Device Log"; SECMP0038 C1/C3). */
export interface DeviceLogEntry {
  /** Entity ID: the device's IEEE address, big-endian as printed. */
  eui: Eui;
  deviceType: DeviceType;
  /** Install code bytes (incl. CRC) from which the APS link key is derived (CH-9). */
  installCode: Uint8Array;
  /** SECMP0038 decision C3: only a PPMID whose entry carries this flag may relay commands. */
  relayEnabled: boolean;
}

/** Where a GBCS message entered the Communications Hub (GBCS 10.8.2 sources; SECMP0038 CH-1). */
export type ChSource = 'wan' | 'hht' | 'ppmid' | 'device';

/**
 * Time status of a device clock (GBCS; SECMP0038 3.1.1 and decision "time
 * without WAN"): the CH derives it from its time source, the meters from the
 * CH's (devices/chf/ch-time.ts, devices/meter-common/time.ts).
 */
export type TimeStatus = 'reliable' | 'unreliable';

/** What the CH did with a message (one event per decision, with a reason). */
export type ChDecision = 'delivered' | 'queued' | 'discarded';

/** Outcome of a device's security checks and execution of one command. */
export type DeviceDecision = 'accepted' | 'rejected';

/** One entry of a device's own event log, readable through the test automation API. */
export interface DeviceEvent {
  at: number;
  device: Eui;
  kind: 'command' | 'response-sent' | 'alert-sent' | 'state-change' | 'customer' | 'error';
  decision?: DeviceDecision;
  /** Typed reason when rejected (e.g. `MAC_INVALID`, `REPLAY`, `NOT_FOR_ME`, `NO_AUTHORITY`), or `OK`. */
  reason?: string;
  useCase?: string | null;
  messageCode?: number;
  originator?: Eui;
  originatorCounter?: bigint;
  /** Hex of the response or alert the device produced, when it produced one. */
  response?: string;
  detail?: Record<string, unknown>;
}

/**
 * The application side of a HAN device: the CHF hands it Remote Party
 * Messages that arrived over the tunnel (or the GSME mailbox); the device
 * answers by calling its `HanUplink`.
 */
export interface GbcsDevice {
  readonly eui: Eui;
  readonly deviceType: DeviceType;
  /** A GBCS message for this device arrived over the HAN. */
  onRemotePartyMessage(bytes: Uint8Array): void;
  /** Binds the device to its way out (the HAN node that carries bytes to the CHF). */
  attachUplink(uplink: HanUplink): void;
  /** The device's own event log (newest last). */
  readonly events: readonly DeviceEvent[];
  /** A firmware file (ZigBee OTA Upgrade Image, zigbee/ota.ts) the CH distributed; absent: the device takes none. */
  onFirmwareImage?(file: Uint8Array): void;
  /**
   * A ZSE Read Attributes frame from another device on `clusterId`: the Read
   * Attributes Response, or null when the device serves no such cluster.
   * Absent: the device serves no attributes. Throws `ZigbeeError` for a malformed frame.
   */
  answerAttributeRead?(clusterId: number, asdu: Uint8Array): Uint8Array | null;
  /**
   * A ZCL cluster command from device `from` on `clusterId` (APS-secured with
   * their application link key): the answer frame (a Default Response), or
   * null when the device serves no such cluster. Absent: none served. Throws
   * `ZigbeeError` for a malformed frame.
   */
  answerClusterCommand?(clusterId: number, asdu: Uint8Array, from: Eui): Uint8Array | null;
}

/** The answer of a device-to-device ZCL exchange: the peer's answer frame, or the failure. */
export type PeerAnswer =
  | { ok: true; at: number; asdu: Uint8Array }
  | { ok: false; at: number; reason: string };

/** A device-to-device ZCL exchange: `request` (transaction sequence number `tsn`) on `clusterId` to `peer`, its answer to `done`. */
export type PeerExchange = (
  peer: Eui,
  clusterId: number,
  request: Uint8Array,
  tsn: number,
  done: (r: PeerAnswer) => void,
) => void;

/** How a device sends GBCS bytes to the Communications Hub over the HAN. */
export interface HanUplink {
  /**
   * Sends one GBCS message to the CHF (a response, an alert, or from a PPMID
   * a command to relay / a PPMID->GSME message). `done` is called once the
   * HAN transfer completed (`ok`) or failed (`link-down`, `tunnel-closed`,
   * `duty-cycle`, `too-large`...), on the clock.
   */
  send(bytes: Uint8Array, done?: (result: HanSendResult) => void): void;
  /** Whether the HAN path to the CHF is usable right now (joined, tunnel open, link up). */
  isReady(): boolean;
  /** For sub-GHz homes: the current duty-cycle state (SECMP0038 PP-4). */
  dutyCycleState(): 'Normal' | 'Limited' | 'Critical' | 'Suspended';
  /**
   * Device-to-device ZSE Read Attributes (han/zse-reads.ts): `done` gets the
   * peer's Read Attributes Response frame or the failure. Only on an uplink
   * that is a real HAN node; needs an application link key with `peer`.
   */
  readAttributes?: PeerExchange;
  /**
   * Device-to-device ZCL cluster command (`request`, transaction sequence
   * number `tsn`) to `peer`: `done` gets the peer's answer frame (a Default
   * Response) or the failure. Same conditions as `readAttributes`.
   */
  clusterCommand?: PeerExchange;
  /** Whether this node holds an application link key with `peer` (from the CH as trust centre). */
  hasPeerLinkKey?(peer: Eui): boolean;
}

/**
 * The uplink of a sleepy device (GSME): besides PUT (`send`), it asks the CHF
 * mailbox for waiting messages (tunnel GET, HAN.md); each message the CHF
 * returns in a GET-RESPONSE is handed to `GbcsDevice.onRemotePartyMessage`.
 */
export interface SleepyHanUplink extends HanUplink {
  /** Wakes the HAN node: fetches every waiting message from the CHF mailbox, then sleeps again. */
  pollMailbox(done?: (fetched: number) => void): void;
}

export type HanSendResult =
  | { ok: true; at: number }
  | {
      ok: false;
      at: number;
      /**
       * `busy`: the CH refused the transfer for now (ZCL Tunneling
       * TransferDataError DataOverflow, e.g. its CH-7 rate limit): try again later.
       */
      reason: 'link-down' | 'tunnel-closed' | 'duty-cycle' | 'too-large' | 'rejected' | 'lost' | 'busy';
    };

/** The Communications Hub's side of its SM WAN connection (dcc/wan implements it). */
export interface ChWanPort {
  /**
   * Sends bytes up to the CSP. Returns false (and sends nothing) while the WAN
   * is down. `onDelivered`: called once the CSP has handed the message on and
   * its recipient holds it durably (the CH keeps its copy until then, so a
   * power cut between the two loses nothing; duplicates are the DSP's to
   * match once, DSP-6).
   */
  send(bytes: Uint8Array, onDelivered?: () => void): boolean;
  isUp(): boolean;
  /** Called when the WAN goes up or down (the CH flushes its uplink buffer on up; CH-4). */
  onStateChange(listener: (up: boolean) => void): void;
}
