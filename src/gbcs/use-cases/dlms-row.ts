/**
 * DLMS rows (ESME, CHF): a command is a list of COSEM accesses (get, get
 * with range selection, set, action) on the objects of cosem-objects.ts; an
 * alert is a data-notification whose body has a declared shape. Command and
 * response field types are derived from the access list (DlmsCommandFields,
 * DlmsResponseFields): `{ object: { attribute: value } }`.
 */
import { COSEM_OBJECTS, type rangeDescriptor } from './cosem-objects.ts';
import type { Schema, ValueOf } from './dlms-schema.ts';
import type { UseCaseRowBase } from './row.ts';

type Objects = typeof COSEM_OBJECTS;
export type CosemObjectName = keyof Objects;

export type DlmsAccessKind = 'get' | 'get-range' | 'set' | 'action';

export interface DlmsAccess<
  O extends string = string,
  M extends string = string,
  K extends DlmsAccessKind = DlmsAccessKind,
  S extends Schema = Schema,
> {
  object: O;
  member: M;
  kind: K;
  /** attribute (get/set) or method (action) id */
  id: number;
  classId: number;
  obis: string;
  /** Value schema: the attribute's value (get, set) or the method's parameter (action). */
  schema: S;
  /** For a method that returns data (get_protected_attributes, read device log): its shape. */
  returns?: Schema;
  /** May be left out of a command (e.g. labels 1..5 of ECS46a: any subset). */
  optional?: boolean;
}

type AttrOf<O extends CosemObjectName> = keyof Objects[O]['attributes'] & string;
type MethodOf<O extends CosemObjectName> = keyof Objects[O]['methods'] & string;
type AttrSchema<
  O extends CosemObjectName,
  A extends AttrOf<O>,
> = Objects[O]['attributes'][A] extends readonly [number, infer S extends Schema, ...unknown[]] ? S : never;
type MethodSchema<
  O extends CosemObjectName,
  A extends MethodOf<O>,
> = Objects[O]['methods'][A] extends readonly [number, infer S extends Schema, ...unknown[]] ? S : never;

function member(
  o: CosemObjectName,
  name: string,
  where: 'attributes' | 'methods',
): readonly [number, Schema, Schema?] {
  const obj = COSEM_OBJECTS[o] as unknown as {
    attributes: Record<string, readonly [number, Schema, Schema?]>;
    methods: Record<string, readonly [number, Schema, Schema?]>;
  };
  const m = obj[where][name];
  if (!m) throw new Error(`catalogue: ${o} has no ${where === 'methods' ? 'method' : 'attribute'} ${name}`);
  return m;
}

function access<K extends DlmsAccessKind>(
  kind: K,
  o: CosemObjectName,
  name: string,
  opts: { optional?: boolean },
): DlmsAccess<string, string, K> {
  const found = member(o, name, kind === 'action' ? 'methods' : 'attributes');
  const [id, schema] = found;
  const returns = found[2] as Schema | undefined;
  const obj = COSEM_OBJECTS[o];
  const a: DlmsAccess<string, string, K> = {
    object: o,
    member: name,
    kind,
    id,
    classId: obj.classId,
    obis: obj.obis,
    schema,
  };
  if (returns) a.returns = returns;
  if (opts.optional) a.optional = true;
  return a;
}

/** Access builders used by the rows. */
export const dlmsAccess = {
  get: <O extends CosemObjectName, A extends AttrOf<O>>(o: O, a: A, opts: { optional?: boolean } = {}) =>
    access('get', o, a, opts) as DlmsAccess<O, A, 'get', AttrSchema<O, A>>,
  getRange: <O extends CosemObjectName, A extends AttrOf<O>>(o: O, a: A, opts: { optional?: boolean } = {}) =>
    access('get-range', o, a, opts) as DlmsAccess<O, A, 'get-range', AttrSchema<O, A>>,
  set: <O extends CosemObjectName, A extends AttrOf<O>>(o: O, a: A, opts: { optional?: boolean } = {}) =>
    access('set', o, a, opts) as DlmsAccess<O, A, 'set', AttrSchema<O, A>>,
  action: <O extends CosemObjectName, A extends MethodOf<O>>(o: O, a: A, opts: { optional?: boolean } = {}) =>
    access('action', o, a, opts) as DlmsAccess<O, A, 'action', MethodSchema<O, A>>,
};

export interface DlmsCommandRow<
  A extends readonly DlmsAccess[] = readonly DlmsAccess[],
  U extends string = string,
> extends UseCaseRowBase {
  useCase: U;
  family: 'dlms';
  kind: 'command';
  accesses: A;
}

export interface DlmsAlertRow<B extends Schema = Schema, U extends string = string> extends UseCaseRowBase {
  useCase: U;
  family: 'dlms';
  kind: 'alert';
  /** The data-notification body (GBCS alert: alert code, time stamp, then the alert's own data). */
  body: B;
}

export type DlmsRow = DlmsCommandRow | DlmsAlertRow;

// ---------------------------------------------------------------- derived field types

type RequestValue<X> =
  X extends DlmsAccess<string, string, infer K, infer S>
    ? K extends 'get'
      ? null
      : K extends 'get-range'
        ? ValueOf<typeof rangeDescriptor>
        : ValueOf<S>
    : never;

/** Data-Access-Result / Action-Result: its Green Book name, or the number when it has none. */
export type DlmsResult =
  | 'success'
  | 'hardware-fault'
  | 'temporary-failure'
  | 'read-write-denied'
  | 'object-undefined'
  | 'object-class-inconsistent'
  | 'object-unavailable'
  | 'type-unmatched'
  | 'scope-of-access-violated'
  | 'data-block-unavailable'
  | 'long-operation-aborted'
  | 'no-long-operation-in-progress'
  | 'long-set-aborted'
  | 'no-long-set-in-progress'
  | 'data-block-number-invalid'
  | 'other-reason'
  | number;

type ResponseValue<X> =
  X extends DlmsAccess<string, string, infer K, infer S>
    ? K extends 'get' | 'get-range'
      ? { result: DlmsResult; value?: ValueOf<S> }
      : { result: DlmsResult }
    : never;

type Nest<A extends readonly DlmsAccess[], V extends 'request' | 'response'> = {
  [O in A[number]['object']]: {
    [X in Extract<A[number], { object: O }> as X['member']]: V extends 'request'
      ? RequestValue<X>
      : ResponseValue<X>;
  };
};

/** Named fields of a DLMS command: `{ object: { member: value } }` (a get carries null). */
export type DlmsCommandFields<R> = R extends DlmsCommandRow<infer A, string> ? Nest<A, 'request'> : never;
/** Named fields of a DLMS response: `{ object: { member: { result, value? } } }`. */
export type DlmsResponseFields<R> = R extends DlmsCommandRow<infer A, string> ? Nest<A, 'response'> : never;
/** Named fields of a DLMS alert body. */
export type DlmsAlertFields<R> = R extends DlmsAlertRow<infer B, string> ? ValueOf<B> : never;

/** A DLMS command row: `accesses` keeps its literal types so the field types can be derived. */
export function dlmsCommand<const A extends readonly DlmsAccess[], const U extends string>(
  row: Omit<DlmsCommandRow<A, U>, 'family' | 'kind'>,
): DlmsCommandRow<A, U> {
  return { ...row, family: 'dlms', kind: 'command' };
}

export function dlmsAlert<const B extends Schema, const U extends string>(
  row: Omit<DlmsAlertRow<B, U>, 'family' | 'kind'>,
): DlmsAlertRow<B, U> {
  return { ...row, family: 'dlms', kind: 'alert' };
}
