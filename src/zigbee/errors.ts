/**
 * Typed ZigBee errors. Every failure of the ZigBee codecs and of APS security
 * is one of these, with a stable `code` and, for decoding failures, the byte
 * offset where decoding stopped: a malformed frame is a value a caller can log
 * and count, never a crash.
 */
import { PpmidRelayError } from '../runtime/errors.ts';

export type ZigbeeErrorCode =
  | 'ZIGBEE_MALFORMED'
  | 'ZIGBEE_TRUNCATED'
  | 'ZIGBEE_UNSUPPORTED'
  | 'ZIGBEE_MIC_INVALID'
  | 'ZIGBEE_REPLAY'
  | 'ZIGBEE_COUNTER_EXHAUSTED'
  | 'ZIGBEE_INSTALL_CODE_INVALID'
  | 'ZIGBEE_UNKNOWN_KEY'
  | 'ZIGBEE_FRAGMENT_INVALID'
  | 'ZIGBEE_FRAGMENT_MISSING'
  | 'ZIGBEE_REASSEMBLY_TOO_LARGE';

export class ZigbeeError extends PpmidRelayError {
  declare readonly code: ZigbeeErrorCode;
  /** Byte offset in the input where decoding stopped, when it applies. */
  readonly offset: number | undefined;
  constructor(code: ZigbeeErrorCode, message: string, offset?: number, options?: { cause?: unknown }) {
    super(code, offset === undefined ? message : `${message} (at offset ${offset})`, options);
    this.offset = offset;
  }
}

/** Bytes that do not follow the ZigBee / ZCL structure (bad enum, reserved bits, trailing bytes). */
export class ZigbeeMalformedError extends ZigbeeError {
  constructor(message: string, offset?: number) {
    super('ZIGBEE_MALFORMED', message, offset);
  }
}

/** The input ended before a field it announced. */
export class ZigbeeTruncatedError extends ZigbeeError {
  constructor(message: string, offset?: number) {
    super('ZIGBEE_TRUNCATED', message, offset);
  }
}

/** Well-formed but outside what this implementation handles (e.g. group delivery, MIC-less levels on APS). */
export class ZigbeeUnsupportedError extends ZigbeeError {
  constructor(message: string, offset?: number) {
    super('ZIGBEE_UNSUPPORTED', message, offset);
  }
}

/** CCM* authentication failed: wrong key, tampered frame or header, wrong nonce. */
export class ZigbeeMicInvalidError extends ZigbeeError {
  constructor(message = 'CCM* MIC does not verify') {
    super('ZIGBEE_MIC_INVALID', message);
  }
}

/** A secured frame whose frame counter is not above the last one accepted from its source. */
export class ZigbeeReplayError extends ZigbeeError {
  constructor(
    readonly source: string,
    readonly frameCounter: number,
    readonly lastAccepted: number,
  ) {
    super(
      'ZIGBEE_REPLAY',
      `frame counter ${frameCounter} from ${source} is not above the last accepted ${lastAccepted}`,
    );
  }
}

/** An outgoing frame counter reached 0xFFFFFFFF: the key must be refreshed before sending again. */
export class ZigbeeCounterExhaustedError extends ZigbeeError {
  constructor(message = 'outgoing frame counter exhausted') {
    super('ZIGBEE_COUNTER_EXHAUSTED', message);
  }
}

/** An install code of the wrong length or whose CRC-16 does not match. */
export class ZigbeeInstallCodeError extends ZigbeeError {
  constructor(message: string) {
    super('ZIGBEE_INSTALL_CODE_INVALID', message);
  }
}

/** No link key is known for the peer of a secured frame. */
export class ZigbeeUnknownKeyError extends ZigbeeError {
  constructor(
    message: string,
    readonly eui?: string,
  ) {
    super('ZIGBEE_UNKNOWN_KEY', message);
  }
}

/** A fragment that cannot belong to the transfer (block out of range, inconsistent total, conflicting duplicate). */
export class ZigbeeFragmentError extends ZigbeeError {
  constructor(message: string) {
    super('ZIGBEE_FRAGMENT_INVALID', message);
  }
}

/** Reassembly was asked to finish while blocks are missing. */
export class ZigbeeFragmentMissingError extends ZigbeeError {
  constructor(readonly missing: number[]) {
    super('ZIGBEE_FRAGMENT_MISSING', `blocks missing: ${missing.join(', ')}`);
  }
}

/** The reassembled transfer would exceed the configured size limit. */
export class ZigbeeReassemblyTooLargeError extends ZigbeeError {
  constructor(
    readonly limit: number,
    readonly size: number,
  ) {
    super('ZIGBEE_REASSEMBLY_TOO_LARGE', `reassembled transfer of at least ${size} bytes exceeds ${limit}`);
  }
}
