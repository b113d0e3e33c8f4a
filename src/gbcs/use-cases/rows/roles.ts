/**
 * THE role table of the catalogue (docs/use-cases.md "Roles"): for every
 * command use case, who may send it. Every row takes its `roles`,
 * `acbOnBehalfOf`, `rolesConfirmed` and `rolesNote` from here (the row
 * builders call `roleFields`); the devices' authorisation, the DSP's access
 * check and the listings all read the rows (use-cases/authority.ts).
 *
 * GBCS's use-case tables give two role columns per Remote Party use case:
 * "Valid Business Originator role(s) for Command invocation" (here `roles`:
 * the header Originator, a party the device holds a Trust Anchor cell for)
 * and "Valid Response Recipient role(s) (only for Messages Authorised by the
 * Access Control Broker on behalf of parties not known to the Device)" (here
 * `acb`: the ACB is the header Originator and the party is the
 * Supplementary Remote Party; an Other User only ever reaches a device this
 * way). HAN-only commands name the initiating device type (`device`).
 *
 * How each entry is known (`confirmed`):
 * - 'gbcs-text': read in GBCS text: CS01a/CS01b (GBCS 14.4/14.5 use-case
 *   table: business originator Supplier, target ESME or GSME, no ACB role);
 *   the CS02b modes whose party GBCS 13.3.3.1 fixes (the Business
 *   Originator is the Known Remote Party that generated the KRP Signature,
 *   the "...ByX" party of the credentialsReplacementMode; for
 *   accessControlBrokerByACB the ACB itself, no KRP Signature); PCS02 and
 *   PECS02 (GBCS use-case tables: HAN Only Message, no Remote Party Role).
 * - 'unconfirmed': GBCS's per-use-case role columns for the other use cases
 *   could not be found in any public text searched (GBCS v1.0's own text
 *   carries only sections 13/14; the use-case tables were not reachable). The sets are
 *   built from (a) the DUIS eligible users of the SRV that produces the use
 *   case (Import/Export/Gas Supplier -> supplier, Electricity Distributor /
 *   Gas Transporter -> networkOperator, Other User -> otherUser via the ACB;
 *   an Export Supplier is not the device's supplier cell, so export SRVs let
 *   the ACB act for a supplier), (b) the originators of every RTDS command
 *   (rtds.test.ts, security.test.ts check all of them), (c) the credential
 *   modes' own names (CS02b supplierByTransCoS: the transitional CoS party).
 *   Each entry's `note` says which.
 * Critical commands are never ACB-fronted for a party with its own cell: the
 * device verifies the business originator's signature against that cell.
 */
import type { Confirmation, Originator, RemotePartyRole } from '../row.ts';

export interface RoleEntry {
  roles: readonly Originator[];
  acb?: readonly RemotePartyRole[];
  confirmed: Confirmation;
  note: string;
}

const S: readonly Originator[] = ['supplier'];
const NO: readonly Originator[] = ['networkOperator'];
const S_NO: readonly Originator[] = ['supplier', 'networkOperator'];
const DEVICE: readonly Originator[] = ['device'];
const NONE: readonly Originator[] = [];

const DUIS = 'DUIS eligible users of the SRV; GBCS table not confirmed';
const DUIS_OU = 'DUIS eligible users of the SRV (Other User through the ACB); GBCS table not confirmed';
const DUIS_ES =
  'DUIS eligible users of the SRV (the Export Supplier has no cell in the ESME: through the ACB); GBCS table not confirmed';
const RTDS_ACB =
  'DUIS eligible users; RTDS shows the ACB authorising it for that party; GBCS table not confirmed';
const DCC_DEVICE =
  'the CHF/PPMID/HCALCS hold no supplier or network operator cell: the ACB authorises it for the DUIS eligible users (RTDS shows this); GBCS table not confirmed';
const CRED = 'named by the credentials replacement mode; RTDS originator agrees; GBCS table not confirmed';
const HAN = 'HAN-only command from the joined device (GBCS "Valid initiating Device type"); not confirmed';
const HAN_GBCS = (type: string) =>
  `GBCS use-case table: HAN Only Message (${type}), no Remote Party Role: only the joined PPMID sends it`;
const KRP = (mode: string, party: string) =>
  `GBCS 13.3.3.1: the Business Originator is the Known Remote Party that signs the ${mode} mode, the ${party}`;
const LOAD_CONTROLLER =
  'DUIS: Import Supplier; Load Controller (OU 8) added for the auxiliary controller use cases: inferred, not confirmed';

const e = (
  roles: readonly Originator[],
  note: string,
  acb?: readonly RemotePartyRole[],
  confirmed: Confirmation = 'unconfirmed',
): RoleEntry => (acb ? { roles, acb, confirmed, note } : { roles, confirmed, note });

const ALL_ACB: readonly RemotePartyRole[] = ['supplier', 'networkOperator', 'otherUser'];

/** Use case -> who may send it. Every command row has an entry (checked when the rows are built). */
export const ROLE_TABLE: Readonly<Record<string, RoleEntry>> = {
  // ---- 1.x tariff, price, balance, payment mode (critical, supplier)
  ECS01a: e(S, DUIS),
  ECS01b: e(S, DUIS),
  ECS01c: e(S, DUIS),
  ECS01d: e(S, DUIS),
  ECS02: e(S, DUIS),
  ECS03: e(S, DUIS),
  ECS04a: e(S, DUIS),
  ECS04b: e(S, DUIS),
  ECS05: e(S, DUIS),
  GCS01a: e(S, DUIS),
  GCS01b: e(S, DUIS),
  GCS02: e(S, DUIS),
  GCS03: e(S, DUIS),
  GCS40a: e(S, DUIS),
  GCS40b: e(S, DUIS),
  GCS40c: e(S, DUIS),
  GCS40d: e(S, DUIS),
  // ---- 2.x prepayment
  CS01a: e(
    S,
    'GBCS use-case table: business originator Supplier, ESME or GSME, no ACB role',
    undefined,
    'gbcs-text',
  ),
  CS01b: e(
    S,
    'GBCS use-case table: business originator Supplier, ESME or GSME, no ACB role',
    undefined,
    'gbcs-text',
  ),
  ECS07: e(S, DUIS),
  ECS08: e(S, DUIS),
  ECS08a: e(S, DUIS),
  ECS09: e(S, DUIS),
  GCS04: e(S, DUIS),
  GCS05: e(S, DUIS),
  GCS06: e(S, DUIS),
  // ---- 3.x customer management
  ECS10: e(S, DUIS),
  ECS12: e(S, DUIS),
  ECS14: e(S, DUIS),
  ECS15a: e(S, DUIS),
  ECS15c: e(S, DUIS),
  ECS16: e(S, DUIS),
  GCS07: e(S, DUIS),
  GCS09: e(S, DUIS),
  GCS11: e(S, DUIS),
  GCS44: e(S, DUIS),
  CS11: e(S, DUIS),
  // ---- 4.x reads
  ECS17a: e(S_NO, DUIS_ES, ['supplier']),
  ECS17b: e(S_NO, DUIS),
  ECS17c: e(S_NO, DUIS),
  ECS17d: e(S_NO, DUIS),
  ECS17e: e(S_NO, DUIS),
  ECS18a: e(S_NO, DUIS_ES, ['supplier']),
  ECS18b: e(S_NO, DUIS),
  ECS19: e(S, DUIS),
  ECS20a: e(S, DUIS),
  ECS20b: e(S, DUIS),
  ECS20c: e(S, DUIS),
  ECS20d: e(S, DUIS),
  ECS21a: e(S, DUIS),
  ECS21b: e(S, RTDS_ACB, ['supplier']),
  ECS21c: e(S, `${DUIS_ES}; RTDS shows it`, ['supplier']),
  ECS22a: e(S_NO, `${DUIS_ES}; Other User too`, ['supplier', 'otherUser']),
  ECS22b: e(S_NO, DUIS_OU, ['otherUser']),
  ECS22c: e(S_NO, DUIS_OU, ['otherUser']),
  ECS23: e(S_NO, DUIS),
  ECS23b: e(S_NO, DUIS),
  ECS24: e(S, DUIS_OU, ['otherUser']),
  ECS24b: e(S, DUIS_OU, ['otherUser']),
  ECS26a: e(S, DUIS),
  ECS27: e(S_NO, DUIS),
  ECS66: e(S_NO, DUIS_OU, ['otherUser']),
  ECS82: e(S, DUIS),
  GCS13a: e(S_NO, DUIS),
  GCS13b: e(S, DUIS),
  GCS13c: e(S_NO, DUIS),
  GCS14: e(S, DUIS),
  GCS15b: e(S, DUIS),
  GCS15c: e(S, DUIS),
  GCS15d: e(S, RTDS_ACB, ['supplier']),
  GCS15e: e(S, DUIS),
  GCS16a: e(S, DUIS),
  GCS16b: e(S, RTDS_ACB, ['supplier']),
  GCS17: e(S_NO, DUIS_OU, ['otherUser']),
  GCS18: e(S_NO, DUIS),
  GCS21b: e(S, DUIS),
  GCS21f: e(S, DUIS_OU, ['otherUser']),
  GCS60: e(S, DUIS),
  GCS61: e(S_NO, DUIS_OU, ['otherUser']),
  // ---- 6.x configuration
  ECS25a: e(S, DUIS),
  ECS25a1: e(S, DUIS),
  ECS25a2: e(S, DUIS),
  ECS25a3: e(S, DUIS),
  ECS25b: e(NO, DUIS),
  ECS25b3: e(NO, DUIS),
  ECS25r1: e(S, DUIS),
  ECS25r2: e(NO, DUIS),
  ECS26b: e(S_NO, DUIS),
  ECS26c: e(S_NO, DUIS),
  ECS26d: e(S, DUIS),
  ECS26e: e(S_NO, DUIS_OU, ALL_ACB),
  ECS26f: e(S, DUIS),
  ECS26j: e(S, DUIS),
  ECS26k: e(S_NO, DUIS),
  ECS26l: e(S, DUIS),
  ECS26m: e(S_NO, DUIS_OU, ALL_ACB),
  ECS28a: e(S_NO, DUIS),
  ECS28b: e(S_NO, DUIS),
  ECS29a: e(NO, DUIS),
  ECS29b: e(NO, DUIS),
  ECS29c: e(NO, DUIS),
  ECS29d: e(NO, DUIS),
  ECS29e: e(NO, DUIS),
  ECS29f: e(NO, DUIS),
  ECS30: e(S, DUIS),
  ECS30a: e(S, DUIS),
  ECS34: e(S, DUIS),
  ECS35a: e(S_NO, DUIS),
  ECS35b: e(S_NO, DUIS),
  ECS35e: e(S_NO, DUIS),
  ECS35f: e(S_NO, DUIS),
  ECS35g: e(S_NO, DUIS),
  ECS37: e(NO, DUIS),
  ECS38: e(S, DUIS),
  ECS39a: e(S, DUIS),
  ECS39b: e(S, DUIS_ES, ['supplier']),
  ECS40: e(S_NO, DUIS_OU, ALL_ACB),
  ECS46a: e(S, DUIS),
  ECS46c: e(S, DUIS),
  ECS46d: e(['supplier', 'loadController'], LOAD_CONTROLLER),
  ECS48: e(S, DUIS),
  ECS57: e(NO, DUIS),
  ECS70: e(S, DUIS),
  ECS81: e(S, DUIS),
  GCS20: e(S, DUIS),
  GCS20r: e(S, DUIS),
  GCS21a: e(S_NO, DUIS),
  GCS21d: e(S, DUIS),
  GCS21e: e(S_NO, DUIS_OU, ALL_ACB),
  GCS21j: e(S, DUIS),
  GCS21k: e(S, DUIS),
  GCS21m: e(S_NO, DUIS_OU, ALL_ACB),
  GCS23: e(S, DUIS),
  GCS24: e(S, DUIS),
  GCS24a: e(S, DUIS),
  GCS25: e(S, DUIS),
  GCS25a: e(S, DUIS),
  GCS28: e(S, DUIS),
  GCS41: e(S, DUIS),
  GCS46: e(S_NO, DUIS_OU, ALL_ACB),
  CS10a: e(S_NO, DUIS),
  CS10b: e(S_NO, DUIS),
  // ---- 7.x supply and auxiliary load
  ECS42: e(S, DUIS),
  ECS43: e(S, DUIS),
  ECS44: e(S, DUIS),
  ECS45: e(S_NO, DUIS_ES, ['supplier']),
  ECS47: e(S, DUIS),
  ECS47a: e(['supplier', 'loadController'], LOAD_CONTROLLER),
  ECS61a: e(S_NO, DUIS_OU, ['otherUser']),
  ECS47b: e(['supplier', 'loadController'], LOAD_CONTROLLER),
  ECS61d: e(['supplier', 'networkOperator', 'loadController'], LOAD_CONTROLLER),
  ECS61e: e(['supplier', 'networkOperator', 'loadController'], LOAD_CONTROLLER),
  ECS61c: e(S, DUIS),
  ECS62: e(S, DUIS),
  GCS32: e(S, DUIS),
  GCS33: e(S_NO, DUIS_OU, ['supplier', 'otherUser']),
  GCS39: e(S, DUIS),
  // ---- 9.x CIN
  ECS50: e(S, RTDS_ACB, ['supplier']),
  GCS36: e(S, RTDS_ACB, ['supplier']),
  // ---- 11.x firmware
  ECS52: e(S_NO, `${DUIS}; to the CHF through the ACB`, ['supplier', 'networkOperator']),
  GCS38: e(S_NO, DUIS, ['supplier', 'networkOperator']),
  CS06: e(S, DUIS),
  CS08: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  // ---- 14.x network data
  GCS31: e(NO, RTDS_ACB, ['networkOperator']),
  // ---- CHF (8.9, 8.11, 8.12.1, 6.2.4, 6.13, 6.28-6.32)
  CCS01: e(NONE, DCC_DEVICE, ['supplier']),
  CCS02: e(NONE, DCC_DEVICE, ['supplier']),
  CCS03: e(NONE, DCC_DEVICE, ['supplier']),
  CCS05: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  CCS06: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  CCS07: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  ECS26i: e(NONE, DCC_DEVICE, ALL_ACB),
  ECS26n: e(NONE, DCC_DEVICE, ALL_ACB),
  ECS35c: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  ECS35d: e(NONE, DCC_DEVICE, ['supplier', 'networkOperator']),
  DBCH01: e(NONE, DCC_DEVICE, ['supplier']),
  DBCH02: e(NONE, DCC_DEVICE, ['supplier']),
  DBCH03: e(NONE, DCC_DEVICE, ['supplier']),
  DBCH04: e(NONE, DCC_DEVICE, ['supplier']),
  DBCH05: e(NONE, DCC_DEVICE, ['supplier']),
  // ---- 8.x device management: joins and unjoins, device log
  CS03A1: e(S, DUIS),
  CS03B: e(S, DUIS),
  CS03A2: e(NONE, DCC_DEVICE, ['supplier']),
  CS03C: e(NONE, DCC_DEVICE, ['supplier']),
  CS04AC: e(S, `${DUIS}; to a PPMID/HCALCS through the ACB (RTDS shows both)`, ['supplier']),
  CS04B: e(S, DUIS),
  CS07: e(S_NO, `${DUIS}; to the CHF/PPMID/HCALCS through the ACB`, ['supplier', 'networkOperator']),
  GCS59: e(
    ['acb'],
    'the DCC restores the GPF Device Log (RTDS: the ACB, no Supplementary Remote Party); GBCS table not confirmed',
  ),
  // ---- security credentials (CS02)
  CS02a: e(
    ['acb', 'transitionalCoS'],
    'RTDS originators (ACB, transitional CoS signature-only); GBCS table not confirmed',
  ),
  CS02bRootBySupplier: e(S, KRP('rootBySupplier', 'supplier'), undefined, 'gbcs-text'),
  CS02bRootByWanProvider: e(
    ['wanProvider'],
    KRP('rootByWanProvider', 'WAN provider'),
    undefined,
    'gbcs-text',
  ),
  CS02bSupplierBySupplier: e(S, KRP('supplierBySupplier', 'supplier'), undefined, 'gbcs-text'),
  CS02bNOByNOHandover: e(['networkOperator', 'acb'], `${CRED} (RTDS: the ACB, DUIS 6.21 handover)`),
  CS02bACBByACB: e(
    ['acb'],
    'GBCS 13.3.3.1: accessControlBrokerByACB is MAC Header, Grouping Header and payload with no KRP Signature: the ACB is the originator',
    undefined,
    'gbcs-text',
  ),
  CS02bWPByWP: e(['wanProvider'], KRP('wanProviderByWanProvider', 'WAN provider'), undefined, 'gbcs-text'),
  CS02bTransCoSByTransCoS: e(
    ['transitionalCoS'],
    KRP('transCoSByTransCoS', 'transitional CoS party'),
    undefined,
    'gbcs-text',
  ),
  CS02bSupplierByTransCoS: e(
    ['transitionalCoS'],
    KRP('supplierByTransCoS', 'transitional CoS party'),
    undefined,
    'gbcs-text',
  ),
  CS02bAnyExceptAbnormalRootByRecovery: e(
    ['recovery'],
    `${KRP('anyExceptAbnormalRootByRecovery', 'recovery party')} (Grouping Header and KRP Signature, no ACB MAC)`,
    undefined,
    'gbcs-text',
  ),
  CS02bAnyByContingency: e(['root'], CRED),
  CS02gLoadControllerBySupplier: e(S, CRED),
  CS02gLoadControllerByLoadController: e(['loadController'], CRED),
  CS02c: e(S, DUIS),
  CS02d: e(S, DUIS),
  CS02e: e(S, DUIS),
  CS02f: e(
    ['acb'],
    'RTDS originator (the ACB retrieves the credentials, DUIS 6.24.1 KRP); GBCS table not confirmed',
  ),
  // ---- HAN-only (device to device)
  PCS01: e(DEVICE, HAN),
  PCS02: e(DEVICE, HAN_GBCS('Message Type SME.C.PPMID-GSME'), undefined, 'gbcs-text'),
  PECS01: e(DEVICE, HAN),
  PECS02: e(DEVICE, HAN_GBCS('ZSE Select Available Emergency Credit'), undefined, 'gbcs-text'),
  PECS03: e(DEVICE, HAN),
  HECS01: e(DEVICE, HAN),
};

/** The role fields of a command row (every command row builder spreads these). Throws when the table has no entry. */
export function roleFields(useCase: string): {
  roles: readonly Originator[];
  acbOnBehalfOf?: readonly RemotePartyRole[];
  rolesConfirmed: Confirmation;
  rolesNote: string;
} {
  const r = ROLE_TABLE[useCase];
  if (!r) throw new Error(`role table (rows/roles.ts): no entry for command use case ${useCase}`);
  return r.acb
    ? { roles: r.roles, acbOnBehalfOf: r.acb, rolesConfirmed: r.confirmed, rolesNote: r.note }
    : { roles: r.roles, rolesConfirmed: r.confirmed, rolesNote: r.note };
}
