/**
 * What the CHF holds besides its Device Log (device-log.ts) and its routing
 * buffers: the state its own use cases read and write (commands.ts). Plain
 * JSON data, so a snapshot is a structured clone.
 *
 * Times inside logs are UTC seconds since 2000-01-01 (the COSEM profile
 * capture time the catalogue's `utcSeconds` reads); other times epoch ms.
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { CredentialState } from '../meter-common/security-credentials.ts';
import { initialChfCredentialState } from './credentials.ts';

/** Seconds between 1970-01-01 and 2000-01-01 (ZigBee / GBCS UTC time origin). */
const EPOCH_2000_S = 946_684_800;

export function utcSeconds2000(ms: number): number {
  return Math.floor(ms / 1000) - EPOCH_2000_S;
}

/** COSEM date-time text (cosem-text.ts) of a UTC instant, seconds precision, no day of week or deviation. */
export function cosemText(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** One row of the CHF Event / Security Log (class 7 profile: capture time, event code). */
export interface ChfLogRow {
  time: number;
  eventCode: number;
}

/** One row of the Sub GHz Channel Log (DBCH02). */
export interface SubGhzChannelLogRow extends ChfLogRow {
  channelLogEntry: string;
}

/** HAN communication statistics of one device, as CCS06 answers them (zigbeeNetworkControl.activeDevices). */
export interface HanDeviceStats {
  status: string;
  rssi: number;
  lqiIn: number;
  lqiOut: number;
  lastCommunicationsRoute: number;
  hops: number;
  joinedSince: number;
  lastCommunication: string;
  failures: number;
  retries: number;
  nwkTxQueue: number;
  apsTxQueue: number;
  channel: number;
}

/** A Device Log as CCS07 reads it (the CHF's and the GPF's). */
export interface DeviceLogRead {
  lastChanged: string;
  chfId: string;
  entries: Array<{ deviceId: string; linkKey: string }>;
}

export interface ChfFirmwareImage {
  /** version the image carries (4 bytes hex) */
  version: string;
  /** SHA-256 of the image, hex (what CS06 names and the CHF checked on receipt) */
  hash: string;
  size: number;
  /** epoch ms it was complete */
  receivedAt: number;
}

/** One firmware file sent to one device over the HAN OTA cluster. */
export interface FirmwareDistributionRecord {
  target: Eui;
  version: string;
  hash: string;
  size: number;
  /** bytes the device acknowledged at the APS level */
  sent: number;
  status: 'sending' | 'delivered' | 'failed';
  reason?: string;
  startedAt: number;
  endedAt?: number;
}

export interface ChfState {
  /** deviceId.value (0-0:96.1.4.255), hex */
  deviceId: string;
  /** manufacturerModel.value (0-0:96.1.6.255), hex */
  manufacturerModel: string;
  firmware: {
    /** running version, 4 bytes hex (ECS52) */
    version: string;
    /** an image held for the CHF itself, awaiting CS06 */
    pendingImage: ChfFirmwareImage | null;
    /** images the CHF distributed to HAN devices (firmware-distribution.ts), newest last */
    distributions: FirmwareDistributionRecord[];
  };
  /** Device Log identity the reads carry (`chfId`): the CHF's EUI, or the CH a restored log came from (CCS03) */
  deviceLogId: Eui;
  /** epoch ms of the last change of the CHF Device Log (CCS01/02/03) */
  deviceLogChangedAt: number;
  /** the GPF Device Log as the CHF reports it (CCS07); null: derived from the CHF Device Log */
  gpfDeviceLog: { lastChanged: number; entries: Array<{ deviceId: Eui; linkKey: string }> } | null;
  /** zigbeeNetworkControl joinTimeout (s) and enableDisableJoining (CCS01 sets them) */
  joinTimeout: number;
  joiningEnabled: boolean;
  /** per device, statistics values that override what the CHF measures (backchannel: radio figures it does not model) */
  hanStats: Record<Eui, Partial<HanDeviceStats>>;
  subGhz: {
    /** the channel in use, 32-bit mask text (DBCH01) */
    channel: string;
    /** the configuration DBCH04 set (DBCH03 reads it); null: never set */
    configuration: Record<string, unknown> | null;
    channelLog: SubGhzChannelLogRow[];
    /** scan requests received (DBCH05), the latest value */
    scanRequests: number;
    lastScanRequest: number | null;
  };
  securityLog: ChfLogRow[];
  eventLog: ChfLogRow[];
  /** Remote Party Seq Numbers and certificates CS02b set (credentials.ts) */
  credentials: CredentialState;
  /** `object.member` names with a hardware fault (use-case-registry.ts) */
  hardwareFaults: string[];
}

/** Rows a CHF log keeps (oldest dropped first). */
export const CHF_LOG_CAPACITY = 200;

export function initialChfState(eui: Eui, now: number): ChfState {
  return {
    // "CHFDEV01" / "PPMR": this project's manufacturer identity (no RTDS value is assumed)
    deviceId: '4348464445563031',
    manufacturerModel: '50504D52',
    firmware: { version: '00010000', pendingImage: null, distributions: [] },
    deviceLogId: eui,
    deviceLogChangedAt: now,
    gpfDeviceLog: null,
    joinTimeout: 0,
    joiningEnabled: false,
    hanStats: {},
    subGhz: {
      channel: '00000000000000000000000000000000',
      configuration: null,
      channelLog: [],
      scanRequests: 0,
      lastScanRequest: null,
    },
    securityLog: [],
    eventLog: [],
    credentials: initialChfCredentialState(),
    hardwareFaults: [],
  };
}

export function appendLog<R>(log: R[], row: R, capacity = CHF_LOG_CAPACITY): void {
  log.push(row);
  if (log.length > capacity) log.splice(0, log.length - capacity);
}
