/**
 * A premises that never has a WAN (SECMP0038 3.1.1, decision C8; PROVISIONAL
 * where GBCS/DUIS provide nothing): what the supplier does differently.
 *
 * - SU-3 without WAN: the installer pairs the PPMID (its Device Log entry
 *   without the relay flag, as the ESME and GSME are paired at installation),
 *   and says the home has no WAN (`ProvisionRequest.noWan`). The 8.11 Add
 *   that sets the relay flag then travels as CV 2 through that PPMID itself
 *   (`noWanDeviceLogRoute`); the CHF takes it from a logged PPMID while it has
 *   no WAN (NO_WAN_CHF_RELAY_CODES). Its response waits at the CH (CH-4), so
 *   the 8.11 ends `applied-unconfirmed` and the PPMID is `relay-enabled`
 *   with `relayConfirmed: false` until the response arrives.
 * - Time: `ChTimePort` gets the PROVISIONAL Set CH Time command from the DCC
 *   (dcc/dsp/ch-time.ts: ACB-originated and signed) for local delivery; it is
 *   tracked as a command (`ch-time` order, srv `SECMP0038-CHT`), route
 *   `ppmid`, no DUIS exchange.
 */
import type { Eui } from '../runtime/bytes.ts';
import type { RouteDecision } from './route-planner.ts';

/** The DCC side of Set CH Time, as the supplier uses it (a port; src/system wires the DSP). */
export interface ChTimePort {
  /** The Command for Local Delivery (GBCS) for `chf`, issued for this user under RequestID counter `userCounter`. */
  issueSetChTime(r: { chf: Eui; userCounter: bigint }): Promise<Uint8Array> | Uint8Array;
}

/** Not a DUIS SRV: the PROVISIONAL Set CH Time (gbcs/codes/provisional.ts 0x0F03). */
export const CH_TIME_SRV = 'SECMP0038-CHT';

/** How long a Set CH Time envelope may wait: its delay becomes the CH's clock error (default 10 min). */
export const CH_TIME_EXPIRY_MS = 10 * 60_000;

/** 8.11 Add of the PPMID being installed in a home without WAN: CV 2 through that PPMID. */
export function noWanDeviceLogRoute(): RouteDecision {
  return {
    route: 'ppmid',
    commandVariants: [2],
    deliveringCv: 2,
    critical: false,
    reasons: [
      'no WAN at installation: 8.11 through the PPMID being installed (PROVISIONAL no-WAN commissioning: the CHF takes CCS01 from a logged PPMID while it has no WAN)',
    ],
  };
}

/** Set CH Time: local delivery only, no DUIS exchange (the DCC issues it directly). */
export function chTimeRoute(): RouteDecision {
  return {
    route: 'ppmid',
    commandVariants: [],
    deliveringCv: 2,
    critical: true,
    reasons: [
      'Set CH Time (PROVISIONAL): issued by the DCC for a CH without WAN and delivered through the PPMID (SECMP0038 3.1.1)',
    ],
  };
}
