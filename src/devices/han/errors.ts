/** Typed HAN medium errors, with stable codes (a refusal is a value a device can count and report). */
import { PpmidRelayError } from '../../runtime/errors.ts';

/**
 * Why a HAN transfer failed or was refused. `link-down`, `duty-cycle`,
 * `too-large` and `lost` match `HanSendResult` in devices/contracts.ts.
 */
export type HanFailureReason =
  | 'link-down'
  | 'duty-cycle'
  | 'too-large'
  | 'lost'
  | 'queue-full'
  | 'no-key'
  | 'not-attached';

const CODES: Record<HanFailureReason, string> = {
  'link-down': 'HAN_LINK_DOWN',
  'duty-cycle': 'HAN_DUTY_CYCLE_SUSPENDED',
  'too-large': 'HAN_TOO_LARGE',
  lost: 'HAN_LOST',
  'queue-full': 'HAN_QUEUE_FULL',
  'no-key': 'HAN_NO_KEY',
  'not-attached': 'HAN_NOT_ATTACHED',
};

export class HanError extends PpmidRelayError {
  constructor(
    readonly reason: HanFailureReason,
    message: string,
  ) {
    super(CODES[reason], message);
  }
}

/** Sub-GHz: the sender's duty cycle is Suspended, so it may not transmit (HAN.md; SECMP0038 PP-4). */
export class HanDutyCycleSuspendedError extends HanError {
  constructor(readonly eui: string) {
    super('duty-cycle', `${eui}: duty cycle Suspended, transmission refused`);
  }
}
