/**
 * GBCS Message Codes (GBCS Table 13.3.5.x "Message Code"): the first two bytes
 * of other-information in every Remote Party Message; they name the use case.
 *
 * A view of the use-case catalogue (src/gbcs/use-cases, docs/use-cases.md),
 * the one table of use cases (DLMS, GBZ and ASN.1 rows). `source: 'rtds'`
 * where the row's payload is confirmed on RTDS messages, else 'gbcs'.
 *
 * - useCase: GBCS use case id as the RTDS folder spells it (`<SRV>_<UseCase>`);
 *   RTDS folder variants of the same code are listed in `aliases`.
 * - srv: the DUIS Service Reference Variant that produces the command, null for
 *   device-originated alerts and for commands with no SR (the RTDS `NA` folders).
 * - target: the device type the command is addressed to (for an alert: the
 *   device that raises it). RTDS EUIs ...A0 ESME, A1 GSME, A2 CHF, A3 GPF,
 *   A4 PPMID, A5 HCALCS, A6 a second ESME-like device.
 * - critical: a Critical Command (the business originator signs it, GBCS 4.3);
 *   for an alert, the device signs it. Taken from the RTDS signatures.
 * - payload: the payload format (GBCS 7.2); `altPayload` where the same code is
 *   used by device types of both families (generic alerts).
 *
 * PROVISIONAL codes for SECMP0038 live in provisional.ts; they are merged
 * into MESSAGE_CODES (marked `provisional: true`) so lookups find them.
 */
import { useCaseRows } from '../use-cases/index.ts';
import type { DeviceTarget, PayloadFormat, UseCaseRowBase } from '../use-cases/row.ts';
import { PROVISIONAL_MESSAGE_CODES } from './provisional.ts';

export type { DeviceTarget, PayloadFormat };

export interface MessageCodeInfo {
  code: number;
  useCase: string;
  name: string;
  srv: string | null;
  /** Every SRV that produces the command, where there is more than one (`srv` is the first). */
  srvs?: readonly string[];
  target: DeviceTarget;
  critical: boolean;
  payload: PayloadFormat;
  /** 'command' for a Remote Party Command (its Response carries the same code), 'alert' for a device alert. */
  kind: 'command' | 'alert';
  /** Other device types the same code is sent to (or raised by). */
  targets?: readonly DeviceTarget[];
  /** Second payload format for codes used by both DLMS and GBZ devices. */
  altPayload?: PayloadFormat;
  /** Other spellings of the use case in RTDS folder names. */
  aliases?: readonly string[];
  /** 'rtds': seen in the RTDS reference messages; 'gbcs': added from the GBCS table; 'provisional': SECMP0038. */
  source: 'rtds' | 'gbcs' | 'provisional';
  /** true only for the PROVISIONAL SECMP0038 codes of provisional.ts. */
  provisional?: boolean;
  /** Set when the name could not be confirmed against GBCS text (inferred from the DUIS SR). */
  nameUnconfirmed?: true;
}

/** A catalogue row as a Message Code entry (the catalogue is the one table; this is a view of it). */
function fromCatalogue(r: UseCaseRowBase): MessageCodeInfo {
  const info: MessageCodeInfo = {
    code: r.code,
    useCase: r.useCase,
    name: r.name,
    srv: r.srvs[0] ?? null,
    target: r.targets[0] ?? 'ANY',
    critical: r.critical,
    payload: r.family,
    kind: r.kind,
    source: r.confirmed === 'rtds' ? 'rtds' : 'gbcs',
  };
  if (r.targets.length > 1) info.targets = r.targets;
  if (r.srvs.length > 1) info.srvs = r.srvs;
  if (r.altFamily) info.altPayload = r.altFamily;
  if (r.aliases) info.aliases = r.aliases;
  if (r.nameUnconfirmed) info.nameUnconfirmed = true;
  return Object.freeze(info);
}

/** The GBCS Message Codes (no provisional ones): the use-case catalogue's rows. */
export const GBCS_MESSAGE_CODES: readonly MessageCodeInfo[] = Object.freeze(useCaseRows().map(fromCatalogue));

/** GBCS Message Codes plus the PROVISIONAL SECMP0038 ones (`provisional: true`). */
export const MESSAGE_CODES: readonly MessageCodeInfo[] = Object.freeze([
  ...GBCS_MESSAGE_CODES,
  ...PROVISIONAL_MESSAGE_CODES.map((p): MessageCodeInfo => p),
]);

const BY_CODE = new Map<number, MessageCodeInfo>(MESSAGE_CODES.map((m) => [m.code, m]));
const BY_USE_CASE = new Map<string, MessageCodeInfo>();
for (const m of MESSAGE_CODES) {
  BY_USE_CASE.set(m.useCase.toUpperCase(), m);
  for (const a of m.aliases ?? []) BY_USE_CASE.set(a.toUpperCase(), m);
}

export function lookupMessageCode(code: number): MessageCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** By GBCS use case id (`ECS17b`) or an RTDS folder alias (`CS03A2NonCritical`); case-insensitive. */
export function messageCodeForUseCase(useCase: string): MessageCodeInfo | undefined {
  return BY_USE_CASE.get(useCase.toUpperCase());
}

/** `0x0027 ECS17b Read ESME Energy Registers (Import Energy)` */
export function describeMessageCode(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const m = BY_CODE.get(code);
  return m ? `${hex} ${m.useCase} ${m.name}` : `${hex} (unknown message code)`;
}
