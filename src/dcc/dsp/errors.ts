/**
 * Typed errors of the DSP service (access control, counters, local-delivery
 * policy, request state). Each has a stable `code`, the HTTP status of the
 * synchronous answer, and a DUIS Response Code where DUIS defines one for the
 * situation (DUIS common codes: src/duis/response-codes.ts). Where DUIS has no
 * code (a replayed counter, a request in the wrong state) the DSP answers at
 * the HTTP level, like the DUIS codec's `dspRejection` (docs/duis.md).
 */
import type { DuisResponseCode } from '../../duis/index.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';

export type DspServiceErrorCode =
  /** The Request ID's originator is not a registered DCC user (DUIS E1). */
  | 'DSP_UNKNOWN_USER'
  /** The user's role may not send this Service Reference (DUIS E2). */
  | 'DSP_ROLE_NOT_ELIGIBLE'
  /** The user's status does not permit Service Requests (DUIS E3). */
  | 'DSP_USER_STATUS'
  | 'DSP_NOT_REGISTERED_SUPPLIER'
  /** The user's role is not authorised for this device (DUIS E4: e.g. a gas supplier commanding an ESME). */
  | 'DSP_ROLE_NOT_AUTHORISED_FOR_DEVICE'
  /** The device's status does not permit the SR, e.g. opted out of DCC services (DUIS E5). */
  | 'DSP_DEVICE_STATUS'
  /** The target is not in the inventory, or a non-device SR does not target the ACB (DUIS E19). */
  | 'DSP_UNKNOWN_TARGET'
  /** The Request ID counter is not greater than the last one accepted from this user (HTTP 409). */
  | 'DSP_COUNTER_REPLAY'
  /**
   * The Request ID counter lies beyond the request time window: DUIS counters are
   * time-based (ms), one that jumps past the DSP's time + window is refused (HTTP 400).
   */
  | 'DSP_COUNTER_OUT_OF_WINDOW'
  /** A cheap check before any parse refused the body (size, depth, no signature, unknown user; HTTP 400/403/413). */
  | 'DSP_PRECHECK_REFUSED'
  /** The Command Variant was sent to the wrong URL (DUIS E13). */
  | 'DSP_WRONG_ENDPOINT'
  /** The Command Variant is not allowed for the SRV (DUIS E12). */
  | 'DSP_COMMAND_VARIANT_NOT_ALLOWED'
  /** SECMP0038 DSP-3: the SR is not available for local delivery (DUIS E17). */
  | 'DSP_LOCAL_DELIVERY_REFUSED'
  /** A future-dated request whose ExecutionDateTime is before the DSP's clock (PROVISIONAL E30: execution-date.ts). */
  | 'DSP_EXECUTION_IN_PAST'
  /** The request is well-formed but fails the DUIS XSD (HTTP 400). */
  | 'DSP_XSD_INVALID'
  /** 8.13: the returned response cannot be matched to a command this DSP issued (PROVISIONAL E081301..03). */
  | 'DSP_LOCAL_RESPONSE_REJECTED'
  /** An illegal request state transition (a bug, or a store edited by hand). */
  | 'DSP_STATE'
  /** The DSP cannot take the request right now (a bounded queue is full). HTTP 503. */
  | 'DSP_BUSY'
  /** A report this DSP does not produce (charges in several currencies). HTTP 501; no SRV answers 501. */
  | 'DSP_UNSUPPORTED'
  /** The SM WAN refused the command (DUIS E20). */
  | 'DSP_WAN_UNAVAILABLE'
  /** A Command over the HAN transfer size that cannot be cut into GBT blocks (no readable routing header: a bug). HTTP 500. */
  | 'DSP_GBT_SPLIT'
  /** Configuration of users, inventory, keys or tariff is wrong. */
  | 'DSP_CONFIG';

export class DspServiceError extends PpmidRelayError {
  declare readonly code: DspServiceErrorCode;
  readonly responseCode: DuisResponseCode | undefined;
  readonly httpStatus: number;
  constructor(
    code: DspServiceErrorCode,
    message: string,
    opts: { responseCode?: DuisResponseCode; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.responseCode = opts.responseCode;
    this.httpStatus = opts.httpStatus ?? (opts.responseCode ? 200 : 400);
  }
}

export const unknownUser = (eui: string) =>
  new DspServiceError('DSP_UNKNOWN_USER', `${eui} is not a registered DCC user`, { responseCode: 'E1' });

export const roleNotEligible = (eui: string, roles: readonly string[], srv: string, why?: string) =>
  new DspServiceError(
    'DSP_ROLE_NOT_ELIGIBLE',
    `user ${eui} (roles ${roles.join(', ') || 'none'}) may not send SR ${srv}${why ? `: ${why}` : ''}`,
    { responseCode: 'E2' },
  );

export const userStatus = (eui: string, status: string) =>
  new DspServiceError('DSP_USER_STATUS', `user ${eui} is ${status}`, { responseCode: 'E3' });

export const notAuthorisedForDevice = (eui: string, device: string, deviceType: string) =>
  new DspServiceError(
    'DSP_ROLE_NOT_AUTHORISED_FOR_DEVICE',
    `user ${eui} holds no role that may command the ${deviceType} ${device}`,
    { responseCode: 'E4' },
  );

/** E4: a supplier addressing a meter another supplier is registered for (registration.ts). */
export const notRegisteredSupplier = (eui: string, device: string, registered: string) =>
  new DspServiceError(
    'DSP_NOT_REGISTERED_SUPPLIER',
    `user ${eui} is not the registered supplier of ${device} (${registered} is)`,
    { responseCode: 'E4' },
  );

export const unknownTarget = (target: string, why: string) =>
  new DspServiceError('DSP_UNKNOWN_TARGET', `target ${target}: ${why}`, { responseCode: 'E19' });

export const counterReplay = (user: string, counter: bigint, last: bigint) =>
  new DspServiceError(
    'DSP_COUNTER_REPLAY',
    `Request ID counter ${counter} from ${user} is not greater than the last accepted (${last})`,
    { httpStatus: 409 },
  );

export const counterOutOfWindow = (user: string, counter: bigint, ceiling: bigint) =>
  new DspServiceError(
    'DSP_COUNTER_OUT_OF_WINDOW',
    `Request ID counter ${counter} from ${user} is beyond the request time window (at most ${ceiling} now)`,
    { httpStatus: 400 },
  );

export const wrongEndpoint = (cv: number, endpoint: string, expected: string) =>
  new DspServiceError(
    'DSP_WRONG_ENDPOINT',
    `Command Variant ${cv} is not taken by ${endpoint}; send it to ${expected}`,
    { responseCode: 'E13' },
  );

export const commandVariantNotAllowed = (srv: string, cv: number, why?: string) =>
  new DspServiceError(
    'DSP_COMMAND_VARIANT_NOT_ALLOWED',
    `Command Variant ${cv} is not allowed for SR ${srv}${why ? `: ${why}` : ''}`,
    { responseCode: 'E12' },
  );

export const localDeliveryRefused = (srv: string, cv: number, why: string) =>
  new DspServiceError(
    'DSP_LOCAL_DELIVERY_REFUSED',
    `SR ${srv} is not available for local delivery (CV ${cv}): ${why}`,
    { responseCode: 'E17' },
  );

export const deviceStatusRefused = (why: string) =>
  new DspServiceError('DSP_DEVICE_STATUS', why, { responseCode: 'E5' });
