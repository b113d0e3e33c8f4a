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

/** DUIS E19: the target device is not in the inventory. */
export class DspUnknownDeviceError extends DspTransformError {
  constructor(
    readonly eui: string,
    what = 'target device',
  ) {
    super('DSP_UNKNOWN_DEVICE', `${what} ${eui} is not in the DSP inventory`, {
      responseCode: what === 'target device' ? 'E19' : undefined,
      httpStatus: what === 'target device' ? 200 : 400,
    });
  }
}

/** DUIS E12: this operation does not take this Command Variant. */
export class DspCommandVariantError extends DspTransformError {
  constructor(message: string) {
    super('DSP_COMMAND_VARIANT', message, { responseCode: 'E12', httpStatus: 200 });
  }
}

/** A body value the transform refuses (the DUIS codec's schema errors are wrapped in this too). HTTP 400. */
export class DspBodyInvalidError extends DspTransformError {
  constructor(
    message: string,
    readonly path?: string,
    cause?: unknown,
  ) {
    super('DSP_BODY_INVALID', path ? `${message} (at ${path})` : message, { httpStatus: 400, cause });
  }
}

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
