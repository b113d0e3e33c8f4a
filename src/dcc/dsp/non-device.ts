/**
 * Non-device Service Requests (CV 8): the SRs the DCC answers itself, from
 * its own records (inventory, schedules, firmware), with no GBCS command.
 * One handler per SRV; the SRV table (srv-table.ts) reads `NON_DEVICE_SRVS`
 * to say which are supported. The handlers see the DSP only through
 * `NonDeviceContext`, so DspService stays the owner of its state.
 */
import type { DuisRequest, DuisResponseCode, ResponseMessagePayload } from '../../duis/index.ts';
import type { DspUser } from './users.ts';

/** A non-device SR's answer: the synchronous DUIS Response (code, optional body element). */
export interface NonDeviceAnswer {
  code: DuisResponseCode;
  payload?: ResponseMessagePayload;
}

/** What a handler may use of the DSP. */
export interface NonDeviceContext {
  req: DuisRequest;
  user: DspUser;
  /** The formatted Request ID. */
  requestId: string;
  /** 8.13 is the service's own (it completes a device request). */
  returnLocalCommandResponse(): NonDeviceAnswer;
}

export type NonDeviceHandler = (ctx: NonDeviceContext) => NonDeviceAnswer;

const HANDLERS: Readonly<Record<string, NonDeviceHandler>> = {
  '8.13': (ctx) => ctx.returnLocalCommandResponse(),
};

/** The non-device SRVs this DSP answers. */
export const NON_DEVICE_SRVS: readonly string[] = Object.freeze(Object.keys(HANDLERS));

export function nonDeviceHandler(srv: string): NonDeviceHandler | undefined {
  return Object.hasOwn(HANDLERS, srv) ? HANDLERS[srv] : undefined;
}
