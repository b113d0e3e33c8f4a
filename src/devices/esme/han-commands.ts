/**
 * The ESME's HAN Only use cases (GBCS V3.1, Message Type "ZSE specified"):
 * the joined PPMID's ZSE commands PECS01 (Prepayment Consumer Top Up),
 * PECS02 (Prepayment Select Available Emergency Credit), PECS03 (Metering
 * Local Change Supply), and the HC ALCS's HECS01 (DRLC Get Scheduled
 * Events). GBCS gives each row "solely to allocate a Message Code to be
 * recorded in the ESME Event Log when an authenticated ZSE ... command is
 * received by the ESME"; the command itself is ZSE's (frames:
 * han/zse-commands.ts over the SE command table). Which ZSE command each use
 * case is comes from its catalogue row (`zseCommand`), never spelt here.
 *
 * Authenticated: the frame came APS-secured with the application link key the
 * CH gave this ESME and the sender (the HAN node checks that), and the sender
 * is a device the ESME holds as a peer of the row's device type (a PPMID for
 * PECSxx, an HC ALCS for HECS01: joined, or provisioned with the ESME).
 * Anything else answers a ZCL Default Response NOT_AUTHORIZED and changes
 * nothing.
 *
 * - PECS01: the UTRN is checked and applied as CS01a's (handlers/account.ts
 *   `applyUtrn`; the top-up counter is rebuilt from the UTRN as for PCS01):
 *   Consumer Top Up Response (result, value, source, credit remaining); a
 *   refused UTRN also raises the GBCS alert CS01a raises (8F63 / 8F64 / 8F51
 *   / 8F5B).
 * - PECS02: emergency credit is activated by the rule ECS09 runs too
 *   (emergency-credit.ts); Default Response SUCCESS when it is active after
 *   the command (also if it already was), FAILURE otherwise.
 * - PECS03: only Proposed Supply Status 0x02 (Supply ON) can succeed, and only
 *   from armed (SMETS: the consumer enables an armed supply) or when already
 *   on: Default Response SUCCESS, else FAILURE.
 * - HECS01: the HC ALCS must be one of the five ALCS device ids (ECS46c); the
 *   ESME answers Default Response NOT_FOUND (it holds no DRLC events: it
 *   drives its HC ALCS with On/Off, esme/hcalcs-driver.ts, PROVISIONAL) and
 *   drives the switch to the state its ALCS control holds for it now.
 * Each accepted command is logged with the row's Message Code.
 */

import type { ZclCommandKey } from '../../gbcs/payload/zcl-se.ts';
import { useCaseById, useCaseRows } from '../../gbcs/use-cases/index.ts';
import type { Eui } from '../../runtime/bytes.ts';
import type { Metrics } from '../../runtime/metrics.ts';
import { encodeDefaultResponse, ZCL_STATUS_SUCCESS } from '../../zigbee/zcl.ts';
import type { DeviceEvent, DeviceType } from '../contracts.ts';
import {
  decodeZseCommand,
  encodeZseCommand,
  type ZseCommandFrame,
  zseClusterOf,
} from '../han/zse-commands.ts';
import { ALERT_FOR_TOP_UP_REFUSAL, utrnCounterFromUtrn } from '../meter-common/prepayment.ts';
import { activateEmergencyCredit, EMERGENCY_CREDIT_ACTIVATED } from './emergency-credit.ts';
import { applyUtrn } from './handlers/account.ts';
import type { EsmeServices } from './services.ts';

/** ZCL statuses the ESME answers with (ZCL 2.6.3). */
export const ZCL_STATUS = {
  success: ZCL_STATUS_SUCCESS,
  failure: 0x01,
  notAuthorized: 0x7e,
  notFound: 0x8b,
} as const;

/** Consumer Top Up Response result types (SE 1.4 Prepayment). */
export const TOP_UP_RESULT = { accepted: 0, invalid: 1, duplicate: 2, error: 3, maxCredit: 4 } as const;

/** Event codes the ESME logs with these use cases' Message Codes. */
export const HAN_EVENT = {
  topUp: 0x810e,
  emergencyCreditActivated: EMERGENCY_CREDIT_ACTIVATED,
  supplyEnabled: 0x8f35,
  hcalcsRequest: 0x8131,
} as const;

export interface EsmeHanHost extends EsmeServices {
  readonly metrics: Metrics;
  event(e: Omit<DeviceEvent, 'at' | 'device'>): void;
  /** sends the GBCS alert `code` (GCA/GNCA) to the WAN */
  alert(code: number): void;
}

interface Run {
  host: EsmeHanHost;
  frame: ZseCommandFrame;
  from: Eui;
  messageCode: number;
}

type Handler = (r: Run) => Uint8Array;

const defaultResponse = (r: Run, status: number) =>
  encodeDefaultResponse({
    direction: 's2c',
    transactionSequenceNumber: r.frame.header.transactionSequenceNumber,
    commandId: r.frame.header.commandId,
    status,
  });

function topUpFromPpmid(r: Run): Uint8Array {
  const { host, frame } = r;
  const utrn = String(frame.fields.topUpCode);
  const source = Number(frame.fields.originatingDevice);
  const answer = (resultType: number, topUpValue: number, creditRemaining: number) =>
    encodeZseCommand(
      'prepayment.consumerTopUpResponse',
      { resultType, topUpValue, sourceOfTopUp: source, creditRemaining },
      { tsn: frame.header.transactionSequenceNumber, disableDefaultResponse: true },
    );
  const supplier = host.security.trustAnchors.cell('supplier')?.eui;
  const lastS = supplier === undefined ? undefined : host.state.lastTopUpCounter[supplier];
  const counter = utrnCounterFromUtrn(utrn, lastS === undefined ? undefined : BigInt(lastS));
  const refuse = (result: number, refusal: keyof typeof ALERT_FOR_TOP_UP_REFUSAL) => {
    host.metrics.inc(`esme.han.PECS01.${refusal}`);
    host.event({
      kind: 'command',
      decision: 'rejected',
      reason: 'TOP_UP_REFUSED',
      useCase: 'PECS01',
      messageCode: r.messageCode,
      detail: { from: r.from, refusal },
    });
    host.alert(ALERT_FOR_TOP_UP_REFUSAL[refusal]);
    return answer(result, -1, -1);
  };
  if (supplier === undefined) return refuse(TOP_UP_RESULT.error, 'mac');
  if (counter === null) return refuse(TOP_UP_RESULT.invalid, 'format');
  const t = applyUtrn(host, utrn, supplier, counter, r.messageCode);
  if (!t.ok)
    return refuse(
      t.refusal === 'duplicate'
        ? TOP_UP_RESULT.duplicate
        : t.refusal === 'max-credit'
          ? TOP_UP_RESULT.maxCredit
          : TOP_UP_RESULT.invalid,
      t.refusal,
    );
  host.metrics.inc('esme.han.PECS01.applied');
  host.event({
    kind: 'command',
    decision: 'accepted',
    reason: 'OK',
    useCase: 'PECS01',
    messageCode: r.messageCode,
    detail: { from: r.from, credit: t.valueMillipence, balance: host.state.meterBalance },
  });
  return answer(TOP_UP_RESULT.accepted, t.valueMillipence, host.state.meterBalance);
}

function emergencyCreditFromPpmid(r: Run): Uint8Array {
  const { host } = r;
  const ec = activateEmergencyCredit(host, r.messageCode);
  host.metrics.inc(`esme.han.PECS02.${ec.ok ? 'active' : ec.refusal}`);
  host.event({
    kind: 'command',
    decision: 'accepted',
    reason: ec.ok ? 'OK' : 'EMERGENCY_CREDIT_UNAVAILABLE',
    useCase: 'PECS02',
    messageCode: r.messageCode,
    detail: { from: r.from, ...ec },
  });
  return defaultResponse(r, ec.ok ? ZCL_STATUS.success : ZCL_STATUS.failure);
}

/** ZSE Proposed Supply Status: Supply ON. */
const SUPPLY_ON = 0x02;

function enableSupplyFromPpmid(r: Run): Uint8Array {
  const { host, frame } = r;
  const s = host.state;
  const from = s.supply;
  const ok =
    Number(frame.fields.proposedSupplyStatus) === SUPPLY_ON && (from === 'armed' || from === 'enabled');
  if (ok && from === 'armed') {
    s.supply = 'enabled';
    host.logEvent(HAN_EVENT.supplyEnabled, r.messageCode);
  }
  host.metrics.inc(`esme.han.PECS03.${ok ? 'enabled' : 'refused'}`);
  host.event({
    kind: 'command',
    decision: 'accepted',
    reason: ok ? 'OK' : 'SUPPLY_NOT_ENABLED',
    useCase: 'PECS03',
    messageCode: r.messageCode,
    detail: {
      from: r.from,
      supply: { from, to: s.supply },
      proposedSupplyStatus: frame.fields.proposedSupplyStatus,
    },
  });
  return defaultResponse(r, ok ? ZCL_STATUS.success : ZCL_STATUS.failure);
}

function hcalcsRequestsControl(r: Run): Uint8Array {
  const { host } = r;
  const n = host.alcs?.hcalcsRequestsControl(r.from);
  if (n === undefined || n === null) {
    host.metrics.inc('esme.han.HECS01.not-configured');
    host.event({
      kind: 'command',
      decision: 'rejected',
      reason: 'HCALCS_NOT_CONFIGURED',
      useCase: 'HECS01',
      messageCode: r.messageCode,
      detail: { from: r.from },
    });
    return defaultResponse(r, ZCL_STATUS.notAuthorized);
  }
  host.logEvent(HAN_EVENT.hcalcsRequest, r.messageCode);
  host.metrics.inc('esme.han.HECS01.driven');
  host.event({
    kind: 'command',
    decision: 'accepted',
    reason: 'OK',
    useCase: 'HECS01',
    messageCode: r.messageCode,
    detail: { from: r.from, alcs: n, on: host.alcs!.output(n) },
  });
  return defaultResponse(r, ZCL_STATUS.notFound);
}

/** The handler of each HAN Only use case the ESME runs, and the device type that may send it. */
const HANDLERS: Readonly<Record<string, { from: DeviceType; run: Handler }>> = {
  PECS01: { from: 'PPMID', run: topUpFromPpmid },
  PECS02: { from: 'PPMID', run: emergencyCreditFromPpmid },
  PECS03: { from: 'PPMID', run: enableSupplyFromPpmid },
  HECS01: { from: 'HCALCS', run: hcalcsRequestsControl },
};

/** The HAN Only (ZSE specified) use cases the ESME runs. */
export const ESME_HAN_USE_CASES: readonly string[] = Object.keys(HANDLERS);

/** ZSE command key -> use case, from the catalogue rows. */
const USE_CASE_OF_COMMAND = new Map<string, string>(
  useCaseRows()
    .filter((row) => row.zseCommand && row.targets.includes('ESME') && HANDLERS[row.useCase])
    .map((row) => [row.zseCommand!, row.useCase]),
);

/** The clusters the ESME takes HAN Only commands on. */
export const HAN_COMMAND_CLUSTERS: ReadonlySet<number> = new Set(
  [...USE_CASE_OF_COMMAND.keys()].map((k) => zseClusterOf(k as ZclCommandKey)),
);

/**
 * A ZCL cluster command from HAN device `from` on `clusterId`: the answer
 * frame, or null when the ESME takes no commands on that cluster. Throws
 * ZigbeeError for a malformed or unknown command (the HAN node logs it).
 */
export function answerHanCommand(
  host: EsmeHanHost,
  clusterId: number,
  asdu: Uint8Array,
  from: Eui,
): Uint8Array | null {
  if (!HAN_COMMAND_CLUSTERS.has(clusterId)) return null;
  const frame = decodeZseCommand(clusterId, asdu);
  const useCase = USE_CASE_OF_COMMAND.get(frame.key);
  const run: Run = { host, frame, from, messageCode: 0 };
  if (!useCase) {
    host.metrics.inc('esme.han.unsupported');
    return defaultResponse(run, 0x81); // UNSUP_CLUSTER_COMMAND
  }
  const h = HANDLERS[useCase]!;
  run.messageCode = useCaseById(useCase)!.code;
  const peer = host.security.trustAnchors.peer(from);
  if (peer?.deviceType !== h.from) {
    host.metrics.inc(`esme.han.${useCase}.not-authorised`);
    host.event({
      kind: 'command',
      decision: 'rejected',
      reason: 'NO_AUTHORITY',
      useCase,
      messageCode: run.messageCode,
      detail: { from, deviceType: peer?.deviceType ?? null, expected: h.from },
    });
    return defaultResponse(run, ZCL_STATUS.notAuthorized);
  }
  return h.run(run);
}
