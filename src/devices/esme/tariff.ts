/**
 * The ESME's tariff and prices as COSEM objects (DLMS Blue Book; GBCS ESME
 * object list), as ECS01b sets them and ECS24 reads them:
 *
 * - Charge (class 113) 0-0:19.20.4.255, the standing charge, and
 *   0-0:19.20.0.255, the primary element's TOU and block prices. A Charge
 *   holds `unit_charge_active` (attr 5, what the meter charges with),
 *   `unit_charge_passive` (attr 6, written by ECS01b) and
 *   `unit_charge_activation_time` (attr 7): at that time the passive unit
 *   charge becomes the active one (zero: now; all-FF: cancel).
 *   A unit charge is { charge_per_unit_scaling { commodity scale, price
 *   scale }, commodity reference { class, logical name, attribute },
 *   charge_table [ { index, charge_per_unit } ] }.
 * - The other objects ECS24 reads (activity calendar, special days, block
 *   thresholds, currency...): set by ECS01a (1.1.1), which this emulator
 *   does not execute; they are held as the DLMS data last set, starting
 *   with the values the RTDS ESME reports (RTDS 4.11.1_ECS24 SUCCESS).
 */
import { type DlmsData, decodeDlmsData, dlms, encodeDlmsData, parseObis } from '../../gbcs/payload/dlms.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';

/** A Charge unit charge (JSON-safe): scaling, commodity, charge table. */
export interface UnitCharge {
  commodityScale: number;
  priceScale: number;
  commodity: { classId: number; logicalName: string; attribute: number };
  /** charge_table entries: index (octet string, hex) and charge_per_unit (long) */
  table: Array<{ index: string; chargePerUnit: number }>;
}

/** The two Charge objects of the primary element's prices, by their logical names. */
export const CHARGE_OBJECTS = {
  standingCharge: '0000131404FF', // 0-0:19.20.4.255
  primaryPrice: '0000131400FF', // 0-0:19.20.0.255
} as const;
export type ChargeObject = keyof typeof CHARGE_OBJECTS;

export const CHARGE_CLASS = 113;

/** The shape check failed: the caller answers with an error and 8F1E. */
export class UnitChargeShapeError extends Error {}

/** A unit charge as the use-case catalogue names it (cosem-objects.ts `unitCharge`). */
export interface NamedUnitCharge {
  chargePerUnitScaling: { commodityScale: number; priceScale: number };
  commodity: { classId: number; logicalName: string; attributeIndex: number };
  chargeTable: Array<{ index: string; chargePerUnit: number }>;
}

/** The named unit charge of an ECS01b command -> UnitCharge; a charge_table index twice is refused. */
export function unitChargeFromFields(u: NamedUnitCharge): UnitCharge {
  const seen = new Set<string>();
  for (const e of u.chargeTable) {
    if (seen.has(e.index)) throw new UnitChargeShapeError(`charge_table index ${e.index || "''"} twice`);
    seen.add(e.index);
  }
  return {
    commodityScale: u.chargePerUnitScaling.commodityScale,
    priceScale: u.chargePerUnitScaling.priceScale,
    commodity: {
      classId: u.commodity.classId,
      logicalName: toHex(parseObis(u.commodity.logicalName)),
      attribute: u.commodity.attributeIndex,
    },
    table: u.chargeTable.map((e) => ({ index: e.index, chargePerUnit: e.chargePerUnit })),
  };
}

/** UnitCharge -> the DLMS data of attrs 5/6 (ECS24 reads it back). */
export function unitChargeData(u: UnitCharge): DlmsData {
  return dlms.struct(
    dlms.struct(dlms.i8(u.commodityScale), dlms.i8(u.priceScale)),
    dlms.struct(
      dlms.u16(u.commodity.classId),
      dlms.octets(fromHex(u.commodity.logicalName)),
      dlms.i8(u.commodity.attribute),
    ),
    dlms.array(...u.table.map((e) => dlms.struct(dlms.octets(fromHex(e.index)), dlms.i16(e.chargePerUnit)))),
  );
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

export function electricityPriceView(charges: Record<ChargeObject, UnitCharge>): ElectricityPriceView {
  const price = new Map(charges.primaryPrice.table.map((e) => [e.index, e.chargePerUnit]));
  const standing = charges.standingCharge.table[0];
  return {
    standingCharge: standing ? standing.chargePerUnit : null,
    standingChargeScale: charges.standingCharge.priceScale,
    priceScale: charges.primaryPrice.priceScale,
    tou: Array.from({ length: 48 }, (_, i) => price.get(touIndex(i + 1)) ?? null),
    blocks: Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: 8 }, (_, t) => price.get(blockIndex(b + 1, t + 1)) ?? null),
    ),
  };
}

/** The full 80-entry primary price table (48 TOU rates, 4 x 8 block prices), as ECS01b writes it. */
function fullPriceTable(values: Record<string, number>): UnitCharge['table'] {
  const table: UnitCharge['table'] = [];
  for (let n = 1; n <= 48; n++) table.push({ index: touIndex(n), chargePerUnit: values[touIndex(n)] ?? 0 });
  for (let b = 1; b <= 4; b++)
    for (let t = 1; t <= 8; t++)
      table.push({ index: blockIndex(b, t), chargePerUnit: values[blockIndex(b, t)] ?? 0 });
  return table;
}

/** The active unit charges of the RTDS ESME (RTDS 4.11.1_ECS24 SUCCESS response). */
export function defaultCharges(): Record<ChargeObject, UnitCharge> {
  return {
    standingCharge: {
      commodityScale: 0,
      priceScale: -5,
      commodity: { classId: 0, logicalName: '000000000000', attribute: 0 },
      table: [{ index: '', chargePerUnit: 20000 }],
    },
    primaryPrice: {
      commodityScale: 3,
      priceScale: -5,
      commodity: { classId: 3, logicalName: '0100010800FF', attribute: 2 },
      table: fullPriceTable({ '01': 2121, A1: 2289, A2: 4002, B1: 3546, B2: 6969 }),
    },
  };
}

/** Key of a COSEM attribute: `class/OBIS hex/attribute`. */
export function attributeKey(classId: number, obis: string, attribute: number): string {
  return `${classId}/${obis}/${attribute}`;
}

/**
 * The tariff attributes ECS24 reads besides the Charges, in its order, with
 * the RTDS ESME's values (DLMS data, hex). Meaning per GBCS / Blue Book:
 * 94.44.1.7 (class 3) value and scaler_unit; activity calendar (class 20)
 * season, week and day profiles (active); special days table (class 11);
 * the eight register monitors 16.0.11..18 (class 21) block thresholds; the
 * GBCS class 9000 object 94.44.2.0 attr 2.
 */
export const TARIFF_READ_ATTRIBUTES: ReadonlyArray<{ classId: number; obis: string; attribute: number }> = [
  { classId: 3, obis: '00005E2C0107', attribute: 2 },
  { classId: 3, obis: '00005E2C0107', attribute: 3 },
  { classId: 20, obis: '00000D0000FF', attribute: 3 },
  { classId: 20, obis: '00000D0000FF', attribute: 4 },
  { classId: 20, obis: '00000D0000FF', attribute: 5 },
  { classId: 11, obis: '00000B0000FF', attribute: 2 },
  ...[0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12].map((e) => ({
    classId: 21,
    obis: `00001000${e.toString(16).toUpperCase().padStart(2, '0')}FF`, // 0-0:16.0.11.255 .. 0-0:16.0.18.255
    attribute: 2,
  })),
  { classId: 9000, obis: '00005E2C0200', attribute: 2 },
];

const NO_THRESHOLD = dlms.u32(0xffffffff);

/** The RTDS ESME's values of TARIFF_READ_ATTRIBUTES (RTDS 4.11.1_ECS24 SUCCESS), as hex DLMS data by attributeKey. */
export function defaultTariffAttributes(): Record<string, string> {
  const script = (time: string, selector: number) =>
    dlms.struct(dlms.octets(fromHex(time)), dlms.octets(fromHex('00000A0064FF')), dlms.u16(selector));
  const values: DlmsData[] = [
    dlms.u32(1),
    dlms.struct(dlms.i8(-5), dlms.enum(254)),
    dlms.array(
      dlms.struct(
        dlms.octets(Buffer.from('all', 'latin1')),
        dlms.octets(fromHex('07DF0101FF000000008000FF')),
        dlms.octets(Uint8Array.of(1)),
      ),
    ),
    dlms.array(dlms.struct(dlms.octets(Uint8Array.of(1)), ...[1, 1, 1, 1, 1, 2, 2].map((d) => dlms.u8(d)))),
    dlms.array(
      dlms.struct(dlms.u8(1), dlms.array(script('07000000', 101), script('17000000', 102))),
      dlms.struct(dlms.u8(2), dlms.array(script('00000000', 1))),
    ),
    dlms.array(
      dlms.struct(dlms.u16(1), dlms.octets(fromHex('07DF0501FF')), dlms.u8(2)),
      dlms.struct(dlms.u16(2), dlms.octets(fromHex('07DF0C19FF')), dlms.u8(2)),
    ),
    dlms.array(dlms.u32(10000), NO_THRESHOLD, NO_THRESHOLD),
    dlms.array(dlms.u32(10000), NO_THRESHOLD, NO_THRESHOLD),
    ...Array.from({ length: 6 }, () => dlms.array(NO_THRESHOLD, NO_THRESHOLD, NO_THRESHOLD)),
    dlms.bool(true),
  ];
  const out: Record<string, string> = {};
  TARIFF_READ_ATTRIBUTES.forEach((a, i) => {
    out[attributeKey(a.classId, a.obis, a.attribute)] = toHex(encodeDlmsData(values[i]));
  });
  return out;
}

/** Decodes an attribute held as hex DLMS data. */
export function attributeData(hex: string): DlmsData {
  return decodeDlmsData(fromHex(hex)).value;
}
