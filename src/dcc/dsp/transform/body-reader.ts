/**
 * Declarative DUIS body readers: a body shape is written once as a spec of
 * its XSD elements (name, occurrence, simple type) and read into named
 * values; every device SRV's transform reads its body through one of these
 * (one reader per body shape, STYLE.md: declarative tables). A body that
 * does not fit (missing or unknown element, value out of its XSD range) is
 * a DuisSchemaError with the element path; the transform turns it into
 * DSP_BODY_INVALID (DUIS E-code), never a 500.
 *
 * Types and ranges are those of DUIS Schema V5.4 (../shared/fixtures/duis/xsd).
 */
import {
  type DuisNode,
  DuisSchemaError,
  parseBase64,
  parseBoolean,
  parseDateTime,
  parseEui,
  parseHexBinary,
  parseInteger,
  SR_NS,
} from '../../../duis/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';

/** Reads one element (its text, attributes, children) at `path`. */
export type ValueReader<T> = (node: DuisNode, path: string) => T;

function textOf(node: DuisNode, path: string): string {
  if (node.children.length > 0) throw new DuisSchemaError('expected a simple value', path);
  return node.text ?? '';
}

/** xs:string (optionally with the XSD length bounds). */
export const str =
  (min = 0, max = Number.MAX_SAFE_INTEGER): ValueReader<string> =>
  (n, p) => {
    const t = textOf(n, p);
    if (t.length < min || t.length > max)
      throw new DuisSchemaError(`length ${t.length} is outside ${min}..${max}`, p);
    return t;
  };

/** An integer type with its XSD bounds (xs:unsignedShort: int(0, 65535)...). */
export const int =
  (min: number, max: number): ValueReader<number> =>
  (n, p) =>
    parseInteger(textOf(n, p), p, min, max);

/**
 * An integer type beyond the safe integers (xs:nonNegativeInteger bounded by
 * 2^63 - 1, the GBCS sequence numbers), as a bigint within [min, max].
 */
export const bigInteger =
  (min: bigint, max: bigint): ValueReader<bigint> =>
  (n, p) => {
    const t = textOf(n, p).trim();
    if (!/^[+-]?\d+$/.test(t)) throw new DuisSchemaError(`"${t}" is not an integer`, p);
    const v = BigInt(t);
    if (v < min || v > max) throw new DuisSchemaError(`${t} is outside ${min}..${max}`, p);
    return v;
  };

/** A simple-content element with an integer `index` attribute (XSD extensions with `index`). */
export function indexedValue<T>(
  read: ValueReader<T>,
  min: number,
  max: number,
): ValueReader<{ index: number; value: T }> {
  return (n, p) => {
    const raw = n.attributes.index;
    if (raw === undefined) throw new DuisSchemaError('attribute index missing', p);
    const index = int(min, max)({ ...n, children: [], text: raw }, `${p}/@index`);
    return { index, value: read(n, p) };
  };
}

export const bool: ValueReader<boolean> = (n, p) => parseBoolean(textOf(n, p), p);
export const dateTime: ValueReader<Date> = (n, p) => parseDateTime(textOf(n, p), p);
export const eui: ValueReader<Eui> = (n, p) => parseEui(textOf(n, p), p);
export const hex: ValueReader<Uint8Array> = (n, p) => parseHexBinary(textOf(n, p), p);
export const base64: ValueReader<Uint8Array> = (n, p) => parseBase64(textOf(n, p), p);

/** An enumeration: the text must be one of `values`. */
export function oneOf<const V extends string>(...values: V[]): ValueReader<V> {
  return (n, p) => {
    const t = textOf(n, p).trim();
    if (!(values as string[]).includes(t))
      throw new DuisSchemaError(`"${t}" is not one of ${values.join(', ')}`, p);
    return t as V;
  };
}

/** xs:time `hh:mm:ss[.ff][Z]` as seconds since midnight (DUIS times are UTC). */
export const timeOfDay: ValueReader<number> = (n, p) => {
  const t = textOf(n, p).trim();
  const m = /^(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]00:00)?$/.exec(t);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59)
    throw new DuisSchemaError(`"${t}" is not an xs:time (UTC)`, p);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
};

/** An element with no content (a flag such as `<sr:Credit/>`): true. */
export const empty: ValueReader<true> = (n, p) => {
  if (n.children.length > 0 || (n.text ?? '').trim() !== '') throw new DuisSchemaError('expected empty', p);
  return true;
};

// ---------------------------------------------------------------- complex types

interface ElementField<T> {
  kind: 'el';
  name: string;
  /** an inline xs:choice: any one of these element names */
  names?: readonly string[];
  read: ValueReader<T>;
  min: number;
  max: number;
}
interface AttrField<T> {
  kind: 'attr';
  name: string;
  read: (text: string, path: string) => T;
  optional: boolean;
}
type Field = ElementField<unknown> | AttrField<unknown>;
type Spec = Record<string, Field>;

/** Exactly one `name` element. */
export function one<T>(name: string, read: ValueReader<T>): ElementField<T> & { __o: 'one' } {
  return { kind: 'el', name, read, min: 1, max: 1 } as ElementField<T> & { __o: 'one' };
}
/** At most one `name` element. */
export function opt<T>(name: string, read: ValueReader<T>): ElementField<T> & { __o: 'opt' } {
  return { kind: 'el', name, read, min: 0, max: 1 } as ElementField<T> & { __o: 'opt' };
}
/** `min..max` `name` elements (in document order). */
export function many<T>(
  name: string,
  read: ValueReader<T>,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): ElementField<T> & { __o: 'many' } {
  return { kind: 'el', name, read, min, max, many: true } as unknown as ElementField<T> & { __o: 'many' };
}
/** An inline xs:choice of elements in a sequence: exactly one of them, as `{ which, value }`. */
export function alt<C extends Record<string, ValueReader<unknown>>>(
  alternatives: C,
): ElementField<{ which: keyof C & string; value: unknown }> & { __o: 'one' } {
  const names = Object.keys(alternatives);
  return {
    kind: 'el',
    name: names[0],
    names,
    read: (n: DuisNode, p: string) => ({ which: n.name, value: alternatives[n.name](n, p) }),
    min: 1,
    max: 1,
  } as unknown as ElementField<{ which: keyof C & string; value: unknown }> & { __o: 'one' };
}

/** An attribute of the element (e.g. `index`), an integer within bounds. */
export function attrInt(name: string, min: number, max: number): AttrField<number> & { __o: 'one' } {
  return {
    kind: 'attr',
    name,
    read: (t, p) => parseInteger(t, p, min, max),
    optional: false,
  } as AttrField<number> & { __o: 'one' };
}
export function attrStr(name: string): AttrField<string> & { __o: 'one' } {
  return { kind: 'attr', name, read: (t: string) => t, optional: false } as unknown as AttrField<string> & {
    __o: 'one';
  };
}

type ValueOfField<F> = F extends { __o: 'many'; read: ValueReader<infer T> }
  ? T[]
  : F extends ElementField<infer T>
    ? T
    : F extends AttrField<infer T>
      ? T
      : never;
type Req<S> = { [K in keyof S as S[K] extends { __o: 'opt' } ? never : K]: ValueOfField<S[K]> };
type Opt<S> = { [K in keyof S as S[K] extends { __o: 'opt' } ? K : never]?: ValueOfField<S[K]> };
export type ValueOfSpec<S> = Req<S> & Opt<S>;

/**
 * A complex type: its child elements in XSD sequence order (unknown or
 * misplaced children, missing mandatory ones and extra occurrences are
 * refused) and its attributes.
 */
export function group<S extends Spec>(spec: S): ValueReader<ValueOfSpec<S>> {
  // Everything about the spec is worked out once, here, not per body read.
  const fields = Object.entries(spec);
  const elements = fields.filter(([, f]) => f.kind === 'el') as [string, ElementField<unknown>][];
  /** Each element name's place in the sequence (the first field that takes it). */
  const slotOf = new Map<string, number>();
  elements.forEach(([, f], i) => {
    for (const name of f.names ?? [f.name]) if (!slotOf.has(name)) slotOf.set(name, i);
  });
  // Each child is then read by the field of its slot; if two fields took one name, each looks for its own.
  const shared = elements.some(([, f], i) => (f.names ?? [f.name]).some((n) => slotOf.get(n) !== i));
  return (node, path) => {
    if ((node.text ?? '').trim() !== '' && node.children.length === 0 && elements.length > 0)
      throw new DuisSchemaError('unexpected text content', path);
    let pos = 0;
    const bySlot: DuisNode[][] = elements.map(() => []);
    for (const c of node.children) {
      const idx = slotOf.get(c.name) ?? -1;
      if (idx < pos || c.namespace !== SR_NS)
        throw new DuisSchemaError(`unexpected or misplaced element ${c.name}`, `${path}/${c.name}`);
      pos = idx;
      bySlot[idx].push(c);
    }
    const out: Record<string, unknown> = {};
    let slot = -1;
    for (const [key, f] of fields) {
      if (f.kind === 'attr') {
        const t = node.attributes[f.name];
        if (t === undefined) {
          if (!f.optional) throw new DuisSchemaError(`attribute ${f.name} missing`, path);
          continue;
        }
        out[key] = f.read(t, `${path}/@${f.name}`);
        continue;
      }
      slot++;
      const names = f.names ?? [f.name];
      const found = shared
        ? node.children.filter((c) => names.includes(c.name) && c.namespace === SR_NS)
        : bySlot[slot];
      if (found.length < f.min) throw new DuisSchemaError(`${names.join(' or ')} missing`, path);
      if (found.length > f.max) throw new DuisSchemaError(`too many ${f.name} (max ${f.max})`, path);
      if ((f as { many?: boolean }).many)
        out[key] = found.map((c, i) =>
          f.read(c, found.length > 1 ? `${path}/${c.name}[${i + 1}]` : `${path}/${c.name}`),
        );
      else if (found.length === 1) out[key] = f.read(found[0], `${path}/${found[0].name}`);
    }
    return out as ValueOfSpec<S>;
  };
}

/** Exactly one of the alternatives (xs:choice), as `{ which, value }`. */
export function choice<C extends Record<string, ValueReader<unknown>>>(
  alternatives: C,
): ValueReader<
  { [K in keyof C]: { which: K; value: C[K] extends ValueReader<infer T> ? T : never } }[keyof C]
> {
  const names = Object.keys(alternatives);
  return (node, path) => {
    const found = node.children.filter((c) => names.includes(c.name) && c.namespace === SR_NS);
    const others = node.children.filter((c) => !names.includes(c.name) || c.namespace !== SR_NS);
    if (others.length > 0)
      throw new DuisSchemaError(`unexpected element ${others[0].name}`, `${path}/${others[0].name}`);
    if (found.length !== 1) throw new DuisSchemaError(`exactly one of ${names.join(', ')} expected`, path);
    const c = found[0];
    // biome-ignore lint/suspicious/noExplicitAny: the result type is computed from C above
    return { which: c.name, value: alternatives[c.name](c, `${path}/${c.name}`) } as any;
  };
}

/** A body reader: the Request/Body child must be `element`; the group spec reads its content. */
export function bodyReader<S extends Spec>(element: string, spec: S): (body: DuisNode) => ValueOfSpec<S> {
  const read = group(spec);
  return (body) => {
    if (body.name !== element || body.namespace !== SR_NS)
      throw new DuisSchemaError(`expected body element ${element}, found ${body.name}`, body.name);
    return read(body, element);
  };
}
