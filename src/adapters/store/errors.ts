/**
 * Typed errors of the storage adapter. Each has a stable `code` (see
 * src/runtime/errors.ts) so a party can tell "database unreachable" from "a
 * migration failed" from "bad configuration" without parsing messages.
 */
import { PpmidRelayError } from '../../runtime/errors.ts';

export type StoreErrorCode =
  | 'STORE_CONFIG'
  | 'STORE_UNREACHABLE'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_MIGRATION_INVALID'
  | 'STORE_VALUE_OUT_OF_RANGE';

export class StoreError extends PpmidRelayError {
  declare readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
