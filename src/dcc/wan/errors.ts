/** Typed errors of the SM WAN model (stable codes a caller can match on). */
import { PpmidRelayError } from '../../runtime/errors.ts';

export type WanErrorCode = 'WAN_CONFIG' | 'WAN_UNKNOWN_CH' | 'WAN_DUPLICATE_CH';

export class WanError extends PpmidRelayError {
  declare readonly code: WanErrorCode;
  constructor(code: WanErrorCode, message: string) {
    super(code, message);
  }
}
