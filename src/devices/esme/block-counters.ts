/**
 * The ESME's block tariff registers: the TOU-with-blocks register list
 * (1/0-0:94.44.34.2/2, what ECS17e reads and the billing data log
 * snapshots): per block 1..4, its 8 TOU block registers (energy in that block
 * of each TOU-with-blocks column, never reset) then its 8 block counters (the
 * same within the billing period: reset at each billing date and by ECS05,
 * Reset Tariff Block Counter Matrix, GBCS 0-0:10.0.100.255 execute).
 *
 * A column's consumption goes to the block its block counters have reached:
 * block b while the column's counted energy (the sum of its 4 block counters)
 * is below threshold b of the column's block thresholds (ECS01a writes them,
 * ECS24 reads them: three Wh thresholds, 0xFFFFFFFF none), block 4 beyond
 * the third; consumption that crosses a threshold is split at it, so each part
 * is charged at its block's price (prepay-accounting.ts).
 *
 * The meter starts from the list it holds (state.protectedData, all zero when
 * none) and keeps it in `state.blocks` once it counts.
 *
 * The list layout is GBCS V3.1's (ECS17e's table: one array of 64, "entries
 * [1..8] are Register Matrix values for block 1, [9..16] are Block Counters
 * for block 1", and so on). PROVISIONAL: thresholds as cumulative energy in
 * the billing period per column (SMETS2's reading), whole Wh counted as given
 * (the load model's are whole).
 */
import { decodeDlmsData } from '../../gbcs/payload/dlms.ts';
import { protectedObjectKey } from '../../gbcs/use-cases/protected-objects.ts';
import { fromHex } from '../../runtime/bytes.ts';
import type { EsmeState } from './state.ts';
import type { EsmeTariff } from './tariff.ts';

/** ECS17e (GBCS V3.1 use-case tables): the TOU-with-blocks register list (class/OBIS/attribute), 64 double-long-unsigned in one array. */
export const TOU_BLOCK_REGISTERS = protectedObjectKey('touBlockRegisters');
export const BLOCKS = 4;
export const COLUMNS = 8;
/** a threshold not set (double-long-unsigned all FF) */
const NO_THRESHOLD = 0xffffffff;

/** Block registers and counters, each indexed (block - 1) * 8 + (column - 1). */
export interface BlockRegisters {
  registers: number[];
  counters: number[];
}

const at = (block: number, column: number) => (block - 1) * COLUMNS + (column - 1);

/** How `wh` consumed in a column that has counted `used` splits over blocks 1..4 by `thresholds`. */
export function blockSplit(wh: number, used: number, thresholds: readonly number[]): number[] {
  const out = [0, 0, 0, 0];
  let rest = wh;
  let counted = used;
  for (let b = 1; b <= BLOCKS && rest > 0; b++) {
    const limit = b < BLOCKS ? (thresholds[b - 1] ?? NO_THRESHOLD) : Number.POSITIVE_INFINITY;
    const upTo = limit === NO_THRESHOLD ? Number.POSITIVE_INFINITY : limit;
    if (counted >= upTo) continue;
    const part = Math.min(rest, upTo - counted);
    out[b - 1] = part;
    rest -= part;
    counted += part;
  }
  return out;
}

/** The 64 values of the list the meter holds (its own counting, else the held list, else zero). */
export function touBlockList(state: EsmeState): number[] {
  const b = state.blocks ?? heldBlocks(state);
  const out: number[] = [];
  for (let block = 1; block <= BLOCKS; block++) {
    for (let c = 1; c <= COLUMNS; c++) out.push(b.registers[at(block, c)] ?? 0);
    for (let c = 1; c <= COLUMNS; c++) out.push(b.counters[at(block, c)] ?? 0);
  }
  return out;
}

function heldBlocks(state: EsmeState): BlockRegisters {
  const registers = new Array<number>(BLOCKS * COLUMNS).fill(0);
  const counters = new Array<number>(BLOCKS * COLUMNS).fill(0);
  const hex = state.protectedData[TOU_BLOCK_REGISTERS];
  const v = hex === undefined ? undefined : decodeDlmsData(fromHex(hex)).value;
  const list = v?.type === 'structure' ? v.items[0] : undefined;
  const items = list && (list.type === 'array' || list.type === 'structure') ? list.items : [];
  const n = (i: number) => {
    const x = items[i];
    return x && 'value' in x && typeof x.value === 'number' ? x.value : 0;
  };
  for (let block = 1; block <= BLOCKS; block++)
    for (let c = 1; c <= COLUMNS; c++) {
      registers[at(block, c)] = n((block - 1) * 16 + (c - 1));
      counters[at(block, c)] = n((block - 1) * 16 + COLUMNS + (c - 1));
    }
  return { registers, counters };
}

function own(state: EsmeState): BlockRegisters {
  state.blocks ??= heldBlocks(state);
  return state.blocks;
}

/** The block thresholds of a column (1..8) in force. */
export function columnThresholds(tariff: EsmeTariff, column: number): readonly number[] {
  const key = `blockThresholdsTou${column}` as keyof EsmeTariff;
  const t = tariff[key] as { thresholds?: readonly number[] } | undefined;
  return t?.thresholds ?? [];
}

/** `wh` consumed in TOU-with-blocks column `column`: counted into the blocks it reaches; returns the split. */
export function countBlocks(state: EsmeState, wh: number, column: number): number[] {
  const b = own(state);
  let used = 0;
  for (let block = 1; block <= BLOCKS; block++) used += b.counters[at(block, column)] ?? 0;
  const split = blockSplit(wh, used, columnThresholds(state.tariff, column));
  split.forEach((part, i) => {
    if (part === 0) return;
    b.registers[at(i + 1, column)] = (b.registers[at(i + 1, column)] ?? 0) + part;
    b.counters[at(i + 1, column)] = (b.counters[at(i + 1, column)] ?? 0) + part;
  });
  return split;
}

/** The block counters start again (a billing date, ECS05); the block registers stay. */
export function resetBlockCounters(state: EsmeState): void {
  own(state).counters.fill(0);
}
