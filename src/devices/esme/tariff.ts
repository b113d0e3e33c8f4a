/**
 * The ESME's tariff and prices as named values of the use-case catalogue's
 * COSEM objects (src/gbcs/use-cases/cosem-objects.ts; objects and OBIS in
 * its one notation `A-B:C.D.E.F`), as ECS01b sets them and ECS24 reads them:
 *
 * - Charge (class 113) `standingCharge` 0-0:19.20.4.255 and
 *   `primaryPriceCharge` 0-0:19.20.0.255 (the primary element's TOU and
 *   block prices). A Charge holds `unitChargeActive` (attr 5, what the meter
 *   charges with), `unitChargePassive` (attr 6, written by ECS01b) and
 *   `unitChargeActivationTime` (attr 7): at that time the passive unit charge
 *   becomes the active one (zero: now; all-FF: cancel). The ESME holds only
 *   the active unit charge: a passive one waits as a future-dated entry.
 * - The other objects ECS24 reads (activity calendar, special days, block
 *   thresholds, consumption threshold register, currency unit):
 *   they start at the values the RTDS ESME reports (RTDS 4.11.1_ECS24
 *   SUCCESS) and ECS01a (1.1.1, handlers/tariff-set.ts) sets them.
 *
 * The tariff's shape is the ECS24 row's response (ResponseFieldsOf<'ECS24'>):
 * one object per object the row reads, one value per attribute, so the read
 * is the row answered from this state and nothing is named twice.
 */
import type { ResponseFieldsOf } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import { deepFreeze } from '../../runtime/freeze.ts';

type Ecs24 = ResponseFieldsOf<'ECS24'>;
type Held<F> = F extends { value?: infer V } ? Exclude<V, undefined> : never;

/** The tariff the ESME holds: per catalogue object, per attribute ECS24 reads, its named value. */
export type EsmeTariff = { [O in keyof Ecs24]: { [A in keyof Ecs24[O]]: Held<Ecs24[O][A]> } };

/** A Charge unit charge by the catalogue's names (cosem-objects.ts `unitCharge`). */
export type UnitCharge = EsmeTariff['standingCharge']['unitChargeActive'];

/** The two Charges of the primary element ECS01b sets (catalogue object names). */
export const CHARGES = ['standingCharge', 'primaryPriceCharge'] as const;
export type ChargeObject = (typeof CHARGES)[number];

/** The shape check failed: the caller answers with an error and 8F1E. */
export class UnitChargeShapeError extends Error {}

/** A unit charge as written (ECS01b): a charge_table index twice is refused. */
export function checkedUnitCharge(u: UnitCharge): UnitCharge {
  const seen = new Set<string>();
  for (const e of u.chargeTable) {
    if (seen.has(e.index)) throw new UnitChargeShapeError(`charge_table index ${e.index || "''"} twice`);
    seen.add(e.index);
  }
  return structuredClone(u);
}

/** charge_table index of TOU rate n (1..48): the byte n; of block b (1..4) in column t (1..8): 0xA0 + 0x10 (b - 1) + t (RTDS ECS01b, ECS24). */
export function touIndex(n: number): string {
  return toHex(Uint8Array.of(n));
}
export function blockIndex(block: number, column: number): string {
  return toHex(Uint8Array.of(0xa0 + 0x10 * (block - 1) + column));
}

/** The prices the ESME charges, for people (console, tests): from the active unit charges. */
export interface ElectricityPriceView {
  standingCharge: number | null;
  standingChargeScale: number;
  priceScale: number;
  /** TOU rates 1..48 (index 0 = rate 1); null where the table has no entry */
  tou: Array<number | null>;
  /** block prices [block 1..4][column 1..8] */
  blocks: Array<Array<number | null>>;
}

export function electricityPriceView(tariff: EsmeTariff): ElectricityPriceView {
  const primary = tariff.primaryPriceCharge.unitChargeActive;
  const standing = tariff.standingCharge.unitChargeActive;
  const price = new Map(primary.chargeTable.map((e) => [e.index, e.chargePerUnit]));
  return {
    standingCharge: standing.chargeTable[0]?.chargePerUnit ?? null,
    standingChargeScale: standing.chargePerUnitScaling.priceScale,
    priceScale: primary.chargePerUnitScaling.priceScale,
    tou: Array.from({ length: 48 }, (_, i) => price.get(touIndex(i + 1)) ?? null),
    blocks: Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: 8 }, (_, t) => price.get(blockIndex(b + 1, t + 1)) ?? null),
    ),
  };
}

/** The full 80-entry primary price table (48 TOU rates, 4 x 8 block prices), as ECS01b writes it. */
function fullPriceTable(values: Record<string, number>): UnitCharge['chargeTable'] {
  const table: UnitCharge['chargeTable'] = [];
  for (let n = 1; n <= 48; n++) table.push({ index: touIndex(n), chargePerUnit: values[touIndex(n)] ?? 0 });
  for (let b = 1; b <= 4; b++)
    for (let t = 1; t <= 8; t++)
      table.push({ index: blockIndex(b, t), chargePerUnit: values[blockIndex(b, t)] ?? 0 });
  return table;
}

/** "no threshold" of a block threshold (all-FF double-long-unsigned, RTDS ECS24). */
const NO_THRESHOLD = 0xffffffff;
const thresholds = (first: number) => ({ thresholds: [first, NO_THRESHOLD, NO_THRESHOLD] });
/** The TOU register switching script (GBCS: tariffication script table 0-0:10.0.100.255). */
const TARIFF_SCRIPT = '0-0:10.0.100.255';

/** The tariff of the RTDS ESME (RTDS 4.11.1_ECS24 SUCCESS response). */
export function defaultTariff(): EsmeTariff {
  return {
    consumptionThresholdRegister: { value: 1, scalerUnit: { scaler: -5, unit: 254 } },
    activityCalendar: {
      seasonProfileActive: [
        { seasonProfileName: '616C6C', seasonStart: '2015-01-01T00:00:00', weekName: '01' },
      ],
      weekProfileActive: [
        {
          weekProfileName: '01',
          ...{ monday: 1, tuesday: 1, wednesday: 1, thursday: 1, friday: 1, saturday: 2, sunday: 2 },
        },
      ],
      dayProfileActive: [
        {
          dayId: 1,
          daySchedule: [
            { startTime: '07:00:00', scriptLogicalName: TARIFF_SCRIPT, scriptSelector: 101 },
            { startTime: '23:00:00', scriptLogicalName: TARIFF_SCRIPT, scriptSelector: 102 },
          ],
        },
        {
          dayId: 2,
          daySchedule: [{ startTime: '00:00:00', scriptLogicalName: TARIFF_SCRIPT, scriptSelector: 1 }],
        },
      ],
    },
    specialDays: {
      entries: [
        { index: 1, specialDayDate: '2015-05-01', dayId: 2 },
        { index: 2, specialDayDate: '2015-12-25', dayId: 2 },
      ],
    },
    blockThresholdsTou1: thresholds(10000),
    blockThresholdsTou2: thresholds(10000),
    blockThresholdsTou3: thresholds(NO_THRESHOLD),
    blockThresholdsTou4: thresholds(NO_THRESHOLD),
    blockThresholdsTou5: thresholds(NO_THRESHOLD),
    blockThresholdsTou6: thresholds(NO_THRESHOLD),
    blockThresholdsTou7: thresholds(NO_THRESHOLD),
    blockThresholdsTou8: thresholds(NO_THRESHOLD),
    currencyUnit: { valueActive: true },
    standingCharge: {
      unitChargeActive: {
        chargePerUnitScaling: { commodityScale: 0, priceScale: -5 },
        commodity: { classId: 0, logicalName: '0-0:0.0.0.0', attributeIndex: 0 },
        chargeTable: [{ index: '', chargePerUnit: 20000 }],
      },
    },
    primaryPriceCharge: {
      unitChargeActive: {
        chargePerUnitScaling: { commodityScale: 3, priceScale: -5 },
        commodity: { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2 },
        chargeTable: fullPriceTable({ '01': 2121, A1: 2289, A2: 4002, B1: 3546, B2: 6969 }),
      },
    },
  };
}

/**
 * The RTDS tariff every new ESME starts with: one deeply frozen table shared
 * by the meters (about 6 KB and 145 objects a meter as a copy each). A meter
 * that changes its tariff replaces the changed object in its own
 * `state.tariff` (handlers/prices.ts), never a shared value in place.
 */
export const RTDS_TARIFF: Readonly<EsmeTariff> = deepFreeze(defaultTariff());
