/**
 * Test support: facts read from the DUIS XSD fixture with @xmldom/xmldom, so
 * that tables in this module are checked against the schema rather than
 * against themselves. Used only by *.test.ts files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { DUIS_DIR } from '../../test/support/fixtures.ts';

export const DUIS_XSD_PATH = join(DUIS_DIR, 'xsd', 'DUIS Schema V5.4.xsd');
export const MMC_XSD_PATH = join(DUIS_DIR, 'xsd', 'MMC Schema V5.4.xsd');
const XS = 'http://www.w3.org/2001/XMLSchema';

type El = import('@xmldom/xmldom').Element;

function load() {
  const doc = new DOMParser().parseFromString(readFileSync(DUIS_XSD_PATH, 'utf8'), 'application/xml');
  const root = doc.documentElement!;
  const top = (kind: string) => {
    const m = new Map<string, El>();
    for (let n = root.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 1 && (n as El).localName === kind && (n as El).namespaceURI === XS) {
        m.set((n as El).getAttribute('name')!, n as El);
      }
    }
    return m;
  };
  return { complexTypes: top('complexType'), simpleTypes: top('simpleType') };
}

const { complexTypes, simpleTypes } = load();

function descendants(e: El, local: string): El[] {
  return Array.from(e.getElementsByTagNameNS(XS, local) as unknown as ArrayLike<El>);
}

/** Enumeration values of a named simple type, with the comment that follows each (the CV annotation). */
export function enumeration(typeName: string): Array<{ value: string; comment: string | undefined }> {
  const t = simpleTypes.get(typeName);
  if (!t) throw new Error(`no simpleType ${typeName}`);
  const restriction = descendants(t, 'restriction')[0];
  const out: Array<{ value: string; comment: string | undefined }> = [];
  for (let n = restriction.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as El).localName === 'enumeration') {
      out.push({ value: (n as El).getAttribute('value')!, comment: undefined });
    } else if (n.nodeType === 8 && out.length > 0 && out[out.length - 1].comment === undefined) {
      out[out.length - 1].comment = (n as unknown as { data: string }).data.trim();
    }
  }
  return out;
}

/** The element children (name, type) of the `xs:choice` of an element `elementName` inside complexType `typeName`. */
export function choiceOf(
  typeName: string,
  elementName: string,
): Array<{ name: string; type: string | null }> {
  const t = complexTypes.get(typeName)!;
  const holder = descendants(t, 'element').find((e) => e.getAttribute('name') === elementName)!;
  const choice = descendants(holder, 'choice')[0];
  const out: Array<{ name: string; type: string | null }> = [];
  for (let n = choice.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as El).localName === 'element') {
      out.push({ name: (n as El).getAttribute('name')!, type: (n as El).getAttribute('type') });
    }
  }
  return out;
}

/** 'optional' | 'mandatory' | 'none': whether a complex type (or its bases) declares ExecutionDateTime. */
export function futureDatingOfType(typeName: string, depth = 0): 'none' | 'optional' | 'mandatory' {
  const t = complexTypes.get(typeName.replace(/^sr:/, ''));
  if (!t || depth > 8) return 'none';
  for (const e of descendants(t, 'element')) {
    if (e.getAttribute('name') === 'ExecutionDateTime') {
      return e.getAttribute('minOccurs') === '0' ? 'optional' : 'mandatory';
    }
  }
  for (const ext of descendants(t, 'extension')) {
    const r = futureDatingOfType(ext.getAttribute('base')!, depth + 1);
    if (r !== 'none') return r;
  }
  return 'none';
}
