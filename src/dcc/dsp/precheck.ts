/**
 * The DSP's cheap checks of a DUIS request, before any XML parse, XSD
 * validation or signature work (issue 13: an unsigned 700 KB body with deep
 * nesting took seconds of the event loop when it was parsed first).
 *
 * One linear scan of the bytes, no tree, no allocation per element:
 *   1. size (`maxBytes`)
 *   2. element nesting depth (`maxDepth`) and count (`maxElements`); no
 *      DOCTYPE or ENTITY declaration (the parser refuses them too)
 *   3. an XML signature is there: one `SignatureValue` and a
 *      `Reference URI=""` (DUIS signs the whole document, enveloped)
 *   4. the RequestID's originator, read from the header text, is a user the
 *      DSP knows (`knownUser`); who it is exactly is proved later by the
 *      signature against that user's certificate.
 * A request that fails is refused with HTTP 400 / 403 and counted; it never
 * reaches the parser.
 */
import { DspServiceError } from './errors.ts';

export interface PrecheckLimits {
  /** Largest request (bytes). Default 256 KiB (a DUIS request is a few KiB). */
  maxBytes: number;
  /** Deepest element nesting. Default 32 (DUIS with its signature nests about 12). */
  maxDepth: number;
  /** Most elements. Default 10 000. */
  maxElements: number;
}

export const DEFAULT_PRECHECK_LIMITS: PrecheckLimits = {
  maxBytes: 256 * 1024,
  maxDepth: 32,
  maxElements: 10_000,
};

export type PrecheckRefusal =
  | 'size'
  | 'depth'
  | 'elements'
  | 'doctype'
  | 'unsigned'
  | 'request-id'
  | 'unknown-user'
  | 'tls-identity';

export class DspPrecheckError extends DspServiceError {
  constructor(
    readonly reason: PrecheckRefusal,
    message: string,
    httpStatus: number,
  ) {
    super('DSP_PRECHECK_REFUSED', message, { httpStatus });
  }
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

const REQUEST_ID =
  /<(?:[A-Za-z_][\w.-]*:)?RequestID>\s*([0-9A-Fa-f-]{16,23})\s*:\s*([0-9A-Fa-f-]{16,23})\s*:\s*(\d{1,20})\s*</;
const EUI_TEXT = /^[0-9A-F]{2}(-[0-9A-F]{2}){7}$|^[0-9A-F]{16}$/;

/** Runs the cheap checks; returns the claimed originator EUI (16 hex digits). */
export function precheckDuisRequest(
  input: string | Uint8Array,
  knownUser: (eui: string) => boolean,
  limits: PrecheckLimits = DEFAULT_PRECHECK_LIMITS,
): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length > limits.maxBytes)
    throw new DspPrecheckError(
      'size',
      `the request has ${bytes.length} bytes (at most ${limits.maxBytes})`,
      413,
    );
  let depth = 0;
  let elements = 0;
  // each '<' (found natively: most bytes are text between them)
  for (let i = bytes.indexOf(LT); i >= 0; i = bytes.indexOf(LT, i + 1)) {
    const next = bytes[i + 1];
    if (next === QUESTION) continue;
    if (next === BANG) {
      // comment, CDATA or a declaration: a DOCTYPE / ENTITY is never in a DUIS request
      if (bytes[i + 2] !== 0x2d && bytes[i + 2] !== 0x5b)
        throw new DspPrecheckError('doctype', 'DOCTYPE and ENTITY declarations are not allowed', 400);
      continue;
    }
    if (next === SLASH) {
      depth--;
      continue;
    }
    // a start tag: find its end (quoted attribute values may hold '>')
    let j = i + 1;
    let quote = 0;
    for (; j < bytes.length; j++) {
      const b = bytes[j];
      if (quote) {
        if (b === quote) quote = 0;
      } else if (b === DQUOTE || b === SQUOTE) quote = b;
      else if (b === GT) break;
    }
    if (++elements > limits.maxElements)
      throw new DspPrecheckError('elements', `more than ${limits.maxElements} elements`, 400);
    if (bytes[j - 1] !== SLASH && ++depth > limits.maxDepth)
      throw new DspPrecheckError('depth', `elements nest deeper than ${limits.maxDepth}`, 400);
    i = j;
  }
  // Signature and RequestID are ASCII: look at the text once (latin1 keeps byte offsets).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let sigValues = 0;
  for (let k = text.indexOf('SignatureValue'); k >= 0; k = text.indexOf('SignatureValue', k + 14))
    sigValues++;
  if (sigValues !== 2 || !/<(?:[A-Za-z_][\w.-]*:)?Reference\s+URI=(""|'')/.test(text))
    throw new DspPrecheckError(
      'unsigned',
      'no XML signature over the whole document (Reference URI="")',
      403,
    );
  const m = REQUEST_ID.exec(text);
  if (!m)
    throw new DspPrecheckError('request-id', 'no RequestID (originator:target:counter) in the header', 400);
  const originator = m[1].toUpperCase();
  if (!EUI_TEXT.test(originator))
    throw new DspPrecheckError('request-id', 'the RequestID originator is not an EUI-64', 400);
  const eui = originator.replace(/-/g, '');
  if (!knownUser(eui))
    throw new DspPrecheckError('unknown-user', `${originator} is not a DCC user here`, 403);
  return eui;
}
