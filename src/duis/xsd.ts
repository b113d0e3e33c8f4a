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
 * It is the reference validator (the tests check emitted XML with it); the
 * DSP validates in process with `xsd-inprocess.ts` (libxml2 compiled to
 * WebAssembly, the schema compiled once per process), which composes the
 * same schema set with `duisValidationSchema`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DuisXsdUnavailableError } from './errors.ts';
import { DS_NS, RA_NS, SR_NS, screenXmlText, type XmlDocument, type XmlLimits } from './xml.ts';

export interface DuisXsdOptions extends XmlLimits {
  /** Directory holding `DUIS Schema V5.4.xsd` and `MMC Schema V5.4.xsd`. Default: $DUIS_XSD_DIR, else the fixtures. */
  xsdDir?: string;
  /** Default `xmllint` (from PATH). */
  xmllint?: string;
}

export interface XsdValidationResult {
  valid: boolean;
  /** libxml2's messages about the document, as xmllint prints them (schema-loading notices removed). */
  errors: string[];
  /**
   * A valid document's DUIS tree as the validator parsed it, when asked
   * (`readTree`) and when the engine has one that is exactly the tree
   * `parseXmlDocument` would give (in process: libxml-tree.ts), so that the
   * caller does not parse the text again. Fresh per call (the caller may
   * change it).
   */
  document?: XmlDocument;
}

/** Options of `DuisXsdValidation.validate`: the input limits, and whether to hand back the parsed tree. */
export interface XsdValidateOptions extends XmlLimits {
  /** Return the valid document's tree in `document` where the engine can (in process); default false. */
  readTree?: boolean;
}

/** A synchronous DUIS XSD validator: xmllint (`DuisXsdValidator`) or in process (`InProcessDuisXsdValidator`). */
export interface DuisXsdValidation {
  readonly xsdDir: string;
  /** Screens the input like any DUIS input (DuisError if refused), then validates it. */
  validate(input: string | Uint8Array, options?: XsdValidateOptions): XsdValidationResult;
}

export const DUIS_XSD_FILE = 'DUIS Schema V5.4.xsd';
export const MMC_XSD_FILE = 'MMC Schema V5.4.xsd';

/** Local XML Signature schema (see schemas/xmldsig-core-schema.xsd). */
export const XMLDSIG_SCHEMA_PATH = fileURLToPath(
  new URL('./schemas/xmldsig-core-schema.xsd', import.meta.url),
);

/** `$DUIS_XSD_DIR`, else `$PPMID_FIXTURES/duis/xsd`, else `../shared/fixtures/duis/xsd` beside the repository. */
export function defaultDuisXsdDir(): string {
  if (process.env.DUIS_XSD_DIR) return resolve(process.env.DUIS_XSD_DIR);
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const fixtures = process.env.PPMID_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
  return resolve(fixtures, 'duis', 'xsd');
}

/**
 * The schema the validators compile: no components of its own, it imports
 * the XML Signature, MMC (ra) and DUIS (sr) namespaces from the given
 * locations, in that order (see the header for why).
 */
export function duisValidationSchema(locations: { ds: string; ra: string; sr: string }): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ppmid-relay:duis-validation">\n` +
    `  <xs:import namespace="${DS_NS}" schemaLocation="${attr(locations.ds)}"/>\n` +
    `  <xs:import namespace="${RA_NS}" schemaLocation="${attr(locations.ra)}"/>\n` +
    `  <xs:import namespace="${SR_NS}" schemaLocation="${attr(locations.sr)}"/>\n` +
    `</xs:schema>\n`
  );
}

/** The schema files under `xsdDir` (DuisXsdUnavailableError if one is missing). */
export function duisSchemaFiles(xsdDir: string): { ds: string; ra: string; sr: string } {
  const files = { ds: XMLDSIG_SCHEMA_PATH, ra: join(xsdDir, MMC_XSD_FILE), sr: join(xsdDir, DUIS_XSD_FILE) };
  for (const f of Object.values(files)) {
    if (!existsSync(f)) throw new DuisXsdUnavailableError(`schema file not found: ${f}`);
  }
  return files;
}

/**
 * Per-file verdicts from the stderr of `xmllint --noout --schema S f1 f2 ...`
 * ("<f> validates" / "<f> fails to validate", messages prefixed "<f>:").
 */
export function xmllintVerdicts(stderr: string, files: readonly string[]): XsdValidationResult[] {
  const lines = stderr.split('\n');
  return files.map((f): XsdValidationResult => {
    if (lines.includes(`${f} validates`)) return { valid: true, errors: [] };
    const errors = lines.filter((l) => l.startsWith(`${f}:`)).map((l) => `-${l.slice(f.length)}`);
    if (lines.includes(`${f} fails to validate`)) return { valid: false, errors };
    // Not even parsed (not well-formed): xmllint printed parser errors only.
    return { valid: false, errors: errors.length > 0 ? errors : ['xmllint gave no verdict'] };
  });
}

/** Validates DUIS XML against the DUIS XSD with xmllint. One wrapper schema per instance. */
export class DuisXsdValidator implements DuisXsdValidation {
  readonly xsdDir: string;
  readonly xmllint: string;
  #wrapper: string | undefined;

  constructor(options: DuisXsdOptions = {}) {
    this.xsdDir = options.xsdDir ?? defaultDuisXsdDir();
    this.xmllint = options.xmllint ?? 'xmllint';
  }

  /** Path of the wrapper schema, written on first use. */
  wrapperSchemaPath(): string {
    if (this.#wrapper) return this.#wrapper;
    const files = duisSchemaFiles(this.xsdDir);
    const href = (p: string) => pathToFileURL(p).href;
    const xsd = duisValidationSchema({ ds: href(files.ds), ra: href(files.ra), sr: href(files.sr) });
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
    if (r.error) throw xmllintUnavailable(this.xmllint, r.error);
    const lines = (r.stderr ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/Skipping import of schema/.test(l) && l !== '- validates');
    if (r.status === 5)
      throw new DuisXsdUnavailableError(`DUIS schema failed to compile: ${lines.join('; ')}`);
    if (r.status === 0) return { valid: true, errors: [] };
    return { valid: false, errors: lines.filter((l) => l !== '- fails to validate') };
  }

  /**
   * Validates many documents with one xmllint run (the schema is compiled
   * once for all of them): the verdicts, in input order. Each input is
   * screened first, as by `validate`.
   */
  validateMany(inputs: ReadonlyArray<string | Uint8Array>, limits: XmlLimits = {}): XsdValidationResult[] {
    if (inputs.length === 0) return [];
    const texts = inputs.map((i) => screenXmlText(i, limits));
    const schema = this.wrapperSchemaPath();
    const dir = mkdtempSync(join(tmpdir(), 'ppmid-duis-xsd-many-'));
    try {
      const files = texts.map((t, i) => {
        const f = join(dir, `d${i}.xml`);
        writeFileSync(f, t);
        return f;
      });
      const r = spawnSync(this.xmllint, ['--noout', '--nonet', '--schema', schema, ...files], {
        encoding: 'utf8',
        timeout: 600_000,
        maxBuffer: 256 * 1024 * 1024,
      });
      if (r.error) throw xmllintUnavailable(this.xmllint, r.error);
      if (r.status === 5 || r.status === null)
        throw new DuisXsdUnavailableError(
          `xmllint could not validate (status ${r.status}): ${(r.stderr ?? '').slice(0, 500)}`,
        );
      return xmllintVerdicts(r.stderr ?? '', files);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** The error for an xmllint that did not run (with the install hint when it is missing). */
export function xmllintUnavailable(xmllint: string, e: Error): DuisXsdUnavailableError {
  const notFound = (e as NodeJS.ErrnoException).code === 'ENOENT';
  return new DuisXsdUnavailableError(
    notFound
      ? `xmllint not found (${xmllint}): install it with \`apt-get install libxml2-utils\``
      : `xmllint failed to run: ${e.message}`,
    { cause: e },
  );
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
