/**
 * In-process XSD validation of DUIS documents with libxml2 compiled to
 * WebAssembly (`libxml2-wasm`): the same library xmllint uses, the schema
 * compiled ONCE per process (about 0.1-0.2 s), then each document parsed and
 * validated in memory (about 0.04 ms of CPU for a small request, against
 * 20-60 ms for an xmllint process that recompiles the schema every run).
 * xmllint (xsd.ts) stays the independent reference: the tests check that
 * both give the same verdict.
 *
 * Schema composition is exactly xsd.ts's (`duisValidationSchema`): a
 * wrapper importing the XML Signature schema of this project, then the MMC
 * and DUIS schemas. libxml2 reads them through an input provider that
 * answers only the virtual `ppmid-duis-xsd:` names of this module, and only
 * while a schema compiles: no file or network access happens afterwards,
 * whatever an instance document says (xsi:schemaLocation is not followed
 * for a pre-compiled schema).
 *
 * WebAssembly memory is not garbage collected: every libxml2 object made
 * here is disposed (documents in `finally`), and the compiled schema lives
 * until `dispose()`. NOT PURE (reads the schema files, holds WASM memory).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ErrorDetail,
  ParseOption,
  XmlBufferInputProvider,
  XmlDocument,
  XmlError,
  XmlLibError,
  XsdValidator,
  xmlRegisterInputProvider,
} from 'libxml2-wasm';
import { DuisXsdUnavailableError } from './errors.ts';
import { treeFromLibxml } from './libxml-tree.ts';
import {
  DEFAULT_MAX_DEPTH,
  type XmlDocument as DuisXmlDocument,
  screenXmlText,
  type XmlLimits,
} from './xml.ts';
import {
  type DuisXsdValidation,
  defaultDuisXsdDir,
  duisSchemaFiles,
  duisValidationSchema,
  type XsdValidateOptions,
  type XsdValidationResult,
} from './xsd.ts';

export interface InProcessXsdOptions {
  /** Directory holding `DUIS Schema V5.4.xsd` and `MMC Schema V5.4.xsd`. Default: as xsd.ts. */
  xsdDir?: string;
}

/**
 * Parse options for instance documents: no network, no external entities
 * (the input is screened before anyway: no DOCTYPE reaches libxml2).
 */
const DOCUMENT_PARSE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

const SCHEME = 'ppmid-duis-xsd:';

// libxml2's input callbacks are process-wide: one provider for this module, registered once,
// holding schema bytes only while a schema compiles.
let provider: XmlBufferInputProvider | undefined;
let compiled = 0;

function schemaProvider(): XmlBufferInputProvider {
  if (provider) return provider;
  const p = new XmlBufferInputProvider({});
  if (!xmlRegisterInputProvider(p))
    throw new DuisXsdUnavailableError('libxml2 refused another input provider (its table is full)');
  provider = p;
  return p;
}

/** One line per libxml2 diagnostic, in xmllint's layout (`-:LINE: element NAME: Schemas validity error : ...`). */
export function formatLibxmlDiagnostic(d: ErrorDetail, kind: 'parser' | 'schema'): string {
  const message = d.message.trim();
  const severity = d.level === 1 ? 'warning' : 'error';
  if (kind === 'parser') return `-:${d.line}: parser ${severity} : ${message}`;
  const name = elementNameFromPath(d.xpath);
  return `-:${d.line}: ${name ? `element ${name}: ` : ''}Schemas validity ${severity} : ${message}`;
}

/** Local name of the last step of a libxml2 node path (`/sr:Request/sr:Body[1]` -> `Body`). */
function elementNameFromPath(xpath: string | undefined): string | undefined {
  if (!xpath) return undefined;
  const step = xpath.slice(xpath.lastIndexOf('/') + 1);
  const named = /^\*\[name\(\)='([^']+)'\]/.exec(step);
  const qname = named ? named[1] : step.replace(/\[\d+\]$/, '');
  if (qname === '' || qname.startsWith('@') || qname.includes('(')) return undefined;
  return qname.slice(qname.indexOf(':') + 1);
}

/**
 * The UTF-8 of screened `text`: the input's own bytes when they are exactly
 * that (bytes that decoded without a BOM to strip), else the text encoded.
 */
function utf8Of(input: string | Uint8Array, text: string): Uint8Array {
  if (typeof input === 'string' || (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf))
    return Buffer.from(text, 'utf8');
  return input;
}

function detailsOf(e: unknown): ErrorDetail[] {
  return e instanceof XmlLibError ? e.details : [];
}

/**
 * Validates DUIS XML against the DUIS XSD in process. Compile once (the
 * constructor, or `InProcessDuisXsdValidator.shared()` for one per process
 * and directory), validate many, `dispose()` when done (shared ones live as
 * long as the process).
 */
export class InProcessDuisXsdValidator implements DuisXsdValidation {
  readonly xsdDir: string;
  #schema: XsdValidator | undefined;
  /** The wrapper schema document: libxml2 keeps a reference to it from the compiled schema. */
  #wrapper: XmlDocument | undefined;

  static readonly #shared = new Map<string, InProcessDuisXsdValidator>();

  /** The process-wide validator for `xsdDir` (compiled on first call). */
  static shared(options: InProcessXsdOptions = {}): InProcessDuisXsdValidator {
    const dir = resolve(options.xsdDir ?? defaultDuisXsdDir());
    let v = InProcessDuisXsdValidator.#shared.get(dir);
    if (!v || v.disposed) {
      v = new InProcessDuisXsdValidator({ xsdDir: dir });
      InProcessDuisXsdValidator.#shared.set(dir, v);
    }
    return v;
  }

  /** Compiles the schema now; DuisXsdUnavailableError if a file is missing or it does not compile. */
  constructor(options: InProcessXsdOptions = {}) {
    this.xsdDir = resolve(options.xsdDir ?? defaultDuisXsdDir());
    const files = duisSchemaFiles(this.xsdDir);
    const p = schemaProvider();
    const base = `${SCHEME}/${++compiled}/`;
    const names = { ds: `${base}xmldsig-core-schema.xsd`, ra: `${base}mmc.xsd`, sr: `${base}duis.xsd` };
    for (const k of ['ds', 'ra', 'sr'] as const)
      p.addBuffer(names[k], new Uint8Array(readFileSync(files[k])));
    let wrapper: XmlDocument | undefined;
    try {
      wrapper = XmlDocument.fromString(duisValidationSchema(names), {
        url: `${base}duis-validation.xsd`,
        option: DOCUMENT_PARSE,
      });
      this.#schema = XsdValidator.fromDoc(wrapper);
      this.#wrapper = wrapper;
    } catch (e) {
      wrapper?.dispose();
      const why = detailsOf(e)
        .map((d) => d.message.trim())
        .join('; ');
      throw new DuisXsdUnavailableError(
        `DUIS schema failed to compile in process: ${why || (e instanceof Error ? e.message : String(e))}`,
        { cause: e },
      );
    } finally {
      for (const k of ['ds', 'ra', 'sr'] as const) p.removeBuffer(names[k]);
    }
  }

  get disposed(): boolean {
    return this.#schema === undefined;
  }

  /**
   * Validates one document. Input is screened first like any untrusted DUIS
   * input (size limit, UTF-8, no DOCTYPE/entities: DuisError), as xsd.ts
   * does before xmllint. Not well-formed XML is `{valid: false}` with the
   * parser's messages, as from xmllint. With `readTree`, a valid document's
   * DUIS tree is read from libxml2's parse (libxml-tree.ts) into `document`
   * where it is exactly what `parseXmlDocument` would give (else no
   * `document`: the caller parses the text).
   */
  validate(input: string | Uint8Array, limits: XsdValidateOptions = {}): XsdValidationResult {
    const schema = this.#schema;
    if (!schema) throw new DuisXsdUnavailableError('the in-process DUIS XSD validator was disposed');
    const text = screenXmlText(input, limits);
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(utf8Of(input, text), { option: DOCUMENT_PARSE });
    } catch (e) {
      if (!(e instanceof XmlError)) throw e;
      const errors = detailsOf(e).map((d) => formatLibxmlDiagnostic(d, 'parser'));
      return { valid: false, errors: errors.length > 0 ? errors : [`-: parser error : ${e.message}`] };
    }
    try {
      // read before validating: the tree is the document as parsed, whatever validation does to it
      let tree: DuisXmlDocument | undefined;
      if (limits.readTree) tree = treeFromLibxml(doc, text, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
      schema.validate(doc);
      return tree ? { valid: true, errors: [], document: tree } : { valid: true, errors: [] };
    } catch (e) {
      const details = detailsOf(e);
      if (details.length === 0) {
        // libxml2 answered "internal error" (ret < 0): not a verdict about the document.
        throw new DuisXsdUnavailableError(
          `in-process XSD validation failed: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      return { valid: false, errors: details.map((d) => formatLibxmlDiagnostic(d, 'schema')) };
    } finally {
      doc.dispose();
    }
  }

  /** Frees the compiled schema (WASM memory). Later `validate` calls throw. */
  dispose(): void {
    this.#schema?.dispose();
    this.#wrapper?.dispose();
    this.#schema = undefined;
    this.#wrapper = undefined;
  }
}

/**
 * Validates DUIS XML against the DUIS V5.4 XSD in process, with the shared
 * compiled schema for `options.xsdDir` (default as xsd.ts).
 */
export function validateAgainstDuisXsdInProcess(
  input: string | Uint8Array,
  options: InProcessXsdOptions & XmlLimits = {},
): XsdValidationResult {
  return InProcessDuisXsdValidator.shared(options).validate(input, options);
}
