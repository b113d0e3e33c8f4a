/**
 * The householder's buttons on the PPMID for an ESME (GBCS V3.1 HAN Only,
 * Message Type "ZSE specified"): a typed UTRN is PECS01, the ZSE Prepayment
 * Consumer Top Up; "emergency credit" PECS02, Select Available Emergency
 * Credit; "enable supply" PECS03, Metering Local Change Supply with Proposed
 * Supply Status 0x02 (Supply ON). Sent device to device on the HAN
 * (`HanUplink.clusterCommand`, APS-secured with the PPMID-ESME application
 * link key the CH gave both), not through the CH as GBCS messages: GBCS
 * defines no payload for these rows. The ESME's answer (Consumer Top Up
 * Response, or a Default Response) updates the display.
 */
import type { ZclCommandKey } from '../../gbcs/payload/zcl-se.ts';
import { useCaseById } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import { decodeDefaultResponse, isDefaultResponseFrame, ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import type { DeviceEvent, HanUplink, PeerAnswer } from '../contracts.ts';
import { decodeZseCommand, encodeZseCommand, zseClusterOf } from '../han/zse-commands.ts';

/** ZSE Originating Device: an IHD (the PPMID). */
const ORIGINATING_DEVICE_IHD = 2;
/** ZSE Proposed Supply Status: Supply ON. */
const SUPPLY_ON = 0x02;

export type EsmeButton = 'top-up' | 'emergency-credit' | 'enable-supply';

const USE_CASE: Readonly<Record<EsmeButton, 'PECS01' | 'PECS02' | 'PECS03'>> = {
  'top-up': 'PECS01',
  'emergency-credit': 'PECS02',
  'enable-supply': 'PECS03',
};

/** What the ESME answered (or why there is no answer). */
export interface EsmeButtonOutcome {
  button: EsmeButton;
  useCase: string;
  esme: Eui;
  ok: boolean;
  /** `accepted`, a Consumer Top Up result (`invalid`, `duplicate`...), a ZCL status (`failure`...), or the HAN reason */
  result: string;
  /** PECS01: the value the ESME applied and the credit it holds now (milli-pence) */
  valueMillipence?: number;
  creditRemainingMillipence?: number;
  at: number;
}

export interface EsmeButtonsHost {
  readonly clock: Clock;
  readonly metrics: Metrics;
  uplink(): HanUplink | undefined;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
  /** the ESME answered: the display takes it */
  answered(o: EsmeButtonOutcome): void;
}

const TOP_UP_RESULTS = ['accepted', 'invalid', 'duplicate', 'error', 'max-credit'] as const;
const ZCL_STATUS_NAME: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'failure',
  126: 'not-authorized',
  129: 'unsupported',
  139: 'not-found',
};

export class EsmeButtons {
  private tsn = 0;

  constructor(private readonly host: EsmeButtonsHost) {}

  /**
   * Sends the ZSE command of `button` to `esme`; false when there is no HAN
   * path with an application link key to it (counted, the display says so).
   */
  press(button: EsmeButton, esme: Eui, utrn?: string): boolean {
    const h = this.host;
    const useCase = USE_CASE[button];
    const u = h.uplink();
    if (!u?.clusterCommand || !u.hasPeerLinkKey?.(esme)) {
      h.metrics.inc(`ppmid.esme.${button}.no-link-key`);
      h.answered({ button, useCase, esme, ok: false, result: 'no-han-path', at: h.clock.now() });
      return false;
    }
    this.tsn = (this.tsn + 1) & 0xff;
    const tsn = this.tsn;
    const key = useCaseById(useCase)!.zseCommand as ZclCommandKey;
    const frame =
      button === 'top-up'
        ? encodeZseCommand(
            'prepayment.consumerTopUp',
            { originatingDevice: ORIGINATING_DEVICE_IHD, topUpCode: utrn ?? '' },
            { tsn },
          )
        : button === 'emergency-credit'
          ? encodeZseCommand(
              'prepayment.selectAvailableEmergencyCredit',
              {
                commandIssueDateTime: Math.max(0, Math.floor((h.clock.now() - Date.UTC(2000, 0, 1)) / 1000)),
                originatingDevice: ORIGINATING_DEVICE_IHD,
              },
              { tsn },
            )
          : encodeZseCommand('metering.localChangeSupply', { proposedSupplyStatus: SUPPLY_ON }, { tsn });
    h.metrics.inc(`ppmid.esme.${button}.sent`);
    h.event({
      kind: 'customer',
      decision: 'accepted',
      reason: 'OK',
      useCase,
      messageCode: useCaseById(useCase)!.code,
      detail: { target: esme, zse: key, bytes: frame.length },
    });
    u.clusterCommand(esme, zseClusterOf(key), frame, tsn, (r) => this.answer(button, useCase, esme, r));
    return true;
  }

  private answer(button: EsmeButton, useCase: string, esme: Eui, r: PeerAnswer): void {
    const h = this.host;
    const base = { button, useCase, esme, at: r.at };
    if (!r.ok) {
      h.metrics.inc(`ppmid.esme.${button}.no-answer`);
      h.answered({ ...base, ok: false, result: r.reason });
      return;
    }
    try {
      if (isDefaultResponseFrame(r.asdu)) {
        const d = decodeDefaultResponse(r.asdu);
        const ok = d.status === ZCL_STATUS_SUCCESS;
        h.metrics.inc(`ppmid.esme.${button}.${ok ? 'ok' : 'refused'}`);
        h.answered({ ...base, ok, result: ZCL_STATUS_NAME[d.status] ?? `status-0x${d.status.toString(16)}` });
        return;
      }
      const f = decodeZseCommand(0x0705, r.asdu);
      if (f.key !== 'prepayment.consumerTopUpResponse') throw new Error(`unexpected answer ${f.key}`);
      const resultType = Number(f.fields.resultType);
      const ok = resultType === 0;
      h.metrics.inc(`ppmid.esme.${button}.${ok ? 'ok' : 'refused'}`);
      h.answered({
        ...base,
        ok,
        result: TOP_UP_RESULTS[resultType] ?? `result-${resultType}`,
        ...(ok
          ? {
              valueMillipence: Number(f.fields.topUpValue),
              creditRemainingMillipence: Number(f.fields.creditRemaining),
            }
          : {}),
      });
    } catch (e) {
      h.metrics.inc(`ppmid.esme.${button}.malformed`);
      h.event({
        kind: 'error',
        reason: 'MALFORMED_ANSWER',
        useCase,
        detail: { esme, error: e instanceof Error ? e.message : String(e) },
      });
      h.answered({ ...base, ok: false, result: 'malformed-answer' });
    }
  }
}
