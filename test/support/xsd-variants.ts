/**
 * Test support (issue 17): a seeded, deterministic generator of XSD-valid
 * DUIS Request bodies, read from the DUIS XSD itself (the project's XML
 * parser, src/duis/xml.ts), not hand-written per SRV.
 *
 * For a body element of the Request/Body choice it walks the element's
 * complex type (sequences, choices, complexContent extensions of the
 * abstract bases, simpleContent, attributes) and writes a handful of
 * variants, coverage-guided:
 * - variant 0 is the minimal body (every optional element and attribute
 *   absent, repeated elements at minOccurs, the low boundary of each value);
 * - variant 1 the maximal one (all present, repeated elements at maxOccurs,
 *   capped, the high boundary of each value);
 * - the others random (seeded): optionals present or not, occurrences and
 *   values drawn inside the restrictions;
 * - at every xs:choice the generator takes a branch no earlier variant of the
 *   same body took, and more variants are written (up to `maxVariants`) while
 *   a reachable branch is left; enumerations likewise prefer a value not yet
 *   written.
 *
 * Values come from the simple types' restrictions: enumerations, the XSD
 * regular expressions the schema uses (a small sampler: classes, groups,
 * alternation, quantifiers), min/max/exact lengths, inclusive/exclusive
 * bounds, total and fraction digits, the built-in types' own ranges.
 * Conventions that keep a body meaningful without leaving the schema:
 * repeated elements with a required integer attribute (`index`,
 * `identifier`, ...) number it 1, 2, ... in order; an `ExecutionDateTime`
 * lies after `now`, other date-times before it and increasing in document
 * order (a period's start before its end); a value of a named simple type
 * listed in `typeValues` is taken from there (the estate's devices for
 * `sr:EUI`, real X.509 certificates for `sr:Certificate`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuisNode, el, parseXmlDocument, toDuisNode } from '../../src/duis/xml.ts';
import { SeededRandom } from '../../src/runtime/random.ts';
import { DUIS_DIR } from './fixtures.ts';

export const DUIS_XSD = join(DUIS_DIR, 'xsd', 'DUIS Schema V5.4.xsd');
const XS = 'http://www.w3.org/2001/XMLSchema';

type Mode = 'min' | 'max' | 'random';

/** One generated body, with what it exercises. */
export interface BodyVariant {
  /** 0-based, per body element. */
  index: number;
  mode: Mode;
  body: DuisNode;
  /** The choice branches this variant took (`<type path>: <branch element>`). */
  branches: string[];
}

export interface VariantOptions {
  seed?: string;
  /** Date-times are placed around it (ms since the epoch). */
  now: number;
  /** Values for simple types by name (e.g. `EUI`: DUIS-form EUIs of the estate; `Certificate`: base64 X.509). */
  typeValues?: Readonly<Record<string, readonly string[]>>;
  /** At least this many variants (default 3). */
  minVariants?: number;
  /** At most this many (default 8). */
  maxVariants?: number;
}

/** The schema read once: named complex and simple types, and the Request/Body choice. */
interface Schema {
  complexTypes: Map<string, DuisNode>;
  simpleTypes: Map<string, DuisNode>;
  /** Request/Body choice: body element name -> its declaration. */
  bodyElements: Map<string, DuisNode>;
}

const isXs = (n: DuisNode, local: string) => n.namespace === XS && n.name === local;
const xsKids = (n: DuisNode, local?: string) =>
  n.children.filter((c) => c.namespace === XS && (local === undefined || c.name === local));
const local = (qname: string) => qname.slice(qname.indexOf(':') + 1);
const prefixOf = (qname: string) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '');

let SCHEMA: Schema | undefined;

export function duisSchema(): Schema {
  if (SCHEMA) return SCHEMA;
  const doc = parseXmlDocument(readFileSync(DUIS_XSD, 'utf8'), { maxBytes: 4 * 1024 * 1024 });
  const root = toDuisNode(doc.documentElement as never, 'xs:schema');
  const complexTypes = new Map<string, DuisNode>();
  const simpleTypes = new Map<string, DuisNode>();
  for (const c of root.children) {
    if (isXs(c, 'complexType')) complexTypes.set(c.attributes.name, c);
    if (isXs(c, 'simpleType')) simpleTypes.set(c.attributes.name, c);
  }
  const request = complexTypes.get('Request');
  if (!request) throw new Error('DUIS XSD: no complexType Request');
  const body = findElement(request, 'Body');
  const choice = body && xsKids(xsKids(body, 'complexType')[0], 'choice')[0];
  if (!choice) throw new Error('DUIS XSD: no Request/Body choice');
  const bodyElements = new Map(xsKids(choice, 'element').map((e) => [e.attributes.name, e]));
  SCHEMA = { complexTypes, simpleTypes, bodyElements };
  return SCHEMA;
}

function findElement(n: DuisNode, name: string): DuisNode | undefined {
  for (const c of n.children) {
    if (isXs(c, 'element') && c.attributes.name === name) return c;
    const f = findElement(c, name);
    if (f) return f;
  }
  return undefined;
}

// ---------------------------------------------------------------- simple types

interface Facets {
  base: string;
  enumeration?: string[];
  patterns: string[];
  length?: number;
  minLength?: number;
  maxLength?: number;
  minInclusive?: string;
  maxInclusive?: string;
  minExclusive?: string;
  maxExclusive?: string;
  totalDigits?: number;
  fractionDigits?: number;
}

/** The facets of a simple type (named `sr:X`, built-in `xs:y`, or an inline xs:simpleType), bases merged in. */
function facetsOf(s: Schema, type: string | DuisNode): Facets {
  if (typeof type === 'string') {
    if (prefixOf(type) === 'xs') return { base: local(type), patterns: [] };
    const named = s.simpleTypes.get(local(type));
    if (!named) throw new Error(`DUIS XSD: no simpleType ${type}`);
    return facetsOf(s, named);
  }
  const r = xsKids(type, 'restriction')[0];
  if (!r) throw new Error(`DUIS XSD: simpleType ${type.attributes.name ?? '(inline)'} is not a restriction`);
  const inner = r.attributes.base ? facetsOf(s, r.attributes.base) : facetsOf(s, xsKids(r, 'simpleType')[0]);
  const f: Facets = { ...inner, patterns: [...inner.patterns] };
  const enums: string[] = [];
  for (const c of xsKids(r)) {
    const v = c.attributes.value;
    switch (c.name) {
      case 'enumeration':
        enums.push(v);
        break;
      case 'pattern':
        f.patterns.push(v);
        break;
      case 'length':
      case 'minLength':
      case 'maxLength':
      case 'totalDigits':
      case 'fractionDigits':
        f[c.name] = Number(v);
        break;
      case 'minInclusive':
      case 'maxInclusive':
      case 'minExclusive':
      case 'maxExclusive':
        f[c.name] = v;
        break;
    }
  }
  if (enums.length > 0) f.enumeration = enums;
  return f;
}

const INT_RANGES: Record<string, [bigint | null, bigint | null]> = {
  integer: [null, null],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  positiveInteger: [1n, null],
  nonNegativeInteger: [0n, null],
  nonPositiveInteger: [null, 0n],
  negativeInteger: [null, -1n],
};

/** Bounds of an integer or decimal value, in units of 10^-fractionDigits. */
function scaledBounds(f: Facets, scale: number): [bigint, bigint] {
  const unit = 10n ** BigInt(scale);
  const toScaled = (v: string, up: boolean): bigint => {
    const [i, frac = ''] = v.split('.');
    const neg = i.startsWith('-');
    const fracDigits = (frac + '0'.repeat(scale)).slice(0, scale);
    let n = BigInt(i.replace('-', '') || '0') * unit + BigInt(fracDigits || '0');
    if (neg) n = -n;
    // a bound with more fraction digits than the scale: round inwards
    if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) n += up ? 1n : 0n;
    return n;
  };
  const builtin = INT_RANGES[f.base] ?? [null, null];
  let lo = builtin[0] === null ? null : builtin[0] * unit;
  let hi = builtin[1] === null ? null : builtin[1] * unit;
  const tighten = (v: bigint | null, isLo: boolean) => {
    if (v === null) return;
    if (isLo) lo = lo === null || v > lo ? v : lo;
    else hi = hi === null || v < hi ? v : hi;
  };
  if (f.minInclusive !== undefined) tighten(toScaled(f.minInclusive, true), true);
  if (f.maxInclusive !== undefined) tighten(toScaled(f.maxInclusive, false), false);
  if (f.minExclusive !== undefined) tighten(toScaled(f.minExclusive, false) + 1n, true);
  if (f.maxExclusive !== undefined) tighten(toScaled(f.maxExclusive, true) - 1n, false);
  if (f.totalDigits !== undefined) {
    const m = 10n ** BigInt(f.totalDigits) - 1n;
    tighten(-m, true);
    tighten(m, false);
  }
  // open ends: a large value still inside every built-in range
  const open = 10n ** BigInt(Math.min(9, f.totalDigits ?? 9)) - 1n;
  return [lo ?? -open, hi ?? (lo !== null && lo > open ? lo + open : open)];
}

function formatScaled(n: bigint, scale: number): string {
  if (scale === 0) return n.toString();
  const neg = n < 0n;
  const a = (neg ? -n : n).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${a.slice(0, -scale)}.${a.slice(-scale)}`;
}

function pickBig(rng: SeededRandom, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  let r = 0n;
  for (let i = 0; i < 3; i++) r = (r << 32n) | BigInt(rng.nextUint32());
  return lo + (r % span);
}

// ---------------------------------------------------------------- a sampler of XSD regular expressions

type Re =
  | { k: 'seq'; items: Array<{ atom: Re; min: number; max: number }> }
  | { k: 'alt'; options: Re[] }
  | { k: 'set'; chars: string };

function parseRegex(src: string): Re {
  let i = 0;
  const alt = (): Re => {
    const options = [seq()];
    while (src[i] === '|') {
      i++;
      options.push(seq());
    }
    return options.length === 1 ? options[0] : { k: 'alt', options };
  };
  const seq = (): Re => {
    const items: Array<{ atom: Re; min: number; max: number }> = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const atom = atomAt();
      let min = 1;
      let max = 1;
      const q = src[i];
      if (q === '*' || q === '+' || q === '?') {
        i++;
        [min, max] = q === '*' ? [0, Infinity] : q === '+' ? [1, Infinity] : [0, 1];
      } else if (q === '{') {
        const end = src.indexOf('}', i);
        const [a, b] = src.slice(i + 1, end).split(',');
        min = Number(a);
        max = b === undefined ? min : b === '' ? Infinity : Number(b);
        i = end + 1;
      }
      items.push({ atom, min, max });
    }
    return { k: 'seq', items };
  };
  const escaped = (c: string): string => {
    if (c === 'd') return '0123456789';
    if (c === 's') return ' ';
    if (c === 'w') return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    return c;
  };
  const atomAt = (): Re => {
    const c = src[i++];
    if (c === '(') {
      const r = alt();
      if (src[i++] !== ')') throw new Error(`regex ${src}: unbalanced (`);
      return r;
    }
    if (c === '\\') return { k: 'set', chars: escaped(src[i++]) };
    if (c === '.') return { k: 'set', chars: 'abcXYZ019 -' };
    if (c !== '[') return { k: 'set', chars: c };
    if (src[i] === '^') throw new Error(`regex ${src}: negated classes are not sampled`);
    let chars = '';
    while (src[i] !== ']') {
      let a = src[i++];
      if (a === '\\') a = escaped(src[i++]);
      if (src[i] === '-' && src[i + 1] !== ']' && a.length === 1) {
        const b = src[i + 1];
        i += 2;
        for (let x = a.charCodeAt(0); x <= b.charCodeAt(0); x++) chars += String.fromCharCode(x);
      } else chars += a;
    }
    i++;
    return { k: 'set', chars };
  };
  const r = alt();
  if (i !== src.length) throw new Error(`regex ${src}: trailing text at ${i}`);
  return r;
}

/** A string the expression matches; an unbounded repeat runs to `budget` at most (min mode: its minimum). */
function sampleRegex(re: Re, rng: SeededRandom, mode: Mode, budget: number): string {
  switch (re.k) {
    case 'set':
      return mode === 'min' ? re.chars[0] : mode === 'max' ? re.chars.at(-1)! : rng.pick([...re.chars]);
    case 'alt':
      return sampleRegex(
        mode === 'min' ? re.options[0] : mode === 'max' ? re.options.at(-1)! : rng.pick(re.options),
        rng,
        mode,
        budget,
      );
    case 'seq': {
      let out = '';
      for (const { atom, min, max } of re.items) {
        const top = Math.min(max, min + Math.max(0, budget));
        const n = mode === 'min' ? min : mode === 'max' ? top : rng.range(min, top);
        for (let j = 0; j < n; j++) out += sampleRegex(atom, rng, mode, budget);
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------- the walk

interface Walk {
  s: Schema;
  rng: SeededRandom;
  mode: Mode;
  now: number;
  typeValues: Readonly<Record<string, readonly string[]>>;
  /** Choice branches taken by earlier variants of the same body (`choice id#branch`). */
  covered: Set<string>;
  /** Choice branches seen (reachable) so far: id -> branch count. */
  seenChoices: Map<string, number>;
  /** The choices met beneath each branch (`choice id#branch` -> choice ids), learned by earlier walks. */
  below: Map<string, Set<string>>;
  /** The branches the walk is inside now (`choice id#branch`). */
  inside: string[];
  /** Enumeration values written by earlier variants (`type#value`). */
  coveredValues: Set<string>;
  branches: string[];
  /** Date-times written so far in this document (to keep them increasing). */
  dateSeq: number;
  /** Repetition depth: caps the occurrences of nested repeated elements. */
  repeatDepth: number;
}

const ids = new WeakMap<DuisNode, string>();
let nextId = 0;
const idOf = (n: DuisNode) => {
  let id = ids.get(n);
  if (!id) {
    id = `c${nextId++}`;
    ids.set(n, id);
  }
  return id;
};

function occurs(w: Walk, n: DuisNode): number {
  const min = Number(n.attributes.minOccurs ?? '1');
  const maxA = n.attributes.maxOccurs ?? '1';
  const cap = w.repeatDepth > 0 ? 4 : 48;
  const max = Math.min(maxA === 'unbounded' ? 3 : Number(maxA), Math.max(cap, min));
  if (w.mode === 'min') return min;
  if (w.mode === 'max') return max;
  if (min === 0 && max === 1) return w.rng.chance(0.5) ? 1 : 0;
  return w.rng.range(min, max);
}

/** Children of an element for one occurrence of a particle (xs:element, xs:sequence, xs:choice). */
function particle(w: Walk, p: DuisNode, path: string, out: DuisNode[]): void {
  const n = occurs(w, p);
  if (isXs(p, 'element')) {
    if (n > 1) w.repeatDepth++;
    for (let k = 0; k < n; k++)
      out.push(element(w, p, `${path}/${p.attributes.name}`, n > 1 ? k : undefined));
    if (n > 1) w.repeatDepth--;
    return;
  }
  for (let k = 0; k < n; k++) {
    if (isXs(p, 'sequence')) for (const c of xsKids(p)) if (!isXs(c, 'annotation')) particle(w, c, path, out);
    if (isXs(p, 'choice')) {
      const options = xsKids(p).filter((c) => !isXs(c, 'annotation'));
      const id = idOf(p);
      w.seenChoices.set(id, options.length);
      for (const k of w.inside) w.below.get(k)?.add(id) ?? w.below.set(k, new Set([id]));
      let pick = options.findIndex((_o, j) => !w.covered.has(`${id}#${j}`));
      // every branch taken: go down one that leads to a choice with a branch not taken yet (directed)
      if (pick < 0) pick = options.findIndex((_o, j) => untakenBelow(w, `${id}#${j}`));
      if (pick < 0)
        pick = w.mode === 'min' ? 0 : w.mode === 'max' ? options.length - 1 : w.rng.int(options.length);
      const key = `${id}#${pick}`;
      w.covered.add(key);
      const o = options[pick];
      w.branches.push(`${path}: ${o.attributes.name ?? o.name}`);
      w.inside.push(key);
      particle(w, o, path, out);
      w.inside.pop();
    }
  }
}

/** Whether a choice met beneath branch `key` (by an earlier walk) still has a branch not taken. */
function untakenBelow(w: Walk, key: string): boolean {
  for (const id of w.below.get(key) ?? []) {
    const count = w.seenChoices.get(id) ?? 0;
    for (let j = 0; j < count; j++) if (!w.covered.has(`${id}#${j}`)) return true;
  }
  return false;
}

/** One occurrence of an element declaration; `nth`: its position among repeated siblings. */
function element(w: Walk, decl: DuisNode, path: string, nth?: number): DuisNode {
  const name = decl.attributes.name;
  if (!name) throw new Error(`${path}: element refs are not generated`);
  const type = decl.attributes.type;
  if (type && prefixOf(type) === 'xs') return el(name, value(w, facetsOf(w.s, type), name, type));
  if (type && w.s.simpleTypes.has(local(type))) return el(name, value(w, facetsOf(w.s, type), name, type));
  const ct = type ? w.s.complexTypes.get(local(type)) : xsKids(decl, 'complexType')[0];
  if (ct) return complex(w, ct, name, path, nth, type ?? path);
  const st = xsKids(decl, 'simpleType')[0];
  if (st) return el(name, value(w, facetsOf(w.s, st), name, path));
  if (!type) return el(name, []); // no type: anyType, left empty
  throw new Error(`${path}: unknown type ${type}`);
}

function complex(
  w: Walk,
  ct: DuisNode,
  name: string,
  path: string,
  nth: number | undefined,
  typeId: string,
): DuisNode {
  const children: DuisNode[] = [];
  const attributes: Record<string, string> = {};
  let text: string | undefined;
  const attribute = (a: DuisNode) => {
    const required = a.attributes.use === 'required';
    if (!required && (w.mode === 'min' || (w.mode === 'random' && w.rng.chance(0.5)))) return;
    const f = a.attributes.type
      ? facetsOf(w.s, a.attributes.type)
      : facetsOf(w.s, xsKids(a, 'simpleType')[0]);
    // repeated siblings number their integer attribute in order (index="1", "2", ...)
    if (nth !== undefined && INT_RANGES[f.base] && !f.enumeration) {
      const [lo] = scaledBounds(f, 0);
      attributes[a.attributes.name] = (lo + BigInt(nth)).toString();
    } else attributes[a.attributes.name] = value(w, f, a.attributes.name, `${typeId}@${a.attributes.name}`);
  };
  const content = (holder: DuisNode) => {
    for (const c of xsKids(holder)) {
      if (isXs(c, 'sequence') || isXs(c, 'choice') || isXs(c, 'element')) particle(w, c, path, children);
      else if (isXs(c, 'attribute')) attribute(c);
      else if (isXs(c, 'all')) throw new Error(`${path}: xs:all is not generated`);
    }
  };
  const extendOrRestrict = (holder: DuisNode) => {
    const ext = xsKids(holder).find((c) => c.name === 'extension' || c.name === 'restriction')!;
    return ext;
  };
  const cc = xsKids(ct, 'complexContent')[0];
  const sc = xsKids(ct, 'simpleContent')[0];
  if (cc) {
    const ext = extendOrRestrict(cc);
    const base = w.s.complexTypes.get(local(ext.attributes.base));
    if (!base) throw new Error(`${path}: no complexType ${ext.attributes.base}`);
    if (ext.name === 'extension') {
      const inner = complex(w, base, name, path, nth, ext.attributes.base);
      children.push(...inner.children);
      Object.assign(attributes, inner.attributes);
    }
    content(ext);
  } else if (sc) {
    const ext = extendOrRestrict(sc);
    text = value(w, facetsOf(w.s, ext.attributes.base), name, ext.attributes.base);
    content(ext);
  } else content(ct);
  if (text !== undefined) return el(name, text, attributes);
  return el(name, children, attributes);
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const HOUR = 3_600_000;

/** A value of a simple type (its facets), named for messages and coverage by `typeId`. */
function value(w: Walk, f: Facets, elementName: string, typeId: string): string {
  const { rng, mode } = w;
  if (f.enumeration) {
    const fresh = f.enumeration.filter((v) => !w.coveredValues.has(`${typeId}#${v}`));
    const from = fresh.length > 0 ? fresh : f.enumeration;
    const v = mode === 'min' ? from[0] : mode === 'max' ? from.at(-1)! : rng.pick(from);
    w.coveredValues.add(`${typeId}#${v}`);
    return v;
  }
  const pool = w.typeValues[local(typeId)];
  if (pool && pool.length > 0)
    return mode === 'min' ? pool[0] : mode === 'max' ? pool.at(-1)! : rng.pick(pool);
  const lenLo = f.length ?? f.minLength ?? 0;
  const lenHi = f.length ?? f.maxLength;
  if (f.patterns.length > 0) {
    const re = parseRegex(f.patterns[0]);
    const budget = Math.min(lenHi ?? 24, 24);
    for (let tries = 0; tries < 64; tries++) {
      const v = sampleRegex(re, rng, tries === 0 ? mode : 'random', budget);
      if (v.length >= lenLo && (lenHi === undefined || v.length <= lenHi)) return v;
    }
    throw new Error(`${typeId}: no sample of /${f.patterns[0]}/ within lengths ${lenLo}..${lenHi}`);
  }
  switch (f.base) {
    case 'boolean':
      return mode === 'min' ? 'false' : mode === 'max' ? 'true' : rng.pick(['true', 'false']);
    case 'dateTime':
    case 'date': {
      // ExecutionDateTime after now; other date-times before now, increasing in document order
      const seq = w.dateSeq++;
      const spread = mode === 'min' ? 0 : mode === 'max' ? 23 : rng.int(24);
      const t =
        elementName === 'ExecutionDateTime'
          ? w.now + (1 + spread) * HOUR
          : w.now - 30 * 24 * HOUR + (seq * 24 + spread) * HOUR;
      const d = new Date(t);
      const day = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
      return f.base === 'date' ? day : `${day}T${pad2(d.getUTCHours())}:00:00Z`;
    }
    case 'time':
      return mode === 'min'
        ? '00:00:00'
        : mode === 'max'
          ? '23:59:59'
          : `${pad2(rng.int(24))}:${pad2(rng.int(4) * 15)}:00`;
    case 'hexBinary':
    case 'base64Binary': {
      const n =
        mode === 'min'
          ? lenLo
          : mode === 'max'
            ? Math.min(lenHi ?? 32, 64)
            : rng.range(lenLo, Math.min(lenHi ?? 16, 64));
      const bytes = rng.bytes(n);
      return f.base === 'hexBinary'
        ? Buffer.from(bytes).toString('hex').toUpperCase()
        : Buffer.from(bytes).toString('base64');
    }
    case 'string':
    case 'token':
    case 'normalizedString': {
      const hi = Math.min(lenHi ?? 40, 64);
      const n = mode === 'min' ? lenLo : mode === 'max' ? hi : rng.range(lenLo, hi);
      const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = 0; i < n; i++) s += rng.pick([...abc]);
      return s;
    }
    case 'decimal': {
      const scale = f.fractionDigits ?? (mode === 'random' ? 2 : 0);
      const [lo, hi] = scaledBounds(f, scale);
      return formatScaled(mode === 'min' ? lo : mode === 'max' ? hi : pickBig(rng, lo, hi), scale);
    }
    default: {
      if (!INT_RANGES[f.base]) throw new Error(`${typeId}: built-in xs:${f.base} is not generated`);
      const [lo, hi] = scaledBounds(f, 0);
      return (mode === 'min' ? lo : mode === 'max' ? hi : pickBig(rng, lo, hi)).toString();
    }
  }
}

/**
 * Variants of the body element `bodyElement` (a Request/Body choice element
 * name, e.g. `ReadInstantaneousImportRegisters`): at least `minVariants`,
 * more while a reachable choice branch is left untaken, at most `maxVariants`.
 */
export function bodyVariants(
  bodyElement: string,
  o: VariantOptions,
): { variants: BodyVariant[]; choiceBranches: number; untakenBranches: number } {
  const s = duisSchema();
  const decl = s.bodyElements.get(bodyElement);
  if (!decl) throw new Error(`DUIS XSD: ${bodyElement} is not a Request/Body element`);
  const rng = new SeededRandom(`${o.seed ?? 'xsd-variants'}:${bodyElement}`);
  const covered = new Set<string>();
  const seenChoices = new Map<string, number>();
  const below = new Map<string, Set<string>>();
  const coveredValues = new Set<string>();
  const out: BodyVariant[] = [];
  const min = o.minVariants ?? 3;
  const max = o.maxVariants ?? 8;
  const untaken = () => {
    let n = 0;
    for (const [id, count] of seenChoices)
      for (let j = 0; j < count; j++) if (!covered.has(`${id}#${j}`)) n++;
    return n;
  };
  for (let index = 0; index < max && (index < min || untaken() > 0); index++) {
    const mode: Mode = index === 0 ? 'min' : index === 1 ? 'max' : 'random';
    const w: Walk = {
      s,
      rng: rng.fork(String(index)),
      mode,
      now: o.now,
      typeValues: o.typeValues ?? {},
      covered,
      seenChoices,
      below,
      inside: [],
      coveredValues,
      branches: [],
      dateSeq: 0,
      repeatDepth: 0,
    };
    const body = element(w, decl, bodyElement);
    out.push({ index, mode, body, branches: w.branches });
  }
  const choiceBranches = [...seenChoices.values()].reduce((a, b) => a + b, 0);
  return { variants: out, choiceBranches, untakenBranches: untaken() };
}
