/**
 * Which originator may run which use case on a device (GBCS 4.3 "Remote Party
 * Roles", the Use Case tables' "Remote Party" column; GBCS.md 2).
 *
 * A rule names the form in which a Command may arrive:
 * - `supplier`, `networkOperator`, `acb`, `transitionalCoS`, `wanProvider`,
 *   `recovery`, `root`, `loadController`: the header originator is that
 *   remote party (its EUI is the one in the device's Trust Anchor cell);
 * - `acb/supplier`, `acb/networkOperator`, `acb/other`: the ACB originates on
 *   that user's behalf (Supplementary Remote Party ID present: GBCS.md 1);
 *   `acb/other` is any user the device has no cell for (the ACB vouches);
 * - `device/PPMID`: a HAN device in the device's peer list (device-to-device
 *   messages PCS01/PCS02, GBCS.md 2).
 *
 * The table was built from the originators of every RTDS command (checked by
 * authority.test.ts) and completed from GBCS knowledge: supply control,
 * tariff, payment mode, credit, firmware and the device's own credentials
 * are the supplier's; voltage configuration and network data are the network
 * operator's; reads of energy registers and event logs are open to both;
 * credential updates are made by the role they replace (CS02b variants).
 * Use cases absent from the table fall back to `DEFAULT_RULES` (supplier
 * only): a device never runs a command for a party it cannot place.
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

const S: OriginatorForm = 'supplier';
const NO: OriginatorForm = 'networkOperator';
const ACB: OriginatorForm = 'acb';
const ACB_S: OriginatorForm = 'acb/supplier';
const ACB_NO: OriginatorForm = 'acb/networkOperator';
const ACB_OTHER: OriginatorForm = 'acb/other';

/** Forms used when a use case has no row. */
export const DEFAULT_RULES: readonly OriginatorForm[] = [S];

/** Use case (as in the Message Code table) -> the forms it may arrive in. */
export const AUTHORITY: Readonly<Record<string, readonly OriginatorForm[]>> = {
  // prepayment and credit (supplier; PPMID top-ups device-to-device)
  CS01a: [S],
  CS01b: [S],
  PCS01: ['device/PPMID'],
  PCS02: ['device/PPMID'],
  PECS01: ['device/PPMID'],
  PECS02: ['device/PPMID'],
  PECS03: ['device/PPMID'],
  // reads open to supplier and network operator (GBCS: energy registers, logs, instantaneous values)
  ECS17a: [S, NO],
  ECS17b: [S, NO],
  ECS17c: [S, NO],
  ECS18a: [S, NO],
  ECS18b: [S, NO],
  ECS22a: [S, NO],
  ECS22b: [S, NO],
  ECS22c: [S, NO],
  ECS23: [S, NO],
  ECS26c: [S, NO],
  ECS26d: [S, NO],
  ECS26k: [S, NO],
  ECS26l: [S, NO],
  ECS26m: [S, NO],
  ECS35a: [S, NO],
  ECS35b: [S, NO],
  ECS35e: [S, NO],
  ECS35f: [S, NO],
  ECS35g: [S, NO],
  ECS45: [S, NO],
  ECS52: [S, NO],
  GCS13a: [S],
  GCS18: [S, NO],
  GCS38: [S, NO],
  // read on the ACB's behalf for another user (DUIS "Other User" reads; the ACB supplies the user's KA certificate)
  ECS21b: [S, ACB_S, ACB_OTHER],
  ECS21c: [S, ACB_S, ACB_OTHER],
  GCS15d: [S, ACB_S, ACB_OTHER],
  GCS16b: [S, ACB_S, ACB_OTHER],
  // network operator's configuration
  ECS25b: [NO],
  ECS25b3: [NO],
  ECS29a: [NO],
  ECS29b: [NO],
  ECS29d: [NO],
  ECS29f: [NO],
  ECS37: [NO],
  GCS31: [NO, ACB_NO],
  // security credentials (GBCS 12: the role a CS02b replaces is the one that signs it)
  CS02a: [ACB, 'transitionalCoS'],
  CS02f: [ACB],
  CS02c: [S],
  CS02d: [S],
  CS02e: [S],
  CS02bSupplierBySupplier: [S],
  CS02bNOByNOHandover: [NO, ACB],
  CS02bACBByACB: [ACB],
  CS02bWPByWP: ['wanProvider'],
  CS02bSupplierByTransCoS: ['transitionalCoS'],
  CS02bAnyExceptAbnormalRootByRecovery: ['recovery'],
  CS02bAnyByContingency: ['root'],
  CS02gLoadControllerBySupplier: [S],
  CS02gLoadControllerByLoadController: ['loadController'],
  // CHF Device Log and CH management: the ACB on a user's behalf (DUIS 8.11, 8.9)
  CCS01: [ACB_S],
  CCS02: [ACB_S],
  CCS03: [ACB_S],
  CCS06: [ACB_S, ACB_NO],
  CCS07: [ACB_S, ACB_NO],
  ECS26i: [ACB_S, ACB_NO],
  ECS26n: [ACB_S, ACB_NO],
  ECS35d: [ACB_S, ACB_NO],
  DBCH01: [ACB_S, ACB_NO],
  DBCH02: [ACB_S, ACB_NO],
  DBCH04: [ACB_S, ACB_NO],
  DBCH05: [ACB_S, ACB_NO],
  CS08: [ACB_S],
  CS03A2: [ACB_S],
  CS03C: [ACB_S],
  CS04AC: [S, ACB_S],
  GCS36: [ACB_S],
  GCS59: [ACB],
};

export function rulesFor(useCase: string | undefined): readonly OriginatorForm[] {
  if (useCase === undefined) return DEFAULT_RULES;
  return AUTHORITY[useCase] ?? DEFAULT_RULES;
}

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
