/**
 * Typed errors of the delivery codec. Every decoding failure is one of these,
 * with a stable `code` and the byte offset where decoding stopped; bad input
 * never produces an untyped exception.
 */
import { PpmidRelayError } from '../runtime/errors.ts';

export type DeliveryErrorCode =
  /** not a delivery envelope / status report: wrong magic, bad field value, trailing bytes */
  | 'DELIVERY_MALFORMED'
  /** the input ended before a field it announced */
  | 'DELIVERY_TRUNCATED'
  /** a version this codec does not know */
  | 'DELIVERY_UNSUPPORTED_VERSION'
  /** an encoder was given a value that cannot be encoded (wrong use, not bad input) */
  | 'DELIVERY_INVALID_FIELD';

export class DeliveryError extends PpmidRelayError {
  declare readonly code: DeliveryErrorCode;
  readonly offset: number | undefined;
  constructor(code: DeliveryErrorCode, message: string, offset?: number) {
    super(code, offset === undefined ? message : `${message} (at offset ${offset})`);
    this.offset = offset;
  }
}
