/**
 * The DSP's checks of a DUIS request up to and including its signature
 * (docs/dsp.md "Checks, in order": 0 the cheap checks, 1 well-formed and
 * XSD-valid, 2 XML signature by the originator), as pure functions of the
 * request, the registered users and their certificates, and the time. They
 * need none of the DSP's state machine, so they run where the DSP runs them
 * (DspService.handleRequest) or on worker threads (dsp-workers.ts), which
 * hand the DSP a FrontOutcome: the same answer either way.
 */
import {
  DuisError,
  type DuisRequest,
  type DuisResponseCode,
  type DuisXsdValidation,
  dspRejection,
  parseXmlDocument,
  verifyAndParseDuisRequest,
  type XmlSigningTrustStore,
  type XsdValidateOptions,
  type XsdValidationResult,
} from '../../duis/index.ts';
import { GbcsError } from '../../gbcs/index.ts';
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';
import { DspServiceError } from './errors.ts';
import { DspPrecheckError, type PrecheckLimits, precheckDuisRequest } from './precheck.ts';
import { DspTransformError } from './transform/index.ts';

/** How a failed request is answered: a typed code, and a DUIS Response Code where DUIS has one. */
export interface Rejection {
  code: string;
  message: string;
  httpStatus: number;
  responseCode?: DuisResponseCode;
  /** Not one of the typed errors: a bug (logged as such). */
  unexpected?: boolean;
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The answer to a request that failed with `e`. */
export function rejectionOf(e: unknown): Rejection {
  if (e instanceof DuisError) {
    const r = dspRejection(e);
    const out: Rejection = { code: e.code, message: e.message, httpStatus: r.httpStatus };
    if (r.responseCode !== undefined) out.responseCode = r.responseCode;
    return out;
  }
  if (e instanceof DspServiceError || e instanceof DspTransformError) {
    const out: Rejection = { code: e.code, message: e.message, httpStatus: e.httpStatus };
    if (e.responseCode !== undefined) out.responseCode = e.responseCode;
    return out;
  }
  if (e instanceof GbcsError || e instanceof PpmidRelayError)
    return { code: e.code, message: e.message, httpStatus: 400 };
  return { code: 'DSP_INTERNAL', message: errText(e), httpStatus: 500, unexpected: true };
}

/**
 * Check 0 (precheck.ts) and, with TLS, the binding of the client certificate's
 * user to the request's originator. Returns the originator; throws DspPrecheckError.
 */
export function precheck(
  input: string | Uint8Array,
  knownUser: (eui: Eui) => boolean,
  limits: PrecheckLimits,
  tlsUser: Eui | undefined,
): Eui {
  const originator = precheckDuisRequest(input, knownUser, limits);
  // The DCC User Interface: the TLS client certificate is the user's, bound to its DUIS
  // signing identity (the XML signature is then checked against that user's certificate).
  if (tlsUser !== undefined && normaliseEui(tlsUser) !== originator)
    throw new DspPrecheckError(
      'tls-identity',
      `the TLS client certificate is ${tlsUser}'s, the request is ${originator}'s`,
      403,
    );
  return originator;
}

/**
 * Check 1: XSD validity. Malformed input is told apart from schema-invalid
 * input by the DUIS parser (which verifyAndParse runs anyway when the XSD
 * check is off).
 */
export function schemaCheck(input: string | Uint8Array, r: XsdValidationResult | undefined): void {
  if (!r || r.valid) return;
  parseXmlDocument(input); // throws DUIS_MALFORMED / FORBIDDEN / TOO_LARGE if that is the reason
  throw new DspServiceError(
    'DSP_XSD_INVALID',
    `not valid against the DUIS XSD: ${r.errors.slice(0, 3).join('; ')}`,
    { httpStatus: 400 },
  );
}

/** XSD options of check 1: the tree libxml2 parsed for the XSD is the one verified and read (no second parse). */
export const READ_TREE: XsdValidateOptions = { readTree: true };

/**
 * Checks 1 and 2: XSD (its result given), then one parse whose DOM is
 * verified and read: the XSD's own (`xsd.document`, in process), else the
 * text parsed here.
 */
export function verifyRequest(
  input: string | Uint8Array,
  xsd: XsdValidationResult | undefined,
  trust: XmlSigningTrustStore,
  now: number,
): DuisRequest {
  schemaCheck(input, xsd);
  return verifyAndParseDuisRequest(input, trust, {
    at: new Date(now),
    checkCommandVariant: false,
    ...(xsd?.document ? { parsed: xsd.document } : {}),
  }).request;
}

/** What the checks up to the signature concluded (what a worker thread hands the DSP). */
export type FrontOutcome =
  /** Check 0 refused it (no DUIS Response: nobody was authenticated). */
  | { kind: 'refused'; reason?: string; rejection: Rejection }
  /** Checks 1-2 failed (malformed, XSD, signature): an HTTP-level answer. */
  | { kind: 'rejected'; rejection: Rejection }
  /** Authenticated; `request.definition` is left for the DSP to look up (not sent between threads). */
  | {
      kind: 'verified';
      request: Omit<DuisRequest, 'definition'> & { definition?: DuisRequest['definition'] };
    };

export interface FrontChecks {
  knownUser: (eui: Eui) => boolean;
  limits: PrecheckLimits;
  /** The in-process XSD validator, or undefined (XSD off). */
  xsd: DuisXsdValidation | undefined;
  trust: XmlSigningTrustStore;
}

/** Checks 0-2 of one request, as a FrontOutcome (never throws). */
export function frontChecks(
  input: string | Uint8Array,
  c: FrontChecks,
  tlsUser: Eui | undefined,
  now: number,
): FrontOutcome {
  try {
    precheck(input, c.knownUser, c.limits, tlsUser);
  } catch (e) {
    const out: FrontOutcome = { kind: 'refused', rejection: rejectionOf(e) };
    if (e instanceof DspPrecheckError) out.reason = e.reason;
    return out;
  }
  try {
    return {
      kind: 'verified',
      request: verifyRequest(input, c.xsd?.validate(input, READ_TREE), c.trust, now),
    };
  } catch (e) {
    return { kind: 'rejected', rejection: rejectionOf(e) };
  }
}
