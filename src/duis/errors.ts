/**
 * Typed DUIS errors. Every failure of the DUIS codec, of XML signature
 * processing and of XSD validation is one of these, with a stable `code` a
 * caller can match on, count and log. Bad input never produces an untyped
 * exception.
 *
 * `dspRejection(err)` says how the DSP should answer a Service Request that
 * failed with this error (see docs/duis.md "Errors and DUIS response codes"
 * for why most of these carry an HTTP status rather than a DUIS E-code).
 */
import { PpmidRelayError } from '../runtime/errors.ts';

export type DuisErrorCode =
  /** Not well-formed XML, bad character, bad encoding, empty input. */
  | 'DUIS_MALFORMED'
  /** Over the configured byte size, or nested deeper than the configured depth. */
  | 'DUIS_TOO_LARGE'
  /** DOCTYPE, DTD, entity declaration or processing instruction: never accepted (XXE, billion laughs). */
  | 'DUIS_FORBIDDEN_MARKUP'
  /** Well-formed XML that does not follow the DUIS schema (wrong root or namespace, missing or misplaced element, bad value). */
  | 'DUIS_SCHEMA_INVALID'
  /** The XML signature is missing, malformed, uses the wrong algorithms, does not cover the whole document, or does not verify. */
  | 'DUIS_SIGNATURE_INVALID'
  /** The signature names a certificate (issuer + serial) the trust store does not hold. */
  | 'DUIS_UNKNOWN_SIGNER'
  /** The Command Variant is not allowed for the Service Reference Variant (DUIS E12). */
  | 'DUIS_COMMAND_VARIANT_NOT_ALLOWED'
  /** Well-formed and valid, but outside what this implementation handles. */
  | 'DUIS_UNSUPPORTED'
  /** The XSD validator (xmllint) could not be run. An environment problem, not a property of the input. */
  | 'DUIS_XSD_UNAVAILABLE';

export class DuisError extends PpmidRelayError {
  declare readonly code: DuisErrorCode;
  /** Where in the document the problem is, e.g. `Request/Header/RequestID`, when known. */
  readonly path: string | undefined;
  constructor(code: DuisErrorCode, message: string, path?: string, options?: { cause?: unknown }) {
    super(code, path === undefined ? message : `${message} (at ${path})`, options);
    this.path = path;
  }
}

export class DuisMalformedError extends DuisError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DUIS_MALFORMED', message, undefined, options);
  }
}

export class DuisTooLargeError extends DuisError {
  constructor(
    message: string,
    readonly limit: number,
    readonly actual: number,
  ) {
    super('DUIS_TOO_LARGE', message);
  }
}

export class DuisForbiddenMarkupError extends DuisError {
  constructor(message: string) {
    super('DUIS_FORBIDDEN_MARKUP', message);
  }
}

export class DuisSchemaError extends DuisError {
  constructor(message: string, path?: string) {
    super('DUIS_SCHEMA_INVALID', message, path);
  }
}

export class DuisSignatureError extends DuisError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DUIS_SIGNATURE_INVALID', message, undefined, options);
  }
}

export class DuisUnknownSignerError extends DuisError {
  constructor(
    readonly issuerName: string,
    readonly serialNumber: bigint,
  ) {
    super(
      'DUIS_UNKNOWN_SIGNER',
      `no trusted XML-signing certificate with issuer "${issuerName}" and serial ${serialNumber}`,
    );
  }
}

export class DuisCommandVariantError extends DuisError {
  constructor(
    readonly serviceReferenceVariant: string,
    readonly commandVariant: number,
  ) {
    super(
      'DUIS_COMMAND_VARIANT_NOT_ALLOWED',
      `Command Variant ${commandVariant} is not allowed for Service Reference Variant ${serviceReferenceVariant}`,
    );
  }
}

export class DuisUnsupportedError extends DuisError {
  constructor(message: string, path?: string) {
    super('DUIS_UNSUPPORTED', message, path);
  }
}

export class DuisXsdUnavailableError extends DuisError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DUIS_XSD_UNAVAILABLE', message, undefined, options);
  }
}

/**
 * How the DSP answers a Service Request rejected with a DuisError.
 *
 * `responseCode` is set only where the DUIS meaning of the code is certain
 * (E12 "Invalid Request / Command Variant combination"). For requests that
 * cannot be parsed, validated or authenticated the DSP cannot trust the
 * RequestID to build a DUIS Response, so it answers with an HTTP status and
 * no DUIS body; docs/duis.md records this decision and its uncertainty.
 */
export interface DspRejection {
  httpStatus: number;
  responseCode?: 'E12';
  reason: string;
}

export function dspRejection(err: DuisError): DspRejection {
  switch (err.code) {
    case 'DUIS_TOO_LARGE':
      return { httpStatus: 413, reason: err.message };
    case 'DUIS_MALFORMED':
    case 'DUIS_FORBIDDEN_MARKUP':
    case 'DUIS_SCHEMA_INVALID':
      return { httpStatus: 400, reason: err.message };
    case 'DUIS_SIGNATURE_INVALID':
    case 'DUIS_UNKNOWN_SIGNER':
      return { httpStatus: 401, reason: err.message };
    case 'DUIS_COMMAND_VARIANT_NOT_ALLOWED':
      return { httpStatus: 200, responseCode: 'E12', reason: err.message };
    case 'DUIS_UNSUPPORTED':
      return { httpStatus: 501, reason: err.message };
    case 'DUIS_XSD_UNAVAILABLE':
      return { httpStatus: 500, reason: err.message };
  }
}
