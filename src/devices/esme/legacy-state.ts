/**
 * The ESME snapshot's earlier tariff form, read back on restore (a home's
 * non-volatile memory, src/sim/nvm.ts, may have been written before the
 * tariff moved onto the use-case catalogue):
 *
 * - `charges`: the active unit charges by `standingCharge` / `primaryPrice`,
 *   each { commodityScale, priceScale, commodity { classId, logicalName as
 *   OBIS hex, attribute }, table [{ index, chargePerUnit }] };
 * - `tariffAttributes`: the other attributes ECS24 reads as DLMS data (hex)
 *   by `class/OBIS hex/attribute`;
 * - pending ECS01b activations keyed `Charge <OBIS hex>` with data
 *   { object: 'standingCharge' | 'primaryPrice', unitCharge (the form above) }.
 *
 * They become the catalogue's named values (tariff.ts EsmeTariff): the
 * attributes are decoded with the ECS24 row's own schemas, so the earlier
 * form is read by the one table too. A snapshot already in the named form
 * passes unchanged.
 */
import { decodeDlmsData, formatObis, parseObis } from '../../gbcs/payload/dlms.ts';
import { type DlmsCommandRow, decodeData, useCaseById } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import type { FutureDatedEntry } from '../meter-common/meter-device.ts';
import { type ChargeObject, defaultTariff, type EsmeTariff, type UnitCharge } from './tariff.ts';

interface LegacyUnitCharge {
  commodityScale: number;
  priceScale: number;
  commodity: { classId: number; logicalName: string; attribute: number };
  table: Array<{ index: string; chargePerUnit: number }>;
}

const LEGACY_CHARGE: Record<string, ChargeObject> = {
  standingCharge: 'standingCharge',
  primaryPrice: 'primaryPriceCharge',
};

function namedUnitCharge(u: LegacyUnitCharge): UnitCharge {
  return {
    chargePerUnitScaling: { commodityScale: u.commodityScale, priceScale: u.priceScale },
    commodity: {
      classId: u.commodity.classId,
      logicalName: formatObis(fromHex(u.commodity.logicalName)),
      attributeIndex: u.commodity.attribute,
    },
    chargeTable: u.table.map((e) => ({ index: e.index, chargePerUnit: e.chargePerUnit })),
  };
}

/** An ESME state (JSON, as restored) in the named form; the earlier form converted. */
export function migrateEsmeTariffState<S extends object>(state: S): S & { tariff: EsmeTariff } {
  if (!('charges' in state) && !('tariffAttributes' in state)) return renamedCurrencyUnit(state);
  const { charges, tariffAttributes, ...rest } = state as S & {
    charges?: Record<string, LegacyUnitCharge>;
    tariffAttributes?: Record<string, string>;
  };
  const tariff = defaultTariff() as unknown as Record<string, Record<string, unknown>>;
  for (const [legacy, object] of Object.entries(LEGACY_CHARGE)) {
    const u = charges?.[legacy];
    if (u) tariff[object].unitChargeActive = namedUnitCharge(u);
  }
  const row = useCaseById('ECS24');
  if (row?.family !== 'dlms' || row.kind !== 'command')
    throw new Error('the catalogue has no ECS24 DLMS row');
  for (const a of (row as DlmsCommandRow).accesses) {
    const held = tariffAttributes?.[`${a.classId}/${toHex(parseObis(a.obis))}/${a.id}`];
    if (held === undefined) continue;
    const path = `${a.object}.${a.member}`;
    tariff[a.object][a.member] = decodeData(a.schema, decodeDlmsData(fromHex(held)).value, path, []);
  }
  return { ...rest, tariff: tariff as unknown as EsmeTariff } as unknown as S & { tariff: EsmeTariff };
}

/**
 * The named form before the Currency Unit 0-0:94.44.2.0 had its GBCS name
 * (`tariffSecondaryElementPresent.value`): the same value as
 * `currencyUnit.valueActive`.
 */
function renamedCurrencyUnit<S extends object>(state: S): S & { tariff: EsmeTariff } {
  const t = (state as { tariff?: Record<string, unknown> }).tariff;
  const old = t?.tariffSecondaryElementPresent as { value?: boolean } | undefined;
  if (t && old && !('currencyUnit' in t)) {
    const { tariffSecondaryElementPresent: _, ...rest } = t;
    (state as { tariff: unknown }).tariff = { ...rest, currencyUnit: { valueActive: old.value ?? true } };
  }
  return state as S & { tariff: EsmeTariff };
}

/** A pending ECS01b activation in the earlier form -> keyed by the Charge's OBIS text, data named. */
export function migrateFutureDated(e: FutureDatedEntry): FutureDatedEntry {
  if (
    e.useCase !== 'ECS01b' ||
    !(String(e.data.object) in LEGACY_CHARGE) ||
    !('table' in Object(e.data.unitCharge))
  )
    return e;
  const object = LEGACY_CHARGE[String(e.data.object)];
  const legacyKey = e.key?.match(/^Charge ([0-9A-F]{12})$/i);
  return {
    ...e,
    key: legacyKey ? `Charge ${formatObis(fromHex(legacyKey[1]))}` : e.key,
    data: { ...e.data, object, unitCharge: namedUnitCharge(e.data.unitCharge as LegacyUnitCharge) },
  };
}
