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
 * Sources: GBCS V3.1 use-case tables (the import register list with its
 * scaler_units, the prepayment register order), the RTDS reference
 * responses (types and element counts) and the emulator's own logs
 * (billing-data-log.ts, daily-read-log.ts, profile-log.ts,
 * block-counters.ts). Column NAMES marked PROVISIONAL below are not settled
 * by a source held here; their types and counts are.
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
/** The 8 TOU registers of each price block 1..4 (billing-data-log.ts). */
const blocks = {
  block1TouRegisters: registers(8),
  block2TouRegisters: registers(8),
  block3TouRegisters: registers(8),
  block4TouRegisters: registers(8),
};

export interface ProtectedObject {
  classId: number;
  obis: string;
  attribute: number;
  /** The value's shape on a single-element (and polyphase) ESME, and on a twin when it differs. */
  shapes: { single: Schema; twin?: Schema };
  doc: string;
}

const po = (classId: number, obis: string, doc: string, single: Schema, twin?: Schema): ProtectedObject => ({
  classId,
  obis,
  attribute: 2,
  shapes: twin ? { single, twin } : { single },
  doc,
});

export const PROTECTED_OBJECTS = {
  /** ECS17b: active import + scaler_unit, reactive import + scaler_unit, [twin] secondary active import. */
  importRegisters: po(
    1,
    '0-0:94.44.34.10',
    'import register list',
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
    s.struct({ touRegisters: s.array(wh()), secondaryTouRegisters: s.array(wh()) }, { optionalTail: 1 }),
  ),
  /** ECS17e: per block 1..4, its 8 TOU block registers then its 8 counters (block-counters.ts). */
  touBlockRegisters: po(
    1,
    '0-0:94.44.34.2',
    'TOU-with-blocks register list (PROVISIONAL: one flat array, per block 8 registers then 8 counters)',
    s.struct({ touBlockRegisters: s.array(s.u32()) }),
  ),
  /** ECS19 (GBCS order; the emulator's debt.ts DEBT_ITEM indexes it). */
  prepaymentRegisters: po(1, '0-0:94.44.34.30', 'prepayment register list', s.struct(prepaymentRegisters)),
  /** ECS20c (billing-data-log.ts): the register snapshot at each billing date. */
  billingRegisterLog: po(
    7,
    '0-0:98.1.0.255',
    'billing data log (billing calendar triggered, exc export): registers',
    s.compact(s.struct({ time: utcSeconds, activeImport: wh(), touRegisters: registers(48), ...blocks })),
    s.compact(
      s.struct({
        time: utcSeconds,
        activeImport: wh(),
        secondaryActiveImport: wh(),
        touRegisters: registers(48),
        secondaryTouRegisters: registers(4),
        ...blocks,
      }),
    ),
  ),
  /** ECS20c: balances at each billing date. PROVISIONAL column names (billing-data-log.ts). */
  billingFinancialLog: po(
    7,
    '0-0:98.1.1.255',
    'billing data log (billing calendar triggered): balances (PROVISIONAL column names)',
    s.compact(
      s.struct({
        time: utcSeconds,
        emergencyCreditBalance: pennies(),
        meterBalance: pennies(),
        paymentDebt: pennies(),
        timeDebt1: pennies(),
        timeDebt2: pennies(),
        accumulatedDebt: pennies(),
      }),
    ),
  ),
  /** ECS21a (daily-read-log.ts, PROVISIONAL object): import register(s) at each midnight. */
  importDailyReadLog: po(
    7,
    '0-0:98.1.9.255',
    'import daily read log (PROVISIONAL object)',
    s.compact(s.struct({ time: utcSeconds, activeImport: wh() })),
    s.compact(s.struct({ time: utcSeconds, activeImport: wh(), secondaryActiveImport: wh() })),
  ),
  /** ECS21b: the prepayment registers at each midnight. PROVISIONAL column names (the prepayment register list's). */
  prepaymentDailyReadLog: po(
    7,
    '0-0:98.1.8.255',
    'prepayment daily read log (PROVISIONAL column names)',
    s.compact(s.struct({ time: utcSeconds, ...prepaymentRegisters })),
  ),
  /** ECS22b (profile-log.ts): half-hour active import, [twin] secondary. */
  activeImportProfile: po(
    7,
    '0-0:99.1.0.255',
    'half-hour profile data (active import)',
    s.compact(s.struct({ time: utcSeconds, activeImport: wh() })),
    s.compact(s.struct({ time: utcSeconds, activeImport: wh(), secondaryActiveImport: wh() })),
  ),
  /** ECS66: the day's consumption at each midnight. */
  dailyConsumptionLog: po(
    7,
    '0-0:99.1.3.255',
    'daily consumption log',
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
