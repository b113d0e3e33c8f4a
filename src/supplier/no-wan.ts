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
 * - Commission Device (8.1.1) without WAN: DSP-3 refuses it for local
 *   delivery unless the user has the no-WAN commissioning policy (decision
 *   C8). For a premises installed without WAN (class `none`) with a
 *   relay-enabled PPMID the supplier sends it as CV 4 then 6 through that
 *   PPMID (`commissionRoute`); a DSP without the policy refuses the CV 6
 *   (E17) and the command fails with that reason. The meter takes the CH's
 *   time only when it is Reliable, so Set CH Time comes first.
 * - Time: `ChTimePort` gets the PROVISIONAL Set CH Time command from the DCC
 *   (dcc/dsp/ch-time.ts: ACB-originated and signed) for local delivery; it is
 *   tracked as a command (`ch-time` order, srv `SECMP0038-CHT`), route
 *   `ppmid`, no DUIS exchange.
 */
import type { Eui } from '../runtime/bytes.ts';
import type { Route, WanClass } from './config.ts';
import { SupplierError } from './errors.ts';
import { chooseRoute, type RouteDecision } from './route-planner.ts';

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

/** 8.1.1 CommissionDevice TolerancePeriod (s) by default: the meter's time must fall in [CurrentDateTime, + this]. */
export const COMMISSION_TOLERANCE_S = 3600;

/**
 * The default CurrentDateTime of an 8.1.1 order is this long before the
 * supplier's time when it takes the order: a CH timed by Set CH Time runs
 * behind true time by as long as that command travelled (up to
 * CH_TIME_EXPIRY_MS), and the meter adopts the CH's time only inside
 * [CurrentDateTime, CurrentDateTime + TolerancePeriod] (ECS70 / GCS28).
 */
export const COMMISSION_CLOCK_MARGIN_MS = CH_TIME_EXPIRY_MS;

/**
 * The route of an 8.1.1 Commission Device (decision C8): CV 4 then 6 through
 * the PPMID for a premises installed without WAN that has a relay-enabled
 * PPMID (unless the caller forces `wan`); otherwise the catalogue's WAN route
 * (CV 4 then 5), and a forced local route is refused.
 */
export function commissionRoute(i: {
  wanClass: WanClass;
  hasEnhancedPpmid: boolean;
  forced?: Route;
}): RouteDecision {
  const local = i.forced === undefined || i.forced === 'ppmid';
  if (local && i.wanClass === 'none' && i.hasEnhancedPpmid)
    return {
      route: 'ppmid',
      commandVariants: [4, 6],
      deliveringCv: 6,
      critical: true,
      reasons: [
        'no SM WAN since the installation: 8.1.1 through the PPMID under the no-WAN commissioning policy (SECMP0038 DSP-3, decision C8)',
        "SR 8.1.1 is critical: Pre-Command (CV 4), signed with the supplier's DS key, then CV 6",
      ],
    };
  if (i.forced !== undefined && i.forced !== 'wan')
    throw new SupplierError(
      'SUPPLIER_BAD_REQUEST',
      `8.1.1 goes through the PPMID only for a premises installed without WAN with a relay-enabled PPMID (decision C8; WAN class ${i.wanClass})`,
    );
  return chooseRoute({
    srv: '8.1.1',
    wanClass: i.wanClass,
    hasEnhancedPpmid: i.hasEnhancedPpmid,
    futureDated: false,
    forced: i.forced,
  });
}

/**
 * Command Variants the DUIS catalogue does not list for an SR but a DSP user
 * policy opens (DSP-3: 8.1.1 CV 6/7 under no-WAN commissioning). The
 * supplier builds such a request; the DSP decides (E17 without the policy).
 */
export function policyOpenedCv(srv: string, cv: number): boolean {
  return srv === '8.1.1' && (cv === 6 || cv === 7);
}
