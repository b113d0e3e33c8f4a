/**
 * The objects the ESME protected reads return (GBCS: Data Protection class
 * 30, get_protected_attributes; payload-encrypted for the business
 * originator): ONE table of each object (class/OBIS/attribute, as the
 * command's objectList names it) and the typed shape of its value, and of
 * the objects each protected-read use case reads. The ESME builds its
 * plaintexts from it (devices/esme/handlers/protected.ts) and the decoder
 * names a decrypted plaintext with it (inspect.ts `decrypted[].fields`).
 *
 * The plaintext is one DLMS structure with one element per object of the
 * command's objectList, in that order. Where an ESME variant changes an
 * object's shape (twin element: secondary registers), the object has one
 * shape per variant; the decoder takes the first that matches.
 *
 * Sources: every object's shape is read in GBCS V3.1's use-case tables
 * ("DLMS COSEM specific content" of each protected read; `source` gives the
 * use case and the offset in gbcs-use-cases.html @00ed2ddf), and the RTDS
 * reference responses (all twelve) decode whole and re-encode byte for byte
 * against it. Field names are this project's camelCase of GBCS's (e.g.
 * emergencyCreditBalanceValue -> emergencyCreditBalance). PROVISIONAL: the
 * Wh unit of the TOU-with-blocks register values (GBCS gives none; see
 * `source.provisional`).
 */
import { decodeDlmsData, encodeDlmsData } from '../payload/dlms.ts';
import { offsetInside } from './dlms-codec.ts';
import { decodeData, encodeData, type Schema, s, schemaLeaves } from './dlms-schema.ts';
import { UseCaseShapeError, UseCaseUnknownError } from './errors.ts';

const utcSeconds = s.u32({ unit: 's', doc: 'capture time, seconds since 2000-01-01T00:00:00Z' });
const wh = (doc?: string) => s.u32({ unit: 'Wh', ...(doc ? { doc } : {}) });
const pennies = (doc?: string) => s.i32({ unit: 'pennies', ...(doc ? { doc } : {}) });
/** Register scaler_unit: value = raw x 10^scaler, unit a DLMS unit enum (30 Wh, 32 varh). */
const scalerUnit = s.struct({ scaler: s.i8(), unit: s.enum({ names: { 30: 'Wh', 32: 'varh' } }) });

/** The prepayment balances and debt registers, in the prepayment register list's order (GBCS). */
const prepaymentRegisters = {
  meterBalance: pennies(),
  emergencyCreditBalance: pennies(),
  accumulatedDebt: pennies(),
  timeDebt1: pennies(),
  timeDebt2: pennies(),
  paymentDebt: pennies(),
};

/** A fixed-length register array (a compact-array's type description carries the count). */
const registers = (count: number) => s.array(wh(), { count });
/**
 * GBCS 18.2.1's entry_registerReadLogEntry (GBCS V3.1 use-case tables, ECS20c
 * and ECS21a): timestamp, activeImportRegisterValue, [twin:
 * secondaryActiveImportRegisterValue], tariffTOURegisterValues[1..48],
 * [twin: secondaryTariffTOURegisterValues[1..4]],
 * tariffTOUBlock1..4RegisterValues[1..8], all double-long-unsigned.
 */
const registerReadLogEntry = (twin: boolean) =>
  s.struct({
    time: utcSeconds,
    activeImport: wh(),
    ...(twin ? { secondaryActiveImport: wh() } : {}),
    touRegisters: registers(48),
    ...(twin ? { secondaryTouRegisters: registers(4) } : {}),
    block1TouRegisters: registers(8),
    block2TouRegisters: registers(8),
    block3TouRegisters: registers(8),
    block4TouRegisters: registers(8),
  });
/**
 * GBCS 18.2.1's entry_prepaymentReadLogEntry (GBCS V3.1 use-case tables,
 * ECS20c and ECS21b): timestamp, then emergencyCreditBalanceValue,
 * meterBalanceValue, paymentDebtRegisterValue, timeDebtRegisters1Value,
 * timeDebtRegisters2Value, accumulatedDebtRegisterValue, all double-long.
 * (Not the prepayment register list's order.)
 */
const prepaymentReadLogEntry = s.struct({
  time: utcSeconds,
  emergencyCreditBalance: pennies(),
  meterBalance: pennies(),
  paymentDebt: pennies(),
  timeDebt1: pennies(),
  timeDebt2: pennies(),
  accumulatedDebt: pennies(),
});

/**
 * Where an object's shape is known from: `gbcs-text` read in GBCS's use-case
 * tables ("DLMS COSEM specific content"; `ref` names the use case, the table
 * and its offset in GBCS V3.1's use-case file, gbcs-use-cases.html @00ed2ddf),
 * `rtds-only` from the RTDS reference responses alone. `provisional` lists
 * what neither settles (units the text does not give).
 */
export interface ShapeSource {
  kind: 'gbcs-text' | 'rtds-only';
  ref: string;
  provisional?: string;
}

export interface ProtectedObject {
  classId: number;
  obis: string;
  attribute: number;
  /** The value's shape on a single-element (and polyphase) ESME, and on a twin when it differs. */
  shapes: { single: Schema; twin?: Schema };
  doc: string;
  source: ShapeSource;
}

const po = (
  classId: number,
  obis: string,
  doc: string,
  source: ShapeSource,
  single: Schema,
  twin?: Schema,
): ProtectedObject => ({
  classId,
  obis,
  attribute: 2,
  shapes: twin ? { single, twin } : { single },
  doc,
  source,
});

const BLOCK_WH =
  "Wh on the TOU-with-blocks register values: GBCS gives no unit for them (ECS17e's table says INTEGER; the TOU registers' Wh is ECS17d's)";

export const PROTECTED_OBJECTS = {
  /** ECS17b: active import + scaler_unit, reactive import + scaler_unit, [twin] secondary active import. */
  importRegisters: po(
    1,
    '0-0:94.44.34.10',
    'import register list',
    {
      kind: 'gbcs-text',
      ref: 'ECS17b (pair "Read Import Energy / Consumption Registers", ~665,000-682,000): import_register_collection: active_import_value, active scal_unit (scaler 0, unit 30 Wh), reactive_import_value, reactive scal_unit (scaler 0, unit 32 varh), second_active_import_value OPTIONAL (twin)',
    },
    s.struct(
      {
        activeImport: wh(),
        activeImportScalerUnit: scalerUnit,
        reactiveImport: s.u32({ unit: 'varh' }),
        reactiveImportScalerUnit: scalerUnit,
        secondaryActiveImport: wh('twin element only'),
      },
      { optionalTail: 1 },
    ),
  ),
  /** ECS17d: the 48 TOU registers, [twin] the 4 secondary TOU registers. */
  touRegisters: po(
    1,
    '0-0:94.44.34.1',
    'TOU register list',
    {
      kind: 'gbcs-text',
      ref: 'ECS17d (pair "Read Energy / Consumption Register (TOU)", ~566,000-571,000): TOU_register_collection ::= structure { TOU_primary_registers[1..48], TOU_secondary_registers[1..4] (twin) }, double-long-unsigned; the pair\'s object table gives both in Wh',
    },
    s.struct({ touRegisters: s.array(wh()), secondaryTouRegisters: s.array(wh()) }, { optionalTail: 1 }),
  ),
  /** ECS17e: per block 1..4, its 8 TOU block registers then its 8 counters (block-counters.ts). */
  touBlockRegisters: po(
    1,
    '0-0:94.44.34.2',
    'TOU-with-blocks register list: per block 1..4, 8 register values then 8 block counters',
    {
      kind: 'gbcs-text',
      ref: 'ECS17e (pair "Read ESME Energy Register (TOU with Blocks)", ~574,000-578,000): Block_TOU_register_collection ::= structure { Block_primary_registers[1..64] double-long-unsigned }, "a 1 by 64 matrix": [1..8] register values of block 1, [9..16] its block counters, ... [57..64] block 4\'s counters',
      provisional: 'no unit (GBCS gives none)',
    },
    s.struct({ touBlockRegisters: s.array(s.u32(), { count: 64 }) }),
  ),
  /** ECS19 (GBCS order; the emulator's debt.ts DEBT_ITEM indexes it). */
  prepaymentRegisters: po(
    1,
    '0-0:94.44.34.30',
    'prepayment register list',
    {
      kind: 'gbcs-text',
      ref: 'ECS19 (pair "Read Prepayment Registers", ~745,000-758,000): prepayment_balance_collection ::= structure { meter_balance, emergency_credit_balance, accumulated_debt_register, time_debt_1_balance, time_debt_2_balance, payment_debt_balance } (double-long; 112 0-0:19.10.0/1/2.255 attr 2, 113 0-0:19.2.1/2/3.255 attr 12)',
    },
    s.struct(prepaymentRegisters),
  ),
  /** ECS20c (billing-data-log.ts): the register snapshot at each billing date. */
  billingRegisterLog: po(
    7,
    '0-0:98.1.0.255',
    'billing data log (billing calendar triggered, exc export): registers, logEntries[1..12]',
    {
      kind: 'gbcs-text',
      ref: 'ECS20c (pair "Read Billing Data Log (billing calendar triggered exc export)", ~256,000-262,000): 0-0:98.1.0.255 buffer[1..12] entry_registerReadLogEntry',
      provisional: BLOCK_WH,
    },
    s.compact(registerReadLogEntry(false)),
    s.compact(registerReadLogEntry(true)),
  ),
  /** ECS20c: balances at each billing date. */
  billingFinancialLog: po(
    7,
    '0-0:98.1.1.255',
    'billing data log (billing calendar triggered): balances, logEntries[1..12]',
    {
      kind: 'gbcs-text',
      ref: 'ECS20c (~262,000): 0-0:98.1.1.255 buffer[1..12] entry_prepaymentReadLogEntry: timestamp, emergencyCreditBalanceValue, meterBalanceValue, paymentDebtRegisterValue, timeDebtRegisters1Value, timeDebtRegisters2Value, accumulatedDebtRegisterValue (double-long)',
    },
    s.compact(prepaymentReadLogEntry),
  ),
  /** ECS21a (daily-read-log.ts): the registers at each midnight, as the billing register log's entry. */
  importDailyReadLog: po(
    7,
    '0-0:98.1.9.255',
    'import daily read log (exc export), logEntries[1..31]',
    {
      kind: 'gbcs-text',
      ref: 'ECS21a (pair "Read Daily Read Log (exc export)", ~524,000-530,000): 0-0:98.1.9.255 buffer[1..31] entry_registerReadLogEntry: timestamp, active import, [twin] secondary active import, tariffTOURegisterValues[1..48], [twin] secondaryTariffTOURegisterValues[1..4], tariffTOUBlock1..4RegisterValues[1..8]',
      provisional: BLOCK_WH,
    },
    s.compact(registerReadLogEntry(false)),
    s.compact(registerReadLogEntry(true)),
  ),
  /** ECS21b: the balances at each midnight (the billing financial log's entry, not the register list's order). */
  prepaymentDailyReadLog: po(
    7,
    '0-0:98.1.8.255',
    'prepayment daily read log, logEntries[1..31]',
    {
      kind: 'gbcs-text',
      ref: 'ECS21b (pair "Read (Prepayment) Daily Read Log", ~222,000-229,000): 0-0:98.1.8.255 buffer[1..31] entry_prepaymentReadLogEntry: timestamp, emergencyCreditBalanceValue, meterBalanceValue, paymentDebtRegisterValue, timeDebtRegisters1Value, timeDebtRegisters2Value, accumulatedDebtRegisterValue (double-long)',
    },
    s.compact(prepaymentReadLogEntry),
  ),
  /** ECS22b (profile-log.ts): half-hour active import, [twin] secondary. */
  activeImportProfile: po(
    7,
    '0-0:99.1.0.255',
    'half-hour profile data (active import), logEntries[1..19056]',
    {
      kind: 'gbcs-text',
      ref: 'ECS22b (pair "Read Half Hour Profile Data (consumption)", ~620,000-627,000): 0-0:99.1.0.255 buffer[1..19056] entry_activeImportLogEntry: timestamp, primaryValue, [twin] secondaryValue (double-long-unsigned)',
    },
    s.compact(s.struct({ time: utcSeconds, activeImport: wh() })),
    s.compact(s.struct({ time: utcSeconds, activeImport: wh(), secondaryActiveImport: wh() })),
  ),
  /** ECS66: the day's consumption at each midnight. */
  dailyConsumptionLog: po(
    7,
    '0-0:99.1.3.255',
    'daily consumption log, logEntries[1..731]',
    {
      kind: 'gbcs-text',
      ref: 'ECS66 (pair "Read Daily Consumption Log", ~505,000-512,000): 0-0:99.1.3.255 buffer[1..731] entry_dlValueLogEntry: timestamp, dlValue (double-long-unsigned, "Consumption for that day")',
    },
    s.compact(s.struct({ time: utcSeconds, activeImportConsumption: wh() })),
  ),
} as const satisfies Record<string, ProtectedObject>;

export type ProtectedObjectName = keyof typeof PROTECTED_OBJECTS;

/** The objects each protected-read use case's command reads, in objectList order. */
export const PROTECTED_READS = {
  ECS17b: ['importRegisters'],
  ECS17d: ['touRegisters'],
  ECS17e: ['touBlockRegisters'],
  ECS19: ['prepaymentRegisters'],
  ECS20c: ['billingRegisterLog', 'billingFinancialLog'],
  ECS21a: ['importDailyReadLog'],
  ECS21b: ['prepaymentDailyReadLog'],
  ECS22b: ['activeImportProfile'],
  ECS66: ['dailyConsumptionLog'],
} as const satisfies Record<string, readonly ProtectedObjectName[]>;

/** `class/OBIS/attribute`: how a command's objectList entry names an object. */
export function protectedObjectKey(name: ProtectedObjectName): string {
  const o = PROTECTED_OBJECTS[name];
  return `${o.classId}/${o.obis}/${o.attribute}`;
}

const BY_KEY = new Map<string, ProtectedObjectName>(
  (Object.keys(PROTECTED_OBJECTS) as ProtectedObjectName[]).map((n) => [protectedObjectKey(n), n]),
);

/** The catalogued object a command's `class/OBIS/attribute` names, if any. */
export function protectedObjectByKey(key: string): ProtectedObjectName | undefined {
  return BY_KEY.get(key);
}

/** The objects a protected-read use case reads, or undefined when the use case is not one. */
export function protectedReadObjects(useCase: string): readonly ProtectedObjectName[] | undefined {
  return (PROTECTED_READS as Record<string, readonly ProtectedObjectName[]>)[useCase];
}

function shapesOf(name: ProtectedObjectName): Schema[] {
  const { single, twin } = PROTECTED_OBJECTS[name].shapes as { single: Schema; twin?: Schema };
  return twin ? [single, twin] : [single];
}

/** The plaintext's named value: one entry per object read, by its table name. */
export type ProtectedPlaintext = Record<string, unknown>;

/**
 * Names a decrypted protected-read plaintext. Throws UseCaseShapeError (field
 * path, byte offset in the plaintext) when it is not one structure of the
 * use case's objects, each of its shape, with nothing left over.
 */
export function decodeProtectedPlaintext(useCase: string, plaintext: Uint8Array): ProtectedPlaintext {
  const names = protectedReadObjects(useCase);
  if (!names) throw new UseCaseUnknownError(`${useCase} is not a catalogued protected read`);
  let top: ReturnType<typeof decodeDlmsData>;
  try {
    top = decodeDlmsData(plaintext);
  } catch (err) {
    throw new UseCaseShapeError(
      `not DLMS Data: ${err instanceof Error ? err.message : err}`,
      'plaintext',
      [],
      0,
    );
  }
  const d = top.value;
  if (top.offset !== plaintext.length)
    throw new UseCaseShapeError(
      `${plaintext.length - top.offset} byte(s) after the Data`,
      'plaintext',
      [],
      top.offset,
    );
  if (d.type !== 'structure' || d.items.length !== names.length)
    throw new UseCaseShapeError(
      `expected a structure of ${names.length} object value(s), found ${d.type === 'structure' ? `${d.items.length}` : d.type}`,
      'plaintext',
      [],
      0,
    );
  const out: ProtectedPlaintext = {};
  names.forEach((name, i) => {
    const item = d.items[i]!;
    let first: UseCaseShapeError | undefined;
    for (const sc of shapesOf(name)) {
      try {
        out[name] = decodeData(sc, item, name, [i]);
        return;
      } catch (err) {
        if (!(err instanceof UseCaseShapeError)) throw err;
        first ??= err;
      }
    }
    throw first!.located(offsetInside(d, first!.at, 0), 'plaintext.');
  });
  return out;
}

/**
 * The plaintext of a protected read from its named values (the inverse of
 * decodeProtectedPlaintext): `variant` picks the twin shape where an object has one.
 */
export function encodeProtectedPlaintext(
  useCase: string,
  values: ProtectedPlaintext,
  variant: 'single' | 'twin' | 'polyphase' = 'single',
): Uint8Array {
  const names = protectedReadObjects(useCase);
  if (!names) throw new UseCaseUnknownError(`${useCase} is not a catalogued protected read`);
  return encodeDlmsData({
    type: 'structure',
    items: names.map((n) => encodeProtectedObject(n, values[n], variant)),
  });
}

/** One object's value as DLMS Data, in its variant's shape (throws UseCaseShapeError when it does not fit). */
export function encodeProtectedObject(
  name: ProtectedObjectName,
  value: unknown,
  variant: 'single' | 'twin' | 'polyphase' = 'single',
) {
  const { single, twin } = PROTECTED_OBJECTS[name].shapes as { single: Schema; twin?: Schema };
  return encodeData(variant === 'twin' && twin ? twin : single, value, name);
}

/** Field path -> unit of a protected read's named plaintext (array indexes as `[]`, as renderFields keys them). */
export function protectedReadUnits(useCase: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of protectedReadObjects(useCase) ?? [])
    for (const sc of shapesOf(name)) for (const l of schemaLeaves(sc, name)) if (l.unit) out[l.path] = l.unit;
  return out;
}
