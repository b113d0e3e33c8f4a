/**
 * ECS07 (DUIS 2.3) Manage Debt on the ESME (GBCS V3.1 use-case tables): the
 * debt recovery rates of time debt registers 1 and 2 (Charge class 113
 * unit_charge_passive and period, made active by activate_passive_unit_charge
 * in the same command), the payment debt register's recovery per payment
 * (proportion), and the adjustment of the three registers
 * (update_total_amount_remaining, added to total_amount_remaining). ECS19
 * (4.3) reads the three balances back in the prepayment balance collection
 * (handlers/protected.ts); the rates and proportion are in the attribute store.
 *
 * Refused whole (the malformed answer, nothing changed), as GBCS fixes them:
 * a commodity scale or commodity reference other than zero, a charge table
 * other than one element with an empty index, a period other than an hour or
 * a day (SMETS), a proportion above 10000, an activation parameter other than
 * 0, an adjustment that takes a register outside double-long.
 */

import { decodeDlmsData, formatObis } from '../../../gbcs/payload/dlms.ts';
import { COSEM_OBJECTS, type CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { protectedObjectKey } from '../../../gbcs/use-cases/protected-objects.ts';
import { fromHex } from '../../../runtime/bytes.ts';
import {
  allResults,
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import { getAttribute, setAttribute } from '../attribute-store.ts';
import type { EsmeServices } from '../services.ts';
import type { EsmeState } from '../state.ts';

type Fields = CommandFieldsOf<'ECS07'>;
export type DebtRegister = 'timeDebt1' | 'timeDebt2' | 'paymentDebt';

/** Valid debt recovery periods (SMETS: an hour or a day). */
const PERIODS = new Set([3600, 86400]);
const NO_COMMODITY = formatObis(new Uint8Array(6));
const INT32 = [-2147483648, 2147483647] as const;

/** The prepayment balance collection ECS19 reads (GBCS V3.1 tables): its held value, by `class/OBIS/attribute`. */
export const PREPAYMENT_REGISTERS = protectedObjectKey('prepaymentRegisters');
/**
 * Where each debt register's balance sits in that collection (GBCS: meter
 * balance, emergency credit balance, accumulated debt, time debt 1, time
 * debt 2, payment debt).
 */
export const DEBT_ITEM: Readonly<Record<DebtRegister, number>> = {
  timeDebt1: 3,
  timeDebt2: 4,
  paymentDebt: 5,
};

/** Item `i` of the prepayment register collection the meter started with (0 when it holds none). */
export function heldPrepaymentItem(state: EsmeState, i: number): number {
  const hex = state.protectedData[PREPAYMENT_REGISTERS];
  const held = hex === undefined ? undefined : decodeDlmsData(fromHex(hex)).value;
  const item = held?.type === 'structure' ? held.items[i] : undefined;
  return item && 'value' in item && typeof item.value === 'number' ? item.value : 0;
}

/** A debt register's balance: what ECS07 or recovery left, else the one the meter started with (the held collection). */
export function debtBalance(esme: { readonly state: EsmeState }, r: DebtRegister): number {
  const v = getAttribute(esme.state, `${r}.totalAmountRemaining`);
  return typeof v === 'number' ? v : heldPrepaymentItem(esme.state, DEBT_ITEM[r]);
}

/** Where the accumulated debt register sits in the prepayment register collection (GBCS: item 2). */
export const ACCUMULATED_DEBT_ITEM = 2;

function checkRate(f: Fields, r: 'timeDebt1' | 'timeDebt2'): void {
  const u = f[r].unitChargePassive;
  const c = u.commodity;
  if (
    u.chargePerUnitScaling.commodityScale !== 0 ||
    c.classId !== 0 ||
    c.attributeIndex !== 0 ||
    c.logicalName !== NO_COMMODITY
  )
    throw new CommandContentError(`${r}: debt recovery rate with a commodity`);
  if (u.chargeTable.length !== 1 || u.chargeTable[0]!.index !== '')
    throw new CommandContentError(`${r}: one charge table element with an empty index expected`);
  if (!PERIODS.has(f[r].period)) throw new CommandContentError(`${r}: period must be 3600 or 86400 s`);
  if (f[r].activatePassiveUnitCharge !== 0)
    throw new CommandContentError(`${r}: activate_passive_unit_charge takes 0`);
}

export function manageDebt(call: UseCaseCall<Fields>, esme: EsmeServices): HandlerResult {
  const f = call.fields;
  checkRate(f, 'timeDebt1');
  checkRate(f, 'timeDebt2');
  if (f.paymentDebt.proportion > 10000) throw new CommandContentError('proportion above 10000 (100%)');
  const next = {} as Record<DebtRegister, number>;
  for (const r of ['timeDebt1', 'timeDebt2', 'paymentDebt'] as const) {
    const v = debtBalance(esme, r) + Number(f[r].updateTotalAmountRemaining);
    if (v < INT32[0] || v > INT32[1]) throw new CommandContentError(`${r}: balance out of range`);
    next[r] = v;
  }
  for (const r of ['timeDebt1', 'timeDebt2'] as const) {
    setAttribute(esme.state, `${r}.unitChargePassive`, structuredClone(f[r].unitChargePassive));
    setAttribute(esme.state, `${r}.unitChargeActive`, structuredClone(f[r].unitChargePassive));
    setAttribute(esme.state, `${r}.period`, f[r].period);
  }
  setAttribute(esme.state, 'paymentDebt.proportion', f.paymentDebt.proportion);
  for (const [r, v] of Object.entries(next)) setAttribute(esme.state, `${r}.totalAmountRemaining`, v);
  return {
    response: allResults(f, 'success'),
    outcome: 'applied',
    detail: { ...next, charges: Object.keys(next).map((r) => COSEM_OBJECTS[r as DebtRegister].obis) },
  };
}
