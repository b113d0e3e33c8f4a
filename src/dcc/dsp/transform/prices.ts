/**
 * DUIS 1.2.1 Update Price (Primary Element): the typed price elements the
 * transform builds ECS01b / GCS01b from. The DUIS codec keeps the tariff as
 * a generic element tree (src/duis/bodies.ts `PricePrimary.tariff`); this
 * module reads it against the DUIS Schema V5.4 types (ElecBlockTariff,
 * ElecTOUTariff, ElecHybridTariff, GasBlockPriceMatrix, GasTOUPriceMatrix)
 * and refuses what the schema refuses (typed DspBodyInvalidError), so the
 * transform never builds a command from a body the XSD would reject.
 */
import { type DuisNode, SR_NS, type UpdatePricePrimaryElement } from '../../../duis/index.ts';
import { DspBodyInvalidError, inconsistent, outOfRange } from './errors.ts';

/** XSD PriceType (xs:short). */
const SHORT = { min: -32768, max: 32767 };
/** xs:unsignedInt (gas prices and standing charge). */
const UNSIGNED_INT = { min: 0, max: 0xffffffff };

/** Electricity prices of the primary element, as DUIS gives them. */
export interface ElectricityPrices {
  fuel: 'electricity';
  standingCharge: number;
  standingChargeScale: number;
  priceScale: number;
  kind: 'block' | 'tou' | 'hybrid';
  /** TOUPrice by index 1..48 (absent indexes are not in the map). */
  tou: ReadonlyMap<number, number>;
  /** BlockPrices index 1..8 -> (BlockPrice index 1..4 -> price). */
  blocks: ReadonlyMap<number, ReadonlyMap<number, number>>;
}

/** Gas prices, as DUIS gives them. */
export interface GasPrices {
  fuel: 'gas';
  currencyUnits: 'GBP' | 'ECB';
  standingCharge: number;
  kind: 'block' | 'tou';
  /** TOUPrice index 1..4 or BlockPrice index 1..4 -> price. */
  prices: ReadonlyMap<number, number>;
  /** NumberOfThresholds (1..3) of a block tariff; 0 for TOU. */
  numberOfThresholds: number;
}

export type PrimaryPrices = ElectricityPrices | GasPrices;

function kids(node: DuisNode): DuisNode[] {
  return node.children.filter((c) => c.namespace === SR_NS);
}

function intText(node: DuisNode, path: string, range: { min: number; max: number }): number {
  const t = (node.text ?? '').trim();
  if (!/^[+-]?\d+$/.test(t)) throw new DspBodyInvalidError(`"${t}" is not an integer`, path);
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v < range.min || v > range.max)
    throw outOfRange(`${t} is outside ${range.min}..${range.max}`, path);
  return v;
}

function indexOf(node: DuisNode, path: string, max: number): number {
  const raw = node.attributes.index;
  if (raw === undefined) throw new DspBodyInvalidError('index attribute missing', path);
  const t = raw.trim();
  if (!/^\+?\d+$/.test(t) || Number(t) < 1 || Number(t) > max)
    throw outOfRange(`index "${raw}" is not 1..${max}`, path);
  return Number(t);
}

/** Indexed prices (TOUPrice or BlockPrice elements), each index once. */
function indexed(
  nodes: DuisNode[],
  path: string,
  maxIndex: number,
  range: { min: number; max: number },
): Map<number, number> {
  const out = new Map<number, number>();
  for (const n of nodes) {
    const p = `${path}/${n.name}`;
    const i = indexOf(n, p, maxIndex);
    if (out.has(i)) throw inconsistent(`index ${i} given twice`, p);
    if (n.children.length > 0) throw new DspBodyInvalidError('a price has no child elements', p);
    out.set(i, intText(n, p, range));
  }
  return out;
}

function only(node: DuisNode, names: string[], path: string): void {
  for (const c of node.children) {
    if (c.namespace !== SR_NS || !names.includes(c.name))
      throw new DspBodyInvalidError(`unexpected element ${c.name}`, path);
  }
}

function electricityBlocks(nodes: DuisNode[], path: string): Map<number, Map<number, number>> {
  const blocks = new Map<number, Map<number, number>>();
  if (nodes.length < 1 || nodes.length > 8) throw outOfRange(`${nodes.length} BlockPrices (1..8)`, path);
  for (const b of nodes) {
    const p = `${path}/BlockPrices`;
    const i = indexOf(b, p, 8);
    if (blocks.has(i)) throw inconsistent(`BlockPrices index ${i} given twice`, p);
    only(b, ['BlockPrice'], p);
    const prices = kids(b);
    if (prices.length < 1 || prices.length > 4) throw outOfRange(`${prices.length} BlockPrice (1..4)`, p);
    blocks.set(i, indexed(prices, p, 4, SHORT));
  }
  return blocks;
}

function electricityTou(nodes: DuisNode[], path: string): Map<number, number> {
  if (nodes.length < 1 || nodes.length > 48) throw outOfRange(`${nodes.length} TOUPrice (1..48)`, path);
  return indexed(nodes, path, 48, SHORT);
}

/**
 * Reads the tariff of a 1.2.1 body (ElecBlockTariff: BlockPrices+;
 * ElecTOUTariff: TOUPrice+; ElecHybridTariff: BlockPrices+ then TOUPrice+;
 * GasBlockPriceMatrix: BlockPrice{1,4} then NumberOfThresholds;
 * GasTOUPriceMatrix: TOUPrice{1,4}).
 */
export function primaryPrices(body: UpdatePricePrimaryElement): PrimaryPrices {
  const p = body.price;
  const t = p.tariff;
  if (p.fuel === 'electricity') {
    const path = `ElectricityPriceElements/${t.name}`;
    if (p.standingCharge < SHORT.min || p.standingCharge > SHORT.max)
      throw new DspBodyInvalidError(`standing charge ${p.standingCharge} is not a PriceType`, path);
    const c = kids(t);
    let tou = new Map<number, number>();
    let blocks = new Map<number, Map<number, number>>();
    let kind: ElectricityPrices['kind'];
    if (t.name === 'TOUTariff') {
      only(t, ['TOUPrice'], path);
      tou = electricityTou(c, path);
      kind = 'tou';
    } else if (t.name === 'BlockTariff') {
      only(t, ['BlockPrices'], path);
      blocks = electricityBlocks(c, path);
      kind = 'block';
    } else if (t.name === 'HybridTariff') {
      only(t, ['BlockPrices', 'TOUPrice'], path);
      const firstTou = c.findIndex((x) => x.name === 'TOUPrice');
      if (firstTou < 1 || c.slice(firstTou).some((x) => x.name !== 'TOUPrice'))
        throw new DspBodyInvalidError('HybridTariff is BlockPrices (1..8) then TOUPrice (1..48)', path);
      blocks = electricityBlocks(c.slice(0, firstTou), path);
      tou = electricityTou(c.slice(firstTou), path);
      kind = 'hybrid';
    } else throw new DspBodyInvalidError(`unexpected tariff ${t.name}`, path);
    return {
      fuel: 'electricity',
      standingCharge: p.standingCharge,
      standingChargeScale: p.standingChargeScale,
      priceScale: p.priceScale,
      kind,
      tou,
      blocks,
    };
  }
  const path = `GasPriceElements/${t.name}`;
  const c = kids(t);
  if (t.name === 'TOUTariff') {
    only(t, ['TOUPrice'], path);
    if (c.length < 1 || c.length > 4) throw outOfRange(`${c.length} TOUPrice (1..4)`, path);
    return {
      fuel: 'gas',
      currencyUnits: p.currencyUnits,
      standingCharge: p.standingCharge,
      kind: 'tou',
      prices: indexed(c, path, 4, UNSIGNED_INT),
      numberOfThresholds: 0,
    };
  }
  if (t.name === 'BlockTariff') {
    only(t, ['BlockPrice', 'NumberOfThresholds'], path);
    const last = c.at(-1);
    if (last?.name !== 'NumberOfThresholds' || c.filter((x) => x.name === 'NumberOfThresholds').length !== 1)
      throw new DspBodyInvalidError('BlockTariff ends with one NumberOfThresholds', path);
    const prices = c.slice(0, -1);
    if (prices.length < 1 || prices.length > 4) throw outOfRange(`${prices.length} BlockPrice (1..4)`, path);
    return {
      fuel: 'gas',
      currencyUnits: p.currencyUnits,
      standingCharge: p.standingCharge,
      kind: 'block',
      prices: indexed(prices, path, 4, UNSIGNED_INT),
      numberOfThresholds: intText(last, `${path}/NumberOfThresholds`, { min: 1, max: 3 }),
    };
  }
  throw new DspBodyInvalidError(`unexpected tariff ${t.name}`, path);
}
