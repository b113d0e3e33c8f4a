/**
 * The ESME drives the load switch of an HCALCS it controls (docs/devices.md
 * "HCALCS in a home"): a ZCL On/Off cluster On or Off (zigbee/zcl-onoff.ts)
 * to the HCALCS over the HAN, APS-secured with the ESME-HCALCS application
 * link key the CH hands both (home/peer-keys.ts), answered with a Default
 * Response. Sent when an ALCS command (ECS47 / ECS47a / ECS47e) changes the
 * state of the switch whose device id (alcsDeviceIdN) is the HCALCS.
 * PROVISIONAL: GBCS's own ESME-to-HCALCS message was not available here.
 *
 * Fire and forget for the GBCS command (its response does not wait for the
 * HAN); each outcome is counted (`esme.hcalcs.*`) and recorded as an event.
 */
import type { Eui } from '../../runtime/bytes.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import { decodeDefaultResponse, ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import { encodeOnOffCommand, ON_OFF_CLUSTER_ID } from '../../zigbee/zcl-onoff.ts';
import type { DeviceEvent, HanUplink } from '../contracts.ts';

export interface HcalcsDriverHost {
  uplink(): HanUplink | null;
  readonly metrics: Metrics;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
}

/**
 * What auxiliary controller N is, from its typeAndIdentifier (alcsDeviceIdN,
 * hex): empty none, `FF` an APC, eight zero octets an ALCS, any other eight
 * octets the HCALCS of that Entity Identifier (GBCS later use-case table,
 * c5d22f4e, ECS61e; gbcs/use-cases/cosem-objects.ts). Undefined for a value
 * that is none of these.
 */
export function auxControllerType(v: unknown): 'none' | 'apc' | 'alcs' | 'hcalcs' | undefined {
  if (typeof v !== 'string') return undefined;
  // the codec's hex is upper case (runtime/bytes.ts toHex)
  if (v === '') return 'none';
  if (v === 'FF') return 'apc';
  if (!/^[0-9A-F]{16}$/.test(v)) return undefined;
  return /^0+$/.test(v) ? 'alcs' : 'hcalcs';
}

/** An id that names an HCALCS (its EUI-64): not empty, not an APC's FF, not an ALCS's eight zero octets. */
export const isHcalcsId = (v: unknown): v is Eui => auxControllerType(v) === 'hcalcs';

export class HcalcsDriver {
  private tsn = 0;

  constructor(private readonly host: HcalcsDriverHost) {}

  /**
   * Sends On / Off to `hcalcs`; false when there is no HAN path with a link key to it (counted).
   * `done` gets the outcome once the HCALCS answered (true: Default Response SUCCESS) or did not.
   */
  drive(hcalcs: Eui, on: boolean, done: (ok: boolean) => void = () => {}): boolean {
    const u = this.host.uplink();
    const m = this.host.metrics;
    if (!u?.clusterCommand || !u.hasPeerLinkKey?.(hcalcs)) {
      m.inc('esme.hcalcs.no-link-key');
      this.host.event({ kind: 'error', reason: 'HCALCS_NOT_REACHABLE', detail: { hcalcs, on } });
      return false;
    }
    this.tsn = (this.tsn + 1) & 0xff;
    const tsn = this.tsn;
    m.inc('esme.hcalcs.sent');
    u.clusterCommand(
      hcalcs,
      ON_OFF_CLUSTER_ID,
      encodeOnOffCommand({ transactionSequenceNumber: tsn, on }),
      tsn,
      (r) => {
        if (!r.ok) {
          m.inc('esme.hcalcs.failed');
          this.host.event({
            kind: 'error',
            reason: 'HCALCS_NO_ANSWER',
            detail: { hcalcs, on, why: r.reason },
          });
          done(false);
          return;
        }
        let status: number;
        try {
          status = decodeDefaultResponse(r.asdu).status;
        } catch (err) {
          m.inc('esme.hcalcs.malformed');
          this.host.event({
            kind: 'error',
            reason: 'HCALCS_MALFORMED_ANSWER',
            detail: { hcalcs, error: String(err) },
          });
          done(false);
          return;
        }
        const ok = status === ZCL_STATUS_SUCCESS;
        m.inc(ok ? 'esme.hcalcs.switched' : 'esme.hcalcs.refused');
        this.host.event({
          kind: 'state-change',
          reason: ok ? 'HCALCS_SWITCHED' : 'HCALCS_REFUSED',
          detail: { hcalcs, on, status },
        });
        done(ok);
      },
    );
    return true;
  }
}
