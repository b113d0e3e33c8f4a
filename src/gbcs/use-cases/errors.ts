/**
 * Errors of the use-case catalogue: a payload that does not have its use
 * case's shape, a value that does not fit its field, an unknown use case.
 * Each carries the field path (`command.registerValue.value`, `alert.body`)
 * and, when decoding, the byte offset in the payload where the mismatch is.
 * A mismatch is always thrown whole: never a partially named object.
 */
import { GbcsMalformedError, GbcsUnsupportedError } from '../errors.ts';

export class UseCaseShapeError extends GbcsMalformedError {
  /** Field path of the mismatch. */
  readonly path: string;
  /** Index path inside the DLMS Data where the mismatch is (internal: used to compute the offset). */
  readonly at: readonly number[];
  readonly detail: string;
  constructor(detail: string, path: string, at: readonly number[] = [], offset?: number) {
    super(`${path}: ${detail}`, offset);
    this.detail = detail;
    this.path = path;
    this.at = at;
  }

  /** The same error with its byte offset and a prefixed path. */
  located(offset: number | undefined, prefix = ''): UseCaseShapeError {
    return new UseCaseShapeError(this.detail, prefix ? `${prefix}${this.path}` : this.path, this.at, offset);
  }
}

/** No catalogue row for that Message Code or use-case id, or the row has no payload shape for that kind. */
export class UseCaseUnknownError extends GbcsUnsupportedError {}
