/**
 * ZigBee SE attribute reads between two devices on the HAN (the PPMID reads
 * the ESME's credit, SECMP0038 issue 15), beside the GBCS tunnel to the CH.
 * Device to device traffic is secured with an application link key the CH
 * hands both devices as trust centre (ZigBee SE key establishment; set with
 * `DeviceSideNode.setPeerLinkKey`): a device without that key can neither
 * send to nor accept from the peer (the medium's APS security decides).
 *
 * `ZseReads` is the node's part: it answers a Read Attributes from the
 * device application (`GbcsDevice.answerAttributeRead`), and it matches a
 * Read Attributes Response to the read this node sent (by transaction
 * sequence number), or reports `lost` when none comes in time.
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock, TimerHandle } from '../../runtime/clock.ts';
import { LazyMap } from '../../runtime/lazy-collections.ts';
import { ZigbeeError } from '../../zigbee/errors.ts';
import { decodeZclHeader, ZCL_DEFAULT_RESPONSE_COMMAND_ID } from '../../zigbee/zcl.ts';
import { ON_OFF_CLUSTER_ID } from '../../zigbee/zcl-onoff.ts';
import { ZCL_READ_ATTRIBUTES, ZCL_READ_ATTRIBUTES_RESPONSE } from '../../zigbee/zcl-read.ts';
import type { GbcsDevice, HanSendResult } from '../contracts.ts';
import type { HanDataIndication } from './medium.ts';

/** ZigBee SE Demand Response and Load Control cluster. */
export const DRLC_CLUSTER_ID = 0x0701;
/** ZSE clusters read between devices: Metering and Prepayment. */
export const ZSE_READ_CLUSTERS: ReadonlySet<number> = new Set([0x0702, 0x0705]);
/**
 * Every cluster device-to-device frames use: the read clusters, On/Off
 * (the ESME drives its HCALCS: a cluster command answered with a Default
 * Response, matched like a read by its transaction sequence number) and
 * Demand Response and Load Control (the HC ALCS asks its ESME for control,
 * HECS01). The PPMID's commands to the ESME (PECS01-03) go on Prepayment
 * and Metering; a cluster-specific answer (Consumer Top Up Response) is
 * matched like a Default Response.
 */
export const ZSE_PEER_CLUSTERS: ReadonlySet<number> = new Set([
  ...ZSE_READ_CLUSTERS,
  ON_OFF_CLUSTER_ID,
  DRLC_CLUSTER_ID,
]);

/** The answer to a read: the response frame, or why there is none. */
export type ZseReadResult =
  | { ok: true; at: number; asdu: Uint8Array }
  | { ok: false; at: number; reason: Exclude<HanSendResult, { ok: true }>['reason'] };

interface Pending {
  peer: Eui;
  clusterId: number;
  done: (r: ZseReadResult) => void;
  timer: TimerHandle;
}

export interface ZseReadsHost {
  readonly clock: Clock;
  /** sends a ZCL frame on `clusterId` to `to` */
  sendCluster(to: Eui, clusterId: number, asdu: Uint8Array, done?: (r: HanSendResult) => void): void;
  log(kind: 'frame-ignored' | 'frame-rejected', peer: Eui, detail: string): void;
  readonly application: GbcsDevice | undefined;
}

export class ZseReads {
  private readonly pending: Map<number, Pending> = new LazyMap();

  constructor(
    private readonly host: ZseReadsHost,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Sends `request` (a Read Attributes frame whose transaction sequence
   * number is `tsn`) to `peer` on `clusterId`; `done` gets the response.
   */
  read(
    peer: Eui,
    clusterId: number,
    request: Uint8Array,
    tsn: number,
    done: (r: ZseReadResult) => void,
  ): void {
    const clock = this.host.clock;
    const earlier = this.pending.get(tsn);
    if (earlier) this.finish(tsn, { ok: false, at: clock.now(), reason: 'lost' });
    const timer = clock.setTimer(
      this.timeoutMs,
      () => this.finish(tsn, { ok: false, at: clock.now(), reason: 'lost' }),
      'han:zse-read',
    );
    this.pending.set(tsn, { peer, clusterId, done, timer });
    this.host.sendCluster(peer, clusterId, request, (r) => {
      if (!r.ok) this.finish(tsn, r);
    });
  }

  private finish(tsn: number, r: ZseReadResult): void {
    const p = this.pending.get(tsn);
    if (!p) return;
    this.pending.delete(tsn);
    p.timer.cancel();
    p.done(r);
  }

  /** A frame on a ZSE read cluster from a peer (APS-secured); true when it was one of ours to handle. */
  onFrame(ind: HanDataIndication): boolean {
    if (!ZSE_PEER_CLUSTERS.has(ind.clusterId)) return false;
    if (!ind.secured) {
      this.host.log('frame-rejected', ind.from, 'zse read: not APS-secured');
      return true;
    }
    let h: ReturnType<typeof decodeZclHeader>['value'];
    try {
      h = decodeZclHeader(ind.asdu).value;
    } catch (e) {
      this.host.log('frame-rejected', ind.from, `zse read: ${e instanceof Error ? e.message : String(e)}`);
      return true;
    }
    if (
      h.direction === 's2c' &&
      (h.frameType === 'cluster' ||
        h.commandId === ZCL_READ_ATTRIBUTES_RESPONSE ||
        h.commandId === ZCL_DEFAULT_RESPONSE_COMMAND_ID)
    ) {
      const p = this.pending.get(h.transactionSequenceNumber);
      if (!p || p.peer !== ind.from || p.clusterId !== ind.clusterId) {
        this.host.log(
          'frame-ignored',
          ind.from,
          `zse read: unsolicited response (TSN ${h.transactionSequenceNumber})`,
        );
        return true;
      }
      this.finish(h.transactionSequenceNumber, {
        ok: true,
        at: this.host.clock.now(),
        asdu: ind.asdu.slice(),
      });
      return true;
    }
    const read = h.frameType === 'global' && h.commandId === ZCL_READ_ATTRIBUTES && h.direction === 'c2s';
    const command = h.frameType === 'cluster' && h.direction === 'c2s';
    if (read || command) {
      const app = this.host.application;
      let answer: Uint8Array | null = null;
      try {
        answer =
          (read
            ? app?.answerAttributeRead?.(ind.clusterId, ind.asdu)
            : app?.answerClusterCommand?.(ind.clusterId, ind.asdu, ind.from)) ?? null;
      } catch (e) {
        this.host.log(
          'frame-rejected',
          ind.from,
          `zse read: ${e instanceof ZigbeeError ? `${e.code}: ${e.message}` : String(e)}`,
        );
        return true;
      }
      if (!answer) {
        this.host.log(
          'frame-ignored',
          ind.from,
          `zse ${read ? 'read' : 'command'}: cluster 0x${ind.clusterId.toString(16)} not served`,
        );
        return true;
      }
      this.host.sendCluster(ind.from, ind.clusterId, answer);
      return true;
    }
    this.host.log('frame-ignored', ind.from, `zse: ZCL command 0x${h.commandId.toString(16)} not handled`);
    return true;
  }
}
