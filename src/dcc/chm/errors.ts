/** Typed errors of the Communications Hub Manager (stable codes; the HTTP API maps them to status codes). */
import { PpmidRelayError } from '../../runtime/errors.ts';

export type ChmErrorCode =
  | 'CHM_NO_WAN'
  | 'CHM_UNKNOWN_CH'
  | 'CHM_NOT_STANDALONE'
  | 'CHM_NOT_CLEARED'
  | 'CHM_COMMAND_PENDING'
  | 'CHM_ALREADY_STANDALONE'
  | 'CHM_KEYS'
  | 'CHM_BAD_REQUEST'
  | 'CHM_IMPORT';

export class ChmError extends PpmidRelayError {
  declare readonly code: ChmErrorCode;
  constructor(code: ChmErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** HTTP status for each error code. */
export const CHM_ERROR_STATUS: Record<ChmErrorCode, number> = {
  CHM_NO_WAN: 503,
  CHM_UNKNOWN_CH: 404,
  CHM_NOT_STANDALONE: 409,
  CHM_NOT_CLEARED: 409,
  CHM_COMMAND_PENDING: 409,
  CHM_ALREADY_STANDALONE: 409,
  CHM_KEYS: 500,
  CHM_BAD_REQUEST: 400,
  CHM_IMPORT: 422,
};
