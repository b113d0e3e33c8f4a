/**
 * Tunnel TransferData over the HAN: wraps GBCS bytes in a ZCL Tunneling
 * TransferData frame (cluster 0x0704) and sends it through the medium as
 * secured APS fragments; and a measuring helper that runs one transfer on
 * its own virtual clock and reports how long it took.
 */
import { bytesEqual, type Eui } from '../../runtime/bytes.ts';
import { VirtualClock } from '../../runtime/clock.ts';
import { SeededRandom } from '../../runtime/random.ts';
import {
  decodeTunnelFrame,
  encodeTunnelFrame,
  GBCS_MAX_INCOMING_TRANSFER_SIZE,
  linkKeyFromInstallCode,
  TUNNELING_CLUSTER_ID,
  withInstallCodeCrc,
  type ZclDirection,
} from '../../zigbee/index.ts';
import { HanError } from './errors.ts';
import { HanMedium, type HanMediumOptions, type HanSubmitResult, type HanTransferReport } from './medium.ts';

export interface TunnelTransferInput {
  from: Eui;
  to: Eui;
  /** 's2c' when the device is the tunnel server (ESME, PPMID: the CHF requested the tunnel), 'c2s' for the CHF or a GSME. */
  direction: ZclDirection;
  tunnelId: number;
  /** The tunnel data (GBCS bytes, or a GSME mailbox command). */
  data: Uint8Array;
  transactionSequenceNumber?: number;
  /** The peer's maxIncomingTransferSize, default 1500 (HAN.md). */
  maxTransferSize?: number;
  onComplete?: (report: HanTransferReport) => void;
}

/** Sends one TransferData; refuses (`too-large`) data over the tunnel's maximum transfer size. */
export function sendTunnelTransfer(medium: HanMedium, i: TunnelTransferInput): HanSubmitResult {
  const max = i.maxTransferSize ?? GBCS_MAX_INCOMING_TRANSFER_SIZE;
  if (i.data.length > max)
    return {
      ok: false,
      reason: 'too-large',
      error: new HanError(
        'too-large',
        `tunnel data of ${i.data.length} bytes exceeds the maximum transfer size ${max}`,
      ),
    };
  const frame = encodeTunnelFrame(
    { dir: i.direction, cmd: 'TransferData', tunnelId: i.tunnelId, data: i.data } as Parameters<
      typeof encodeTunnelFrame
    >[0],
    { transactionSequenceNumber: i.transactionSequenceNumber ?? 0 },
  );
  return medium.send(i.from, i.to, frame, { clusterId: TUNNELING_CLUSTER_ID, onComplete: i.onComplete });
}

export interface TunnelTransferMeasurement {
  report: HanTransferReport;
  /** The tunnel data as the receiver decoded it equalled what was sent. */
  intact: boolean;
  medium: HanMedium;
}

/**
 * Runs one tunnel transfer of `bytes` bytes from a PPMID to a CHF on a fresh
 * VirtualClock (link key from an install code, APS security on) and reports
 * the modelled delivery time. Deterministic for a seed.
 */
export function measureTunnelTransfer(
  opts: { bytes: number; seed?: string | number } & Partial<Omit<HanMediumOptions, 'clock' | 'random'>>,
): TunnelTransferMeasurement {
  const { bytes, seed, ...mediumOpts } = opts;
  const clock = new VirtualClock();
  const random = new SeededRandom(seed ?? 1);
  const medium = new HanMedium({ ...mediumOpts, clock, random });
  const ppmid = '00DB1234567890A4';
  const chf = '00DB1234567890A2';
  const key = linkKeyFromInstallCode(withInstallCodeCrc(random.fork('install-code').bytes(16)));
  const data = random.fork('data').bytes(bytes);
  let received: Uint8Array | undefined;
  medium.attach(ppmid, { linkKeyFor: (p) => (p === chf ? key : undefined) });
  medium.attach(chf, {
    linkKeyFor: (p) => (p === ppmid ? key : undefined),
    onData: (ind) => {
      const c = decodeTunnelFrame(ind.asdu).value.command;
      if (c.cmd === 'TransferData') received = c.data;
    },
  });
  let report: HanTransferReport | undefined;
  const r = sendTunnelTransfer(medium, {
    from: ppmid,
    to: chf,
    direction: 's2c',
    tunnelId: 1,
    data,
    onComplete: (rep) => {
      report = rep;
    },
  });
  if (!r.ok) throw r.error;
  clock.runUntilIdle({ until: () => report !== undefined, horizonMs: 24 * 3_600_000 });
  if (!report) throw new HanError('lost', 'transfer did not complete');
  return { report, intact: received !== undefined && bytesEqual(received, data), medium };
}
