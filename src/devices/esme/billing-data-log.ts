/**
 * The billing data snapshot the ESME takes at each billing date of its
 * billing calendar (GBCS V3.1 use-case tables, ECS20c / ECS68): an entry is
 * appended to each billing-calendar-triggered billing data log, kept as DLMS
 * Data in `state.protectedData` (initially the RTDS ESME's entries,
 * rtds-protected.ts), the 12 most recent kept (logEntries[1..12]):
 *
 * - 7/0-0:98.1.0.255/2 (BillingCalendarTriggeredExcExport, what ECS20c reads
 *   and ECS68 carries): timestamp (UTC seconds since 2000-01-01), active
 *   import register, [twin: secondary active import register], the 48 TOU
 *   registers, [twin: the 4 secondary TOU registers], then the 8 TOU
 *   registers of each block 1..4 (the RTDS ESME's layout of this log).
 *   The TOU values are the ones the meter holds (ECS17d's 0-0:94.44.34.1,
 *   zero when none is held: PROVISIONAL, this emulator does not accumulate
 *   TOU registers from its load); the block values are ECS17e's list as the
 *   meter counts it (block-counters.ts).
 * - 7/0-0:98.1.1.255/2 (the financial one, ECS20c): timestamp, then six
 *   double-long: emergency credit balance, meter balance, payment debt,
 *   time debt 1, time debt 2, accumulated debt (GBCS V3.1's ECS20c table:
 *   entry_prepaymentReadLogEntry, the entry ECS21b's log has too).
 */
import {
  type DlmsData,
  type DlmsTypeDescription,
  decodeDlmsData,
  dlms,
  encodeDlmsData,
} from '../../gbcs/payload/dlms.ts';
import { protectedObjectKey } from '../../gbcs/use-cases/protected-objects.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import { getAttribute } from './attribute-store.ts';
import { touBlockList } from './block-counters.ts';
import { CREDIT_BALANCE_KEY } from './handlers/account.ts';
import { type DebtRegister, debtBalance } from './handlers/debt.ts';
import type { EsmeServices } from './services.ts';
import type { EsmeState } from './state.ts';

export const BILLING_REGISTER_LOG = protectedObjectKey('billingRegisterLog');
export const BILLING_FINANCIAL_LOG = protectedObjectKey('billingFinancialLog');
/** logEntries[1..12] (GBCS V3.1 use-case tables). */
export const BILLING_LOG_CAPACITY = 12;

const TOU_REGISTERS = '1/0-0:94.44.34.1/2';
const EPOCH_2000 = Date.UTC(2000, 0, 1);

function held(state: EsmeState, key: string): DlmsData | null {
  const hex = state.protectedData[key];
  return hex === undefined ? null : decodeDlmsData(fromHex(hex)).value;
}

function u32s(v: DlmsData | undefined, n: number, from = 0): DlmsData[] {
  const items = v && (v.type === 'array' || v.type === 'structure') ? v.items : [];
  return Array.from({ length: n }, (_, k) => {
    const x = items[from + k];
    return dlms.u32(x && 'value' in x && typeof x.value === 'number' ? x.value : 0);
  });
}

/** The register values a register read log entry records (GBCS entry_registerReadLogEntry, after its timestamp). */
export interface RegisterReadings {
  activeImportWh: number;
  /** twin ESME only */
  secondaryActiveImportWh?: number;
  /** the 48 TOU registers (ECS17d's list as held) */
  touRegisters: number[];
  /** twin ESME only: the 4 secondary TOU registers */
  secondaryTouRegisters?: number[];
  /** per block 1..4, its 8 TOU block register values (ECS17e's list, without the counters) */
  blockRegisters: number[];
}

/** The registers as they stand now, as a register read log entry records them. */
export function registerReadings(state: EsmeState): RegisterReadings {
  const twin = state.variant === 'twin';
  const r = state.registers;
  const tou = held(state, TOU_REGISTERS);
  const touItems = tou?.type === 'structure' ? tou.items : [];
  const num = (d: DlmsData) => ('value' in d && typeof d.value === 'number' ? d.value : 0);
  const blockList = touBlockList(state);
  const blockRegisters: number[] = [];
  // ECS17e's list: per block 1..4, its 8 TOU register values then its 8 block counters
  for (let b = 0; b < 4; b++) for (let c = 0; c < 8; c++) blockRegisters.push(blockList[b * 16 + c] ?? 0);
  return {
    activeImportWh: r.activeImportWh,
    ...(twin ? { secondaryActiveImportWh: r.secondaryActiveImportWh ?? 0 } : {}),
    touRegisters: u32s(touItems[0], 48).map(num),
    ...(twin ? { secondaryTouRegisters: u32s(touItems[1], 4).map(num) } : {}),
    blockRegisters,
  };
}

/** A register read log entry (98.1.0.255 / 98.1.9.255 layout above) of `readings` taken at `atMs`. */
export function registerReadEntry(atMs: number, readings: RegisterReadings): DlmsData {
  const items: DlmsData[] = [
    dlms.u32(Math.floor((atMs - EPOCH_2000) / 1000)),
    dlms.u32(readings.activeImportWh),
  ];
  const twin = readings.secondaryActiveImportWh !== undefined;
  const fixed = (v: readonly number[] | undefined, n: number, from = 0) =>
    dlms.array(...Array.from({ length: n }, (_, k) => dlms.u32(v?.[from + k] ?? 0)));
  if (twin) items.push(dlms.u32(readings.secondaryActiveImportWh ?? 0));
  items.push(fixed(readings.touRegisters, 48));
  if (twin) items.push(fixed(readings.secondaryTouRegisters, 4));
  for (let b = 0; b < 4; b++) items.push(fixed(readings.blockRegisters, 8, b * 8));
  return dlms.struct(...items);
}

/** The register entry of a snapshot at `atMs` (98.1.0.255 layout above). */
export function registerEntry(state: EsmeState, atMs: number): DlmsData {
  return registerReadEntry(atMs, registerReadings(state));
}

const DEBTS: readonly DebtRegister[] = ['paymentDebt', 'timeDebt1', 'timeDebt2'];

/** The financial entry of a snapshot at `atMs` (98.1.1.255 layout above). */
export function financialEntry(esme: EsmeServices, atMs: number): DlmsData {
  const n = (key: string) => {
    const v = getAttribute(esme.state, key);
    return typeof v === 'number' ? v : 0;
  };
  return dlms.struct(
    dlms.u32(Math.floor((atMs - EPOCH_2000) / 1000)),
    dlms.i32(n(CREDIT_BALANCE_KEY.emergencyCredit)),
    dlms.i32(esme.state.meterBalance),
    ...DEBTS.map((r) => dlms.i32(debtBalance(esme, r))),
    dlms.i32(n(CREDIT_BALANCE_KEY.accumulatedDebt)),
  );
}

function describe(v: DlmsData): DlmsTypeDescription {
  if (v.type === 'structure') return { type: 'structure', items: v.items.map(describe) };
  if (v.type === 'array') return { type: 'array', count: v.items.length, element: describe(v.items[0]!) };
  if (v.type === 'compact-array') throw new RangeError('no compact-array inside a log entry');
  return { type: v.type };
}

/** A buffer of the one entry `entry` (what ECS68 carries). */
export function newestEntryBuffer(entry: DlmsData): DlmsData {
  return { type: 'compact-array', description: describe(entry), elements: [entry] };
}

/** Appends `entry` to the log held under `key` (a compact-array; created when none is held), the last 12 kept. */
export function appendLogEntry(state: EsmeState, key: string, entry: DlmsData): void {
  const log = held(state, key);
  const elements = log?.type === 'compact-array' ? [...log.elements, entry] : [entry];
  const description = log?.type === 'compact-array' ? log.description : describe(entry);
  state.protectedData[key] = toHex(
    encodeDlmsData({ type: 'compact-array', description, elements: elements.slice(-BILLING_LOG_CAPACITY) }),
  );
}

/**
 * The billing data snapshot at `atMs`: both billing-calendar-triggered logs
 * gain an entry. Returns the register entry (what ECS68 carries).
 */
export function takeBillingSnapshot(esme: EsmeServices, atMs: number): DlmsData {
  const entry = registerEntry(esme.state, atMs);
  appendLogEntry(esme.state, BILLING_REGISTER_LOG, entry);
  appendLogEntry(esme.state, BILLING_FINANCIAL_LOG, financialEntry(esme, atMs));
  return entry;
}
