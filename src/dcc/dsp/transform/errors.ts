/**
 * Typed errors of the DSP transform (DUIS Service Request -> GBCS). Each has a
 * stable `code`, the HTTP status the DSP answers with, and a DUIS Response
 * Code only where DUIS defines one for the situation (DUIS common codes, see
 * src/duis/response-codes.ts). Where DUIS has no code (a malformed body, a
 * signature that does not verify) the DSP answers at the HTTP level, as the
 * DUIS codec does for schema errors (docs/duis.md).
 */
import type { DuisResponseCode } from '../../../duis/index.ts';
import { PpmidRelayError } from '../../../runtime/errors.ts';

export type DspTransformErrorCode =
  /** The SRV is valid DUIS but this DSP builds no GBCS command (or answer) for it (yet): DUIS E11. */
  | 'DSP_UNSUPPORTED_SERVICE_REQUEST'
  /** The target's device type is not one the SR applies to (DUIS E11). */
  | 'DSP_DEVICE_TYPE_MISMATCH'
  /** The target EUI is not in the inventory (DUIS E19). */
  | 'DSP_UNKNOWN_DEVICE'
  /** The Command Variant does not fit this operation, e.g. CV 4 for a non-critical SR (DUIS E12). */
  | 'DSP_COMMAND_VARIANT'
  /** A body value the transform cannot put into GBCS (bad UTRN, hash length, out-of-range date...). */
  | 'DSP_BODY_INVALID'
  /** The DSP lacks a key or certificate it needs (ACB KA private key, device KA certificate, signer DS certificate). */
  | 'DSP_UNKNOWN_KEY'
  /** A Signed Pre-Command is not a well-formed, signed, critical GBCS Command. */
  | 'DSP_PRE_COMMAND_INVALID'
  /** A Signed Pre-Command's signature does not verify against its originator's DS certificate (SECMP0038 DSP-2). */
  | 'DSP_SIGNATURE_INVALID'
  /** A Signed Pre-Command does not match the request it comes with (originator, target, counter, content). */
  | 'DSP_PRE_COMMAND_MISMATCH'
  /** The transform context lacks something this SR needs (clock, ACB counter). */
  | 'DSP_CONTEXT_INCOMPLETE';

export class DspTransformError extends PpmidRelayError {
  declare readonly code: DspTransformErrorCode;
  /** DUIS Response Code for the synchronous response, where DUIS defines one. */
  readonly responseCode: DuisResponseCode | undefined;
  /** HTTP status the DSP answers with. */
  readonly httpStatus: number;
  constructor(
    code: DspTransformErrorCode,
    message: string,
    opts: { responseCode?: DuisResponseCode; httpStatus: number; cause?: unknown },
  ) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.responseCode = opts.responseCode;
    this.httpStatus = opts.httpStatus;
  }
}

/**
 * No GBCS command is built for this SRV (or for this SRV on this device
 * type), or no answer for a non-device SRV. A DUIS refusal, E11 (the Service
 * Request is not one this DSP serves for that target), never HTTP 501: the
 * SRV table (srv-table.ts) lists which SRVs are supported and why not.
 */
export class DspUnsupportedServiceRequestError extends DspTransformError {
  constructor(
    readonly serviceReferenceVariant: string,
    message?: string,
  ) {
    super(
      'DSP_UNSUPPORTED_SERVICE_REQUEST',
      message ?? `Service Reference Variant ${serviceReferenceVariant} has no GBCS transform in this DSP`,
      { responseCode: 'E11', httpStatus: 200 },
    );
  }
}

/** DUIS E11: the Service Request is not compatible with the target's device type. */
export class DspDeviceTypeMismatchError extends DspTransformError {
  constructor(
    readonly serviceReferenceVariant: string,
    readonly deviceType: string,
    readonly allowed: readonly string[],
  ) {
    super(
      'DSP_DEVICE_TYPE_MISMATCH',
      `SR ${serviceReferenceVariant} does not apply to a ${deviceType} (applies to ${allowed.join(', ')})`,
      { responseCode: 'E11', httpStatus: 200 },
    );
  }
}

/**
 * DUIS E11 for a target that could not authenticate the command: its device
 * type holds no Trust Anchor cell for the command's originator (signer-cells.ts).
 */
export class DspNoOriginatorCellError extends DspTransformError {
  constructor(
    readonly serviceReferenceVariant: string,
    readonly deviceType: string,
    reason: string,
  ) {
    super('DSP_DEVICE_TYPE_MISMATCH', reason, { responseCode: 'E11', httpStatus: 200 });
  }
}

/** DUIS E19: a device the request names (the target, or one in the body: `BODY_REFUSALS`) is not in the inventory. */
export class DspUnknownDeviceError extends DspTransformError {
  constructor(
    readonly eui: string,
    what = 'target device',
  ) {
    const r = BODY_REFUSALS['unknown-device'];
    super('DSP_UNKNOWN_DEVICE', `${what} ${eui} is not in the DSP inventory`, {
      responseCode: 'E19',
      httpStatus: r.httpStatus,
    });
  }
}

/** DUIS E12: this operation does not take this Command Variant. */
export class DspCommandVariantError extends DspTransformError {
  constructor(message: string) {
    super('DSP_COMMAND_VARIANT', message, { responseCode: 'E12', httpStatus: 200 });
  }
}

/**
 * What is wrong with a device SR's body, semantically (it passed the XSD).
 * `BODY_REFUSALS` gives each its answer: the DUIS Response Code DUIS defines
 * for it where this project knows that code's meaning, else HTTP 400
 * `DSP_BODY_INVALID` (docs/dsp.md "Bad bodies").
 */
export type BodyRefusalKind =
  /** A device the body names (not the target) is not in the inventory. */
  | 'unknown-device'
  /** A device the body names is of a type the SR does not take there. */
  | 'device-type'
  /** A value outside its range (a price, an index, a count). */
  | 'out-of-range'
  /** Values that contradict each other (end before start, given twice, a reference to nothing). */
  | 'inconsistent'
  /** A value the SR needs for this target or choice is absent. */
  | 'missing'
  /** A date or value that no GBCS encoding holds (a year a COSEM date-time cannot carry). */
  | 'not-encodable'
  /** An Unknown Remote Party read's KAPublicSecurityCredentials is not a KA certificate of the requesting user. */
  | 'credentials'
  /** Anything else the transform cannot put into GBCS (the DUIS codec's schema errors included). */
  | 'invalid';

export interface BodyRefusal {
  /** The DUIS Response Code of the synchronous answer (HTTP 200), where DUIS defines one this project can name. */
  responseCode?: DuisResponseCode;
  /** The HTTP status of the answer. */
  httpStatus: number;
  /** Why this answer (docs). */
  basis: string;
}

/**
 * The one table of the DSP's answers to a semantically bad device-SR body.
 * The DUIS XSD enumerates SR-specific codes for device SRs (E0101xx,
 * E0102xx, E0303xx, E0401xx, E0417xx, E0605xx ... E0628xx,
 * src/duis/response-codes.ts) and common validation codes (E30, E31,
 * E40-E71) without their wording, and no DUIS text here says which
 * validation failure each stands for: those kinds keep the generic HTTP 400
 * `DSP_BODY_INVALID` rather than a guessed code. Only the common codes whose
 * meaning is recorded (RESPONSE_CODE_MEANINGS) are used.
 */
export const BODY_REFUSALS: Readonly<Record<BodyRefusalKind, BodyRefusal>> = {
  'unknown-device': {
    responseCode: 'E19',
    httpStatus: 200,
    basis: 'E19 device does not exist: read as any device the request names, not only the target',
  },
  'device-type': {
    responseCode: 'E11',
    httpStatus: 200,
    basis: 'E11 Service Request not compatible with the device type: also a device the body names',
  },
  'out-of-range': { httpStatus: 400, basis: 'no DUIS code with a known meaning (E40-E71 unworded here)' },
  inconsistent: { httpStatus: 400, basis: 'no DUIS code with a known meaning (E40-E71 unworded here)' },
  missing: { httpStatus: 400, basis: 'no DUIS code with a known meaning (E40-E71 unworded here)' },
  'not-encodable': { httpStatus: 400, basis: 'no DUIS code with a known meaning (E30/E31 unworded here)' },
  credentials: {
    responseCode: 'E1',
    httpStatus: 200,
    basis:
      'PROVISIONAL: DUIS has the DCC check the KA certificate of an Unknown Remote Party read (urp.ts), but no DUIS text here words the code for its failure; E1 (invalid User / User Role combination) is the nearest worded code: the credential does not establish the requesting user in its role',
  },
  invalid: { httpStatus: 400, basis: 'no DUIS code with a known meaning' },
};

/**
 * A body the transform refuses: answered per `BODY_REFUSALS` (a DUIS
 * Response Code where DUIS defines one, else HTTP 400 DSP_BODY_INVALID).
 */
export class DspBodyInvalidError extends DspTransformError {
  readonly kind: BodyRefusalKind;
  constructor(
    message: string,
    readonly path?: string,
    cause?: unknown,
    kind: BodyRefusalKind = 'invalid',
  ) {
    const r = BODY_REFUSALS[kind];
    super('DSP_BODY_INVALID', path ? `${message} (at ${path})` : message, {
      httpStatus: r.httpStatus,
      ...(r.responseCode ? { responseCode: r.responseCode } : {}),
      cause,
    });
    this.kind = kind;
  }
}

/** A body value outside its range. */
export const outOfRange = (message: string, path?: string) =>
  new DspBodyInvalidError(message, path, undefined, 'out-of-range');
/** Body values that contradict each other. */
export const inconsistent = (message: string, path?: string) =>
  new DspBodyInvalidError(message, path, undefined, 'inconsistent');
/** A value the SR needs is absent. */
export const missing = (message: string, path?: string) =>
  new DspBodyInvalidError(message, path, undefined, 'missing');
/** A device the body names is of a type the SR does not take there. */
export const bodyDeviceType = (message: string, path?: string) =>
  new DspBodyInvalidError(message, path, undefined, 'device-type');

/** A key or certificate the DSP needs is missing. HTTP 500 for the DSP's own keys, 400 for a user's. */
export class DspUnknownKeyError extends DspTransformError {
  constructor(
    message: string,
    readonly eui: string,
    httpStatus = 500,
    cause?: unknown,
  ) {
    super('DSP_UNKNOWN_KEY', message, { httpStatus, cause });
  }
}

export class DspPreCommandInvalidError extends DspTransformError {
  constructor(message: string, cause?: unknown) {
    super('DSP_PRE_COMMAND_INVALID', message, { httpStatus: 400, cause });
  }
}

/** SECMP0038 DSP-2: a critical command is accepted only with a valid signature of its business originator. */
export class DspSignatureInvalidError extends DspTransformError {
  constructor(
    message: string,
    readonly signer: string,
  ) {
    super('DSP_SIGNATURE_INVALID', message, { httpStatus: 400 });
  }
}

export class DspPreCommandMismatchError extends DspTransformError {
  constructor(message: string) {
    super('DSP_PRE_COMMAND_MISMATCH', message, { httpStatus: 400 });
  }
}

export class DspContextIncompleteError extends DspTransformError {
  constructor(message: string) {
    super('DSP_CONTEXT_INCOMPLETE', message, { httpStatus: 500 });
  }
}
