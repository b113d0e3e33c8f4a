/**
 * @xmldom/xmldom 0.9.x builds a regular expression from its grammar's parts
 * (`grammar.reg(...)`: the sources of large Unicode character classes joined
 * and compiled) for every end tag it parses (`sax.js`: the end-tag name
 * check) and for every `getMatch` in declarations: for a DUIS request that
 * was about a third of the parse (issue 17, bench dsp-e2e). The parts are
 * the grammar's own constants and the resulting expressions carry no `g` or
 * `y` flag (no `lastIndex` state), so one compiled expression per distinct
 * combination of parts gives the same matches.
 *
 * `cacheXmldomGrammarRegExps()` wraps `grammar.reg` (which sax.js calls
 * through the module object) with such a cache: keyed by the identity of
 * each RegExp part and the text of each string part, bounded (a combination
 * beyond `MAX_ENTRIES` is compiled as before, uncached). Nothing is cached if
 * the module does not look as expected (another xmldom version): the parser
 * then runs unchanged. Idempotent. Every check the parser makes is the same.
 */
import { createRequire } from 'node:module';

type Reg = (this: unknown, ...parts: Array<string | RegExp>) => RegExp;

/** Most cached expressions (xmldom 0.9.12 asks for fewer than ten distinct ones). */
export const MAX_ENTRIES = 256;

const CACHED = Symbol.for('ppmid-relay.xmldom-regexp-cache');

interface Grammar {
  reg?: Reg & { [CACHED]?: Map<string, RegExp> };
}

/** Wraps xmldom's `grammar.reg` with the cache; returns the cache (undefined if xmldom is not as expected). */
export function cacheXmldomGrammarRegExps(): Map<string, RegExp> | undefined {
  let grammar: Grammar;
  try {
    grammar = createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as Grammar;
  } catch {
    return undefined;
  }
  const original = grammar.reg;
  if (typeof original !== 'function') return undefined;
  if (original[CACHED]) return original[CACHED];
  const ids = new WeakMap<RegExp, number>();
  let nextId = 0;
  const cache = new Map<string, RegExp>();
  const cached = function (this: unknown, ...parts: Array<string | RegExp>): RegExp {
    let key = '';
    for (const p of parts) {
      if (typeof p === 'string') key += `s${p.length}:${p}`;
      else if (p instanceof RegExp) {
        let id = ids.get(p);
        if (id === undefined) {
          id = nextId++;
          ids.set(p, id);
        }
        key += `r${id};`;
      } else return original.apply(this, parts);
    }
    const hit = cache.get(key);
    if (hit) return hit;
    const made = original.apply(this, parts);
    // only stateless expressions are shared
    if (!made.global && !made.sticky && cache.size < MAX_ENTRIES) cache.set(key, made);
    return made;
  } as Reg & { [CACHED]?: Map<string, RegExp> };
  cached[CACHED] = cache;
  grammar.reg = cached;
  return cache;
}
