/** Typed errors of the PPMID application (wrong use or unsupported features; never bad input). */
import { PpmidRelayError } from '../../runtime/errors.ts';

export type PpmidErrorCode =
  /** configuration that cannot work (EUI mismatch, a non-P-256 key, a bad policy value) */
  | 'PPMID_CONFIG'
  /** a snapshot that is not one of this PPMID's */
  | 'PPMID_SNAPSHOT_INVALID'
  /** something this PPMID does not implement (named in the message) */
  | 'PPMID_UNSUPPORTED';

export class PpmidError extends PpmidRelayError {
  declare readonly code: PpmidErrorCode;
  constructor(code: PpmidErrorCode, message: string) {
    super(code, message);
  }
}
