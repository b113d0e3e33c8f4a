/**
 * The forms in which a Command may arrive at a device, and the use cases
 * the security checks treat specially. WHO may run a use case is not here:
 * it is the catalogue's role table (gbcs/use-cases/rows/roles.ts), read by
 * DeviceSecurity through `authorise` (gbcs/use-cases/authority.ts).
 *
 * A form names how the device placed the originator (for events and logs):
 * - `supplier`, `networkOperator`, `acb`, `transitionalCoS`, `wanProvider`,
 *   `recovery`, `root`, `loadController`: the header originator is the
 *   remote party in that Trust Anchor cell;
 * - `acb/supplier`, `acb/networkOperator`, `acb/other`: the ACB originates on
 *   that party's behalf (Supplementary Remote Party ID present: GBCS.md 1);
 *   `acb/other` is a party the device has no cell for (the ACB vouches);
 * - `device/PPMID`...: a HAN device in the device's peer list.
 */
import type { TrustAnchorCellName } from './credentials.ts';

export type OriginatorForm =
  | TrustAnchorCellName
  | 'acb/supplier'
  | 'acb/networkOperator'
  | 'acb/other'
  | 'device/PPMID'
  | 'device/ESME'
  | 'device/GSME';

/**
 * Use cases whose Command arrives as a signed General Signing APDU without the
 * ACB's MAC (DF only): credential replacement by the recovery or contingency
 * key and the transitional CoS "Provide Security Credentials Details"
 * (RTDS NA_CS02aSignature, NA_CS02bAnyExceptAbnormalRootByRecovery). For
 * these the signature, not the MAC, authenticates the command.
 */
export const SIGNATURE_ONLY_USE_CASES: ReadonlySet<string> = new Set([
  'CS02a',
  'CS02bAnyExceptAbnormalRootByRecovery',
  'CS02bAnyByContingency',
]);

/**
 * Replay spaces: top-ups keep their own counter per supplier (GBCS.md 5a: "greater than the last
 * accepted top-up counter from that supplier"), apart from the supplier's other commands.
 */
export const TOP_UP_USE_CASES: ReadonlySet<string> = new Set(['CS01a', 'CS01b', 'PCS01', 'PECS01']);
