/**
 * XSD validation of DUIS documents against the DUIS Schema V5.4 (and the MMC
 * schema it imports), by running `xmllint --noout --nonet --schema <xsd> -`.
 * NOT PURE: it spawns a process and writes one small wrapper schema to a
 * temporary directory, which is why it lives apart from the codec.
 *
 * Offline validation: the DUIS XSD imports the XML Signature namespace from
 * `xmldsig-core-schema.xsd` beside itself, a file the DCC does not ship. The
 * wrapper schema imports that namespace first from
 * `src/duis/schemas/xmldsig-core-schema.xsd` (written for this project from
 * the W3C Recommendation), then the MMC and DUIS schemas by absolute file
 * URI; libxml2 then skips the DUIS XSD's own, unresolvable, import. The MMC
 * schema is imported explicitly because libxml2 does not resolve the DUIS
 * XSD's relative `MMC Schema V5.4.xsd` location (a name with spaces) against
 * the schema's file URI.
 *
 * xmllint comes from Debian's libxml2-utils (`apt-get install libxml2-utils`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DuisXsdUnavailableError } from './errors.ts';
import { DS_NS, RA_NS, SR_NS, screenXmlText, type XmlLimits } from './xml.ts';

export interface DuisXsdOptions extends XmlLimits {
  /** Directory holding `DUIS Schema V5.4.xsd` and `MMC Schema V5.4.xsd`. Default: $DUIS_XSD_DIR, else the fixtures. */
  xsdDir?: string;
  /** Default `xmllint` (from PATH). */
  xmllint?: string;
}

export interface XsdValidationResult {
  valid: boolean;
  /** xmllint's messages about the document (schema-loading notices removed). */
  errors: string[];
}

export const DUIS_XSD_FILE = 'DUIS Schema V5.4.xsd';
export const MMC_XSD_FILE = 'MMC Schema V5.4.xsd';

/** Local XML Signature schema (see schemas/xmldsig-core-schema.xsd). */
export const XMLDSIG_SCHEMA_PATH = fileURLToPath(
  new URL('./schemas/xmldsig-core-schema.xsd', import.meta.url),
);

function defaultXsdDir(): string {
  if (process.env.DUIS_XSD_DIR) return resolve(process.env.DUIS_XSD_DIR);
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const fixtures = process.env.PPMID_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
  return resolve(fixtures, 'duis', 'xsd');
}

/** Validates DUIS XML against the DUIS XSD with xmllint. One wrapper schema per instance. */
export class DuisXsdValidator {
  readonly xsdDir: string;
  readonly xmllint: string;
  #wrapper: string | undefined;

  constructor(options: DuisXsdOptions = {}) {
    this.xsdDir = options.xsdDir ?? defaultXsdDir();
    this.xmllint = options.xmllint ?? 'xmllint';
  }

  /** Path of the wrapper schema, written on first use. */
  wrapperSchemaPath(): string {
    if (this.#wrapper) return this.#wrapper;
    const duis = join(this.xsdDir, DUIS_XSD_FILE);
    const mmc = join(this.xsdDir, MMC_XSD_FILE);
    for (const f of [duis, mmc, XMLDSIG_SCHEMA_PATH]) {
      if (!existsSync(f)) throw new DuisXsdUnavailableError(`schema file not found: ${f}`);
    }
    const href = (p: string) => pathToFileURL(p).href.replace(/"/g, '%22');
    const xsd =
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ppmid-relay:duis-validation">\n` +
      `  <xs:import namespace="${DS_NS}" schemaLocation="${href(XMLDSIG_SCHEMA_PATH)}"/>\n` +
      `  <xs:import namespace="${RA_NS}" schemaLocation="${href(mmc)}"/>\n` +
      `  <xs:import namespace="${SR_NS}" schemaLocation="${href(duis)}"/>\n` +
      `</xs:schema>\n`;
    const dir = mkdtempSync(join(tmpdir(), 'ppmid-duis-xsd-'));
    const path = join(dir, 'duis-validation.xsd');
    writeFileSync(path, xsd);
    this.#wrapper = path;
    return path;
  }

  /**
   * Validates one document. Input is screened first like any untrusted DUIS
   * input (size limit, no DOCTYPE/entities), so xmllint never sees a DTD.
   */
  validate(input: string | Uint8Array, limits: XmlLimits = {}): XsdValidationResult {
    const text = screenXmlText(input, limits);
    const r = spawnSync(this.xmllint, ['--noout', '--nonet', '--schema', this.wrapperSchemaPath(), '-'], {
      input: text,
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.error) {
      const notFound = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new DuisXsdUnavailableError(
        notFound
          ? `xmllint not found (${this.xmllint}): install it with \`apt-get install libxml2-utils\``
          : `xmllint failed to run: ${r.error.message}`,
        { cause: r.error },
      );
    }
    const lines = (r.stderr ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/Skipping import of schema/.test(l) && l !== '- validates');
    if (r.status === 5)
      throw new DuisXsdUnavailableError(`DUIS schema failed to compile: ${lines.join('; ')}`);
    if (r.status === 0) return { valid: true, errors: [] };
    return { valid: false, errors: lines.filter((l) => l !== '- fails to validate') };
  }
}

let defaultValidator: DuisXsdValidator | undefined;

/**
 * Validates DUIS XML (request or response) against the DUIS V5.4 XSD with
 * xmllint, using the schemas in $DUIS_XSD_DIR or the fixtures.
 */
export function validateAgainstDuisXsd(
  input: string | Uint8Array,
  options: DuisXsdOptions = {},
): XsdValidationResult {
  if (options.xsdDir !== undefined || options.xmllint !== undefined) {
    return new DuisXsdValidator(options).validate(input, options);
  }
  defaultValidator ??= new DuisXsdValidator();
  return defaultValidator.validate(input, options);
}
