/**
 * Typed errors of the supplier service (SECMP0038 SU-1, SU-2, SU-3). Each has
 * a stable `code` a caller can match on and count, and the HTTP status the
 * supplier's API answers with.
 */
import { PpmidRelayError } from '../runtime/errors.ts';

export type SupplierErrorCode =
  /** Configuration (keys, certificates, thresholds, URLs) is wrong or missing. */
  | 'SUPPLIER_CONFIG'
  /** A request to the supplier's API is not valid (unknown SR, bad EUI, bad value). */
  | 'SUPPLIER_BAD_REQUEST'
  /** A premises, command or PPMID the caller named does not exist. */
  | 'SUPPLIER_NOT_FOUND'
  /** The request conflicts with the current state (e.g. a second PPMID for a premises). */
  | 'SUPPLIER_CONFLICT'
  /** Something the DSP sent (sync answer, Receive Response Service POST) failed XML signature verification. */
  | 'SUPPLIER_DSP_SIGNATURE'
  /** The DSP answered with something that is not a DUIS Response this supplier can use. */
  | 'SUPPLIER_DSP_PROTOCOL'
  /** The DSP could not be reached (connection refused, timeout). */
  | 'SUPPLIER_DSP_UNREACHABLE'
  /** A PPMID status report failed its checks (unknown PPMID, bad signature, malformed). */
  | 'SUPPLIER_STATUS_REPORT_REFUSED'
  /** An illegal command state transition (a bug, or a store edited by hand). */
  | 'SUPPLIER_STATE'
  /** Valid but not implemented here; says what is missing. */
  | 'SUPPLIER_UNSUPPORTED';

const HTTP: Record<SupplierErrorCode, number> = {
  SUPPLIER_CONFIG: 500,
  SUPPLIER_BAD_REQUEST: 400,
  SUPPLIER_NOT_FOUND: 404,
  SUPPLIER_CONFLICT: 409,
  SUPPLIER_DSP_SIGNATURE: 401,
  SUPPLIER_DSP_PROTOCOL: 502,
  SUPPLIER_DSP_UNREACHABLE: 502,
  SUPPLIER_STATUS_REPORT_REFUSED: 400,
  SUPPLIER_STATE: 409,
  SUPPLIER_UNSUPPORTED: 501,
};

export class SupplierError extends PpmidRelayError {
  declare readonly code: SupplierErrorCode;
  readonly httpStatus: number;
  constructor(code: SupplierErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.httpStatus = HTTP[code];
  }
}
