/**
 * xmldom's grammar expressions compiled once (xmldom-regexp-cache.ts): the
 * cache is in place once the DUIS XML module is loaded, fills with a handful
 * of expressions however many documents are parsed, gives the parser the
 * same answers, and ill-formed end tags are still refused.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DUIS_DIR } from '../../test/support/fixtures.ts';
import { DuisMalformedError } from './errors.ts';
import { parseXmlDocument } from './xml.ts';
import { cacheXmldomGrammarRegExps, MAX_ENTRIES } from './xmldom-regexp-cache.ts';

const grammar = createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as {
  reg: (...parts: Array<string | RegExp>) => RegExp;
  QName_group: RegExp;
  S_OPT: RegExp;
};

describe('xmldom grammar expressions compiled once', () => {
  it('is installed by the DUIS XML module, once (idempotent)', () => {
    const cache = cacheXmldomGrammarRegExps();
    assert.ok(cache, 'xmldom 0.9 exposes grammar.reg');
    assert.equal(cacheXmldomGrammarRegExps(), cache);
  });

  it('hands out one expression per combination of parts, matching as the original', () => {
    const a = grammar.reg('^', grammar.QName_group, grammar.S_OPT, '$');
    const b = grammar.reg('^', grammar.QName_group, grammar.S_OPT, '$');
    assert.equal(a, b);
    assert.notEqual(grammar.reg('^', grammar.QName_group), a);
    assert.equal(a.global || a.sticky, false);
    for (const name of ['sr:Request', 'Body ', 'a:b:c', '1abc', 'ns:'])
      assert.equal(
        a.test(name),
        new RegExp(`^${grammar.QName_group.source}${grammar.S_OPT.source}$`, a.flags).test(name),
        name,
      );
  });

  it('stays small over many documents, and the parse is unchanged', () => {
    const cache = cacheXmldomGrammarRegExps()!;
    const files = readdirSync(join(DUIS_DIR, 'templates')).filter((f) => f.endsWith('.XML'));
    assert.ok(files.length > 50);
    for (const f of files) {
      const text = readFileSync(join(DUIS_DIR, 'templates', f), 'utf8');
      const doc = parseXmlDocument(text);
      assert.ok(doc.documentElement, f);
    }
    assert.ok(cache.size > 0 && cache.size < 16, `cache holds ${cache.size} expressions`);
    assert.ok(cache.size <= MAX_ENTRIES);
  });

  it('still refuses ill-formed end tags', () => {
    for (const bad of [
      '<a><b></c></a>', // mismatched
      '<a></a b>', // trailing content in the end tag
      '<a></1a>', // not a name
      '<a></a\nx>', // a line break then content
    ])
      assert.throws(() => parseXmlDocument(bad), DuisMalformedError, bad);
  });
});
