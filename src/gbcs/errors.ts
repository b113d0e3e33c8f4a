/**
 * Typed GBCS errors. Every failure of the codec or of GBCS security is one of
 * these, with a stable `code` and, for decoding failures, the byte offset
 * where decoding stopped. A malformed message is a value a caller can log and
 * count, never a crash.
 */
import { PpmidRelayError } from '../runtime/errors.ts';

export type GbcsErrorCode =
  | 'GBCS_MALFORMED'
  | 'GBCS_TRUNCATED'
  | 'GBCS_MAC_INVALID'
  | 'GBCS_SIGNATURE_INVALID'
  | 'GBCS_UNKNOWN_KEY'
  | 'GBCS_UNSUPPORTED'
  | 'GBCS_DECRYPT_FAILED';

export class GbcsError extends PpmidRelayError {
  declare readonly code: GbcsErrorCode;
  /** Byte offset in the input where decoding stopped, when it applies. */
  readonly offset: number | undefined;
  constructor(code: GbcsErrorCode, message: string, offset?: number, options?: { cause?: unknown }) {
    super(code, offset === undefined ? message : `${message} (at offset ${offset})`, options);
    this.offset = offset;
  }
}

/** Bytes that do not follow the GBCS structure. */
export class GbcsMalformedError extends GbcsError {
  constructor(message: string, offset?: number) {
    super('GBCS_MALFORMED', message, offset);
  }
}

/** The input ended before a field it announced. */
export class GbcsTruncatedError extends GbcsError {
  constructor(message: string, offset?: number) {
    super('GBCS_TRUNCATED', message, offset);
  }
}

export class GbcsMacInvalidError extends GbcsError {
  constructor(message = 'MAC does not verify') {
    super('GBCS_MAC_INVALID', message);
  }
}

export class GbcsSignatureInvalidError extends GbcsError {
  constructor(message = 'signature does not verify') {
    super('GBCS_SIGNATURE_INVALID', message);
  }
}

/** A key or certificate needed for a security operation is not in the key store. */
export class GbcsUnknownKeyError extends GbcsError {
  constructor(
    message: string,
    readonly eui?: string,
  ) {
    super('GBCS_UNKNOWN_KEY', message);
  }
}

/** Well-formed but outside what this implementation handles. */
export class GbcsUnsupportedError extends GbcsError {
  constructor(message: string, offset?: number) {
    super('GBCS_UNSUPPORTED', message, offset);
  }
}

/** Payload decryption failed: the GCM tag does not verify (wrong key, or a changed ciphertext). */
export class GbcsDecryptFailedError extends GbcsError {
  constructor(message = 'payload decryption failed (tag does not verify)', offset?: number) {
    super('GBCS_DECRYPT_FAILED', message, offset);
  }
}
