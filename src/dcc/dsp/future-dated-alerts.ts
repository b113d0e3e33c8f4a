/**
 * Device alerts 8F66 / 8F67 (a future-dated command executed / not
 * executed) reach the user as the DUIS FutureDatedDeviceAlertMessage, a
 * ResponseMessage choice (ServiceReference, ServiceReferenceVariant of the
 * future-dated request; FutureDatedAlertCode, GBCSPayload, InstructionNumber,
 * TotalCommandInstructions), not as a plain DeviceAlertMessage (issue 17).
 * Pure: the alert's payload names the command it ran, by format:
 *
 * - DLMS (0x00CC): `instruction` = Message Code (2) | Originator Counter (8)
 *   | class (2) | OBIS (6) | attribute (1) of the instruction that ran;
 * - GBZ (0x00CD): the future-dated-response detail (Message Code, Originator
 *   Counter, cluster, command id);
 * - ASN.1 firmware activation (0x00CA): `originatorCounter`;
 * - ASN.1 credentials update (0x00CB / 0x0124): the execution outcome's
 *   `authorisingRemotePartySeqNumber` (the command's Originator Counter).
 *
 * InstructionNumber / TotalCommandInstructions, PROVISIONAL (the DUIS wording
 * is not recorded here; checked on the RTDS alerts, where one command raises
 * one alert per instruction: ECS01c three, ECS01b, ECS03, ECS46d, GCS01b two):
 * the instructions of a DLMS command are its row's accesses that set an
 * activation time (ECS01c: activatePassiveCalendarTime,
 * unitChargeActivationTime, activationTime), numbered in command order; those
 * of a GBZ command its row's components; an ASN.1 command is one
 * instruction. An instruction the row does not name is 1 of 1.
 */
import { child, type DuisNode, el } from '../../duis/index.ts';
import { zclCluster } from '../../gbcs/payload/zcl-se.ts';
import {
  type DlmsCommandRow,
  decodeNamedPayload,
  type GbzCommandRow,
  type UseCaseRow,
  useCaseByCode,
} from '../../gbcs/use-cases/index.ts';

export const FUTURE_DATED_ALERT_CODES: readonly number[] = [0x8f66, 0x8f67];

/** What an 8F66 / 8F67 alert says of the future-dated command it reports. */
export interface FutureDatedReference {
  alertCode: number;
  /** The command's Originator Counter. */
  commandCounter: bigint;
  /** The command's Message Code, where the alert carries it (DLMS, GBZ). */
  commandMessageCode?: number;
  instructionNumber: number;
  totalInstructions: number;
}

const big = (v: unknown): bigint | undefined => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return undefined;
};

const obisHex = (obis: string): string =>
  obis
    .split(/[-:.]/)
    .map((p) => Number(p).toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

function dlmsInstruction(row: UseCaseRow | undefined, ref: Uint8Array): [number, number] {
  if (row?.family !== 'dlms' || row.kind !== 'command') return [1, 1];
  const classId = (ref[10]! << 8) | ref[11]!;
  const obis = Buffer.from(ref.subarray(12, 18)).toString('hex').toUpperCase();
  const attribute = ref[18];
  const instructions = (row as DlmsCommandRow).accesses.filter(
    (a) => a.kind === 'set' && /activat/i.test(a.member),
  );
  const i = instructions.findIndex(
    (a) => a.classId === classId && obisHex(a.obis) === obis && a.id === attribute,
  );
  return i < 0 ? [1, 1] : [i + 1, instructions.length];
}

function gbzInstruction(row: UseCaseRow | undefined, cluster: unknown, commandId: unknown): [number, number] {
  if (row?.family !== 'gbz' || row.kind !== 'command') return [1, 1];
  const components = (row as GbzCommandRow).command;
  const i = components.findIndex((c) => {
    if (c.cluster !== cluster) return false;
    const def = zclCluster(c.cluster);
    return [...(def?.toClient ?? []), ...(def?.toServer ?? [])].some(
      (d) => d.name === c.command && d.id === commandId,
    );
  });
  return i < 0 ? [1, 1] : [i + 1, components.length];
}

/**
 * The command an 8F66 / 8F67 alert reports, or undefined when the alert is
 * not one (another code, a payload the catalogue cannot decode).
 */
export function futureDatedReference(
  alertMessageCode: number,
  content: Uint8Array,
): FutureDatedReference | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = decodeNamedPayload(alertMessageCode, 'alert', content).fields as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const alertCode = fields.alertCode;
  if (typeof alertCode !== 'number' || !FUTURE_DATED_ALERT_CODES.includes(alertCode)) return undefined;
  if (typeof fields.instruction === 'string' && /^[0-9A-Fa-f]{38}$/.test(fields.instruction)) {
    const ref = new Uint8Array(Buffer.from(fields.instruction, 'hex'));
    const commandMessageCode = (ref[0]! << 8) | ref[1]!;
    const commandCounter = Buffer.from(ref.subarray(2, 10)).readBigUInt64BE(0);
    const [instructionNumber, totalInstructions] = dlmsInstruction(useCaseByCode(commandMessageCode), ref);
    return { alertCode, commandCounter, commandMessageCode, instructionNumber, totalInstructions };
  }
  const detail = fields.detail as Record<string, unknown> | undefined;
  if (detail?.kind === 'future-dated-response') {
    const commandCounter = big(detail.originatorCounter);
    const commandMessageCode = detail.messageCode;
    if (commandCounter === undefined || typeof commandMessageCode !== 'number') return undefined;
    const [instructionNumber, totalInstructions] = gbzInstruction(
      useCaseByCode(commandMessageCode),
      detail.cluster,
      detail.commandId,
    );
    return { alertCode, commandCounter, commandMessageCode, instructionNumber, totalInstructions };
  }
  const outcome = fields.executionOutcome as Record<string, unknown> | undefined;
  const commandCounter = big(fields.originatorCounter) ?? big(outcome?.authorisingRemotePartySeqNumber);
  if (commandCounter === undefined) return undefined;
  return { alertCode, commandCounter, instructionNumber: 1, totalInstructions: 1 };
}

/** The DUIS SRV of a command's Message Code when the catalogue names exactly one. */
export function srvOfMessageCode(messageCode: number | undefined): string | undefined {
  const srvs = messageCode === undefined ? [] : (useCaseByCode(messageCode)?.srvs ?? []);
  return srvs.length === 1 ? srvs[0] : undefined;
}

/** The ResponseMessage choice FutureDatedDeviceAlertMessage. */
export function futureDatedAlertNode(ref: FutureDatedReference, gbcs: Uint8Array): DuisNode {
  return el('FutureDatedDeviceAlertMessage', [
    el('FutureDatedAlertCode', ref.alertCode.toString(16).toUpperCase()),
    el('GBCSPayload', Buffer.from(gbcs).toString('base64')),
    el('InstructionNumber', String(ref.instructionNumber)),
    el('TotalCommandInstructions', String(ref.totalInstructions)),
  ]);
}

/** Reads a FutureDatedDeviceAlertMessage node back (tests, the supplier). */
export function readFutureDatedAlertNode(n: DuisNode): {
  alertCode: string;
  gbcs: Uint8Array;
  instructionNumber: number;
  totalInstructions: number;
} {
  const t = (name: string) => child(n, name)?.text?.trim() ?? '';
  return {
    alertCode: t('FutureDatedAlertCode'),
    gbcs: new Uint8Array(Buffer.from(t('GBCSPayload'), 'base64')),
    instructionNumber: Number(t('InstructionNumber')),
    totalInstructions: Number(t('TotalCommandInstructions')),
  };
}
