/**
 * THE role table of the catalogue (docs/use-cases.md "Roles"): for every
 * command use case, who may send it. Every row takes its `roles`,
 * `acbOnBehalfOf`, `rolesConfirmed` and `rolesNote` from here (the row
 * builders call `roleFields`); the devices' authorisation, the DSP's access
 * check and the listings all read the rows (use-cases/authority.ts).
 *
 * GBCS V3.1's use-case tables ("Use Case access permissions", read this
 * session in the GBCS V3.1 use-case file; docs/use-cases.md "Roles") list,
 * per Remote Party use case, the Remote Party Roles that may perform it.
 * Here: the roles other than the ACB -> `roles` (the header Originator, a
 * party the device holds a Trust Anchor cell for); the Access Control
 * Broker listed -> the ACB may be the header Originator, and `acb` holds
 * every DUIS eligible user role of the SRV(s) that produce the use case (the
 * party in the Supplementary Remote Party ID); not listed -> `acb` empty.
 * HAN Only Messages name the initiating device type (`device`).
 *
 * How each entry is known (`confirmed`):
 * - 'gbcs-text': read in GBCS V3.1's use-case access tables (`G31`, the
 *   note lists the roles the table names); CS01a/CS01b's table says "See
 *   GBCS" (GBCS 14.4/14.5: business originator Supplier, no ACB role); the
 *   CS02b modes whose party GBCS 13.3.3.1 fixes (the Business Originator is
 *   the Known Remote Party that generated the KRP Signature, the "...ByX"
 *   party of the credentialsReplacementMode; for accessControlBrokerByACB
 *   the ACB itself, no KRP Signature).
 * - 'gbcs-text' (`LATER`): ECS46d, ECS47a, ECS47e, ECS61d, ECS61e, ECS35g,
 *   GCS24a, read in the later GBCS use-case file (commit c5d22f4e of the same
 *   repository), which has tables for use cases V3.1 does not define.
 * - 'unconfirmed': use cases neither file has an access table for (the GBCS
 *   sections 11-13 use cases CS02x/CS03x/CS04x/CS06/CS08, CCS05, GCS59: the
 *   files say only "See section 13.x"; CS07, whose table in both says "See
 *   GBCS" (13.7.4); ECS08, ECS26e, ECS30, ECS26d, ECS26i, GCS21d, GCS21e,
 *   which neither defines (the last four take the sets of their V3.1 pair's
 *   ECS26l, ECS26n, GCS21k, GCS21m); GCS28, "See section 9.1" in both).
 *   GBCS's main text (sections 9.1, 11, 13) was not reachable: the only
 *   public copy found is a 2014 draft (v0.8.1), in excerpts. Their sets are built
 *   from the DUIS eligible users of the SRV, the originators of every RTDS
 *   command (rtds.test.ts, security.test.ts check all of them) and the
 *   credential modes' own names. Each entry's `note` says which.
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
const DCC_DEVICE =
  'the CHF/PPMID/HCALCS hold no supplier or network operator cell: the ACB authorises it for the DUIS eligible users (RTDS shows this); GBCS table not confirmed';
const CRED = 'named by the credentials replacement mode; RTDS originator agrees; GBCS table not confirmed';
/** What the use-case files say of a use case they give no access table: the GBCS section they defer to. */
const SEE = (where: string) =>
  `the GBCS V3.1 (00ed2ddf) and later (c5d22f4e) use-case files give it no access table (${where}); GBCS section text not reached`;
const SEC13 = (n: string) => SEE(`'See section ${n}'`);
const NOT_DEFINED = (by: string) =>
  `not in the GBCS V3.1 (00ed2ddf) or later (c5d22f4e) use-case files' tables of contents (${by})`;
/** Both files' pair lists the use case's successor, not the use case: its sets are the successor's. */
const PAIR_OF = (pair: string, successor: string, table: string) =>
  `${NOT_DEFINED(`its pair '${pair}' lists ${successor}`)}: the sets of ${successor} (table: ${table}); GBCS table not confirmed`;
const KRP = (mode: string, party: string) =>
  `GBCS 13.3.3.1: the Business Originator is the Known Remote Party that signs the ${mode} mode, the ${party}`;
const AUX_READ = 'Supplier, Network Operator, Access Control Broker, Load Controller';

const e = (
  roles: readonly Originator[],
  note: string,
  acb?: readonly RemotePartyRole[],
  confirmed: Confirmation = 'unconfirmed',
): RoleEntry => (acb ? { roles, acb, confirmed, note } : { roles, confirmed, note });

const ALL_ACB: readonly RemotePartyRole[] = ['supplier', 'networkOperator', 'otherUser'];

/**
 * roles-a: an entry read in GBCS V3.1's use-case tables ("Use Case access
 * permissions"): `listed` gives the Remote Party Roles the table names; the
 * ACB parties come from the DUIS eligible users of the SRV that hold no
 * Trust Anchor cell for the use case (or RTDS), and only where the table
 * lists the Access Control Broker.
 */
const G31 = (
  roles: readonly Originator[],
  listed: string,
  acb?: readonly RemotePartyRole[],
  more?: string,
): RoleEntry => e(roles, `GBCS V3.1 use-case table: ${listed}${more ? `; ${more}` : ''}`, acb, 'gbcs-text');
export const LATER_TABLE = 'GBCS later use-case table (c5d22f4e): ';
/**
 * An entry read in the later GBCS use-case file (the version with the
 * Auxiliary Controllers, APC and SAPC: gbcs-use-cases.html of
 * HenryGiraldo/gbcs-parser-js at commit c5d22f4e; V3.1 is commit 00ed2ddf),
 * whose tables define use cases V3.1 does not. Same reading as `G31`.
 */
const LATER = (
  roles: readonly Originator[],
  listed: string,
  where: string,
  acb?: readonly RemotePartyRole[],
): RoleEntry =>
  e(roles, `${LATER_TABLE}${listed}; ${where} of gbcs-use-cases.html @c5d22f4e`, acb, 'gbcs-text');
const G31_HAN = (type: string, role: string) =>
  G31(DEVICE, `HAN Only Message (${type}), Remote Party Role ${role}: only the joined device sends it`);
const SUP = 'Supplier';
const SUP_ACB = 'Supplier, Access Control Broker';
const SUP_NO = 'Supplier, Network Operator';
const SUP_NO_ACB = 'Supplier, Network Operator, Access Control Broker';
const NO_ACB = 'Network Operator, Access Control Broker';
const ACB_ONLY = 'Access Control Broker';
const NO_ACB_PARTY = 'the ACB may act for every DUIS eligible user of the SRV (all hold a cell)';

/** Use case -> who may send it. Every command row has an entry (checked when the rows are built). */
export const ROLE_TABLE: Readonly<Record<string, RoleEntry>> = {
  // ---- 1.x tariff, price, balance, payment mode (critical, supplier)
  ECS01a: G31(S, SUP),
  ECS01b: G31(S, SUP),
  ECS01c: G31(S, SUP),
  ECS01d: G31(S, SUP),
  ECS02: G31(S, SUP),
  ECS03: G31(S, SUP),
  ECS04a: G31(S, SUP),
  ECS04b: G31(S, SUP),
  ECS05: G31(S, SUP),
  GCS01a: G31(S, SUP),
  GCS01b: G31(S, SUP),
  GCS02: G31(S, SUP),
  GCS03: G31(S, SUP),
  GCS40a: G31(S, SUP),
  GCS40b: G31(S, SUP),
  GCS40c: G31(S, SUP),
  GCS40d: G31(S, SUP),
  // ---- 2.x prepayment
  CS01a: G31(S, "'See GBCS' (GBCS 14.4/14.5: business originator Supplier, no ACB role)"),
  CS01b: G31(S, "'See GBCS' (GBCS 14.4/14.5: business originator Supplier, no ACB role)"),
  ECS07: G31(S, SUP),
  ECS08: e(S, `${DUIS}; ${NOT_DEFINED('ECS08a replaces it')}`),
  ECS08a: G31(S, SUP),
  ECS09: G31(S, SUP),
  GCS04: G31(S, SUP),
  GCS05: G31(S, SUP),
  GCS06: G31(S, SUP),
  // ---- 3.x customer management
  ECS10: G31(S, SUP),
  ECS12: G31(S, SUP),
  ECS14: G31(S, SUP),
  ECS15a: G31(S, SUP),
  ECS15c: G31(S, SUP),
  ECS16: G31(S, SUP),
  GCS07: G31(S, SUP),
  GCS09: G31(S, SUP),
  GCS11: G31(S, SUP),
  GCS44: G31(S, SUP),
  CS11: G31(S, SUP),
  // ---- 4.x reads
  ECS17a: G31(
    NO,
    NO_ACB,
    ALL_ACB,
    'no Supplier: the import and export suppliers and Other Users go through the ACB',
  ),
  ECS17b: G31(S_NO, SUP_NO, undefined, 'no ACB: a DUIS eligible Other User may not read it'),
  ECS17c: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  ECS17d: G31(S_NO, SUP_NO, undefined, 'no ACB: a DUIS eligible Other User may not read it'),
  ECS17e: G31(S_NO, SUP_NO, undefined, 'no ACB: a DUIS eligible Other User may not read it'),
  ECS18a: G31(
    NO,
    NO_ACB,
    ALL_ACB,
    'no Supplier: the import and export suppliers and Other Users go through the ACB',
  ),
  ECS18b: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB for the Other User, a DUIS 4.12.1 user with no cell'),
  ECS19: G31(S, SUP),
  ECS20a: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS20b: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS20c: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS20d: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS21a: G31(S, SUP_ACB, ALL_ACB, 'the ACB acts for the DUIS eligible network operators and Other Users'),
  ECS21b: G31(S, SUP_ACB, ['supplier'], 'RTDS shows the ACB acting for the supplier'),
  ECS21c: G31(
    NONE,
    ACB_ONLY,
    ['supplier', 'networkOperator', 'otherUser'],
    'only through the ACB, for the DUIS eligible users (RTDS shows it for a supplier)',
  ),
  ECS22a: G31(
    NO,
    NO_ACB,
    ALL_ACB,
    'no Supplier: the import and export suppliers and Other Users go through the ACB',
  ),
  ECS22b: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  ECS22c: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  ECS23: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  ECS23b: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  ECS24: G31(
    S,
    SUP_ACB,
    ['supplier', 'otherUser'],
    'the ACB for the Other User; the response recipient may differ from the sender',
  ),
  ECS24b: G31(
    S,
    SUP_ACB,
    ['supplier', 'otherUser'],
    'the ACB for the Other User; the response recipient may differ from the sender',
  ),
  ECS26a: G31(S, SUP),
  ECS27: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  ECS66: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  ECS82: G31(S, SUP),
  GCS13a: G31(S_NO, SUP_NO, undefined, 'no ACB: a DUIS eligible Other User may not read it'),
  GCS13b: G31(S, SUP),
  GCS13c: G31(S_NO, SUP_NO, undefined, 'no ACB: a DUIS eligible Other User may not read it'),
  GCS14: G31(S, SUP),
  GCS15b: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  GCS15c: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  GCS15d: G31(S, SUP_ACB, ['supplier'], 'RTDS shows the ACB acting for the supplier'),
  GCS15e: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  GCS16a: G31(S, SUP_ACB, ALL_ACB, 'the ACB acts for the DUIS eligible network operators and Other Users'),
  GCS16b: G31(S, SUP_ACB, ['supplier'], 'RTDS shows the ACB acting for the supplier'),
  GCS17: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  GCS18: G31(
    S,
    SUP_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the DUIS eligible gas transporter',
  ),
  GCS21b: G31(S, SUP),
  GCS21f: G31(
    S,
    SUP_ACB,
    ['supplier', 'otherUser'],
    'the ACB for the Other User; the response recipient may differ from the sender',
  ),
  GCS60: G31(S, SUP),
  GCS61: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  // ---- 6.x configuration
  ECS25a: G31(S, SUP),
  ECS25a1: G31(S, SUP),
  ECS25a2: G31(S, SUP),
  ECS25a3: G31(S, SUP),
  ECS25b: G31(NO, 'Network Operator'),
  ECS25b3: G31(NO, 'Network Operator'),
  ECS25r1: G31(S, SUP),
  ECS25r2: G31(NO, 'Network Operator'),
  ECS26b: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  ECS26c: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the Export Supplier (no cell in the ESME)',
  ),
  // neither use-case file defines ECS26d: its pair "Read Configuration Data Device Information (Billing
  // Calendar)" holds ECS26l / GCS21k in both and lists Supplier, Access Control Broker: taken
  ECS26d: e(
    S,
    `${PAIR_OF('Read Configuration Data Device Information (Billing Calendar)', 'ECS26l', SUP_ACB)}; RTDS originator agrees`,
    ['supplier'],
  ),
  ECS26e: e(S_NO, `${DUIS_OU}; ${NOT_DEFINED('ECS26m is the 6.2.4 ESME read')}`, ALL_ACB),
  ECS26f: G31(S, SUP_ACB, ['supplier', 'networkOperator'], 'the ACB acts for the DUIS eligible distributor'),
  ECS26j: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS26k: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  ECS26l: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  ECS26m: G31(
    S_NO,
    SUP_NO_ACB,
    ALL_ACB,
    'the ACB acts for the Export Supplier (no cell in the ESME) and Other Users',
  ),
  ECS28a: G31(S, SUP, undefined, 'the network operator no longer sends it (GBCS lists the supplier only)'),
  ECS28b: G31(S, SUP, undefined, 'the network operator no longer sends it (GBCS lists the supplier only)'),
  ECS29a: G31(NO, 'Network Operator'),
  ECS29b: G31(NO, 'Network Operator'),
  ECS29c: G31(NO, 'Network Operator'),
  ECS29d: G31(NO, 'Network Operator'),
  ECS29e: G31(NO, 'Network Operator'),
  ECS29f: G31(NO, 'Network Operator'),
  ECS30: e(S, `${DUIS}; ${NOT_DEFINED('ECS30a replaces it')}`),
  ECS30a: G31(S, SUP),
  ECS34: G31(S, SUP),
  ECS35a: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the Export Supplier (no cell in the ESME)',
  ),
  ECS35b: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the Export Supplier (no cell in the ESME)',
  ),
  ECS35e: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the Export Supplier (no cell in the ESME)',
  ),
  ECS35f: G31(S, SUP, undefined, 'a network operator reads the ALCS log with ECS35g'),
  // not in V3.1; the later file defines 0x00FD as ECS35g Read Auxiliary Controller Event Log (its own pair):
  // Supplier, Network Operator, Load Controller, no ACB (was the DUIS set supplier + network operator)
  ECS35g: LATER(
    ['supplier', 'networkOperator', 'loadController'],
    'Supplier, Network Operator, Load Controller',
    'ECS35g Read Auxiliary Controller Event Log (0x00FD, SR 6.13, pair UCPAIR182), offset ~314,500',
  ),
  ECS37: G31(NO, 'Network Operator'),
  ECS38: G31(S, SUP),
  ECS39a: G31(S, SUP),
  ECS39b: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'the export supplier is unknown to the ESME: the ACB for it, never a supplier directly',
  ),
  ECS40: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB for the DUIS 6.2.7 users, as before'),
  ECS46a: G31(S, SUP),
  ECS46c: G31(S, SUP),
  ECS46d: LATER(S, SUP, 'ECS46d Set Auxiliary Controller Calendar (0x011A, SR 6.14.3), offset ~1,155,000'),
  ECS48: G31(S, SUP),
  ECS57: G31(NO, 'Network Operator'),
  ECS70: G31(S, SUP),
  ECS81: G31(S, SUP),
  GCS20: G31(S, SUP),
  GCS20r: G31(S, SUP),
  GCS21a: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  GCS21d: e(S, PAIR_OF('Read Configuration Data Device Information (Billing Calendar)', 'GCS21k', SUP_ACB), [
    'supplier',
  ]),
  GCS21e: e(
    S_NO,
    PAIR_OF(
      'Read Configuration Data Device Information (Smart Meter identity and type, ...)',
      'GCS21m',
      SUP_NO_ACB,
    ),
    ALL_ACB,
  ),
  GCS21j: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  GCS21k: G31(S, SUP_ACB, ['supplier'], NO_ACB_PARTY),
  GCS21m: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB acts for Other Users'),
  GCS23: G31(S, SUP),
  GCS24: G31(S, SUP),
  GCS24a: LATER(
    S,
    SUP,
    'GCS24a Set Uncontrolled Gas Flow Rate at greater resolution and Supply Tamper State (0x00FC, SR 6.7, pair UCPAIR181), offset ~1,416,100',
  ),
  GCS25: G31(
    NONE,
    '(none)',
    undefined,
    'V3.1 keeps GCS25 only as a Comms Hub tap-off requirement (Target None): no party sends it; 6.8 to a GSME is GCS25a',
  ),
  GCS25a: G31(S, SUP),
  GCS28: e(S, `${DUIS}; ${SEE("'See section 9.1', no pair")}`),
  GCS41: G31(S, SUP),
  GCS46: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB for the DUIS 6.2.7 users, as before'),
  CS10a: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  CS10b: G31(S_NO, SUP_NO_ACB, ['supplier', 'networkOperator'], NO_ACB_PARTY),
  // ---- 7.x supply and auxiliary load
  ECS42: G31(S, SUP),
  ECS43: G31(S, SUP),
  ECS44: G31(S, SUP),
  ECS45: G31(
    S_NO,
    SUP_NO_ACB,
    ALL_ACB,
    'the ACB for the export supplier (as before) and the Other User (DUIS 7.4)',
  ),
  ECS47: G31(S, SUP),
  ECS47a: LATER(S, SUP, 'ECS47a Set Auxiliary Controller [n] State (0x011E, SR 7.13), offset ~1,133,900'),
  ECS61a: G31(S, SUP_ACB, ['supplier', 'networkOperator'], 'the ACB acts for the DUIS eligible distributor'),
  // Load Controller only: no DUIS User Role maps to it, so the DSP refuses 7.16 for every user (dcc/dsp/access.ts)
  ECS47e: LATER(
    ['loadController'],
    'Load Controller',
    'ECS47e Limit APC [n] Level (0x011F, SR 7.16), offset ~265,000',
  ),
  ECS61d: LATER(
    ['supplier', 'networkOperator', 'loadController'],
    AUX_READ,
    'ECS61d Read Auxiliary Controller Configuration Data (0x011C, SR 7.14), offset ~300,900',
    ['supplier', 'networkOperator'],
  ),
  ECS61e: LATER(
    ['supplier', 'networkOperator', 'loadController'],
    AUX_READ,
    'ECS61e Read Auxiliary Controller Operational Data (0x011D, SR 7.15), offset ~328,500',
    ['supplier', 'networkOperator'],
  ),
  ECS61c: G31(S, SUP_ACB, ['supplier', 'networkOperator'], 'the ACB acts for the DUIS eligible distributor'),
  ECS62: G31(S, SUP),
  GCS32: G31(S, SUP),
  GCS33: G31(S_NO, SUP_NO_ACB, ALL_ACB, 'the ACB for a supplier and the Other User (DUIS 7.4), as before'),
  GCS39: G31(S, SUP),
  // ---- 9.x CIN
  ECS50: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'not the supplier itself: the ACB sends the CIN for the supplier (RTDS 9.1 GCS36: the ACB)',
  ),
  GCS36: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'not the supplier itself: the ACB sends the CIN for the supplier (RTDS 9.1 GCS36: the ACB)',
  ),
  // ---- 11.x firmware
  ECS52: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the CHF holds no supplier or network operator cell: there the ACB acts for them (RTDS shows it)',
  ),
  GCS38: G31(
    S_NO,
    SUP_NO_ACB,
    ['supplier', 'networkOperator'],
    'the ACB acts for the Export Supplier and for parties the GPF holds no cell for',
  ),
  CS06: e(
    S,
    `${DUIS}; to a PPMID/HCALCS through the ACB (PROVISIONAL: they hold no supplier cell, as CS04AC); ${SEC13('11.5')}`,
    ['supplier'],
  ),
  CS08: e(NONE, `${DCC_DEVICE}; ${NOT_DEFINED('0x0129 is in the message code lists only')}`, [
    'supplier',
    'networkOperator',
  ]),
  // ---- 14.x network data
  GCS31: G31(
    NONE,
    ACB_ONLY,
    ['networkOperator'],
    'the Gas Transporter sends it only through the ACB (network operator dropped as direct originator; RTDS shows the ACB)',
  ),
  // ---- CHF (8.9, 8.11, 8.12.1, 6.2.4, 6.13, 6.28-6.32)
  CCS01: G31(NONE, ACB_ONLY, ['supplier'], 'the ACB acts for the DUIS eligible suppliers (RTDS shows it)'),
  CCS02: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'the CHF holds no supplier cell: the ACB for the DUIS 8.11 supplier',
  ),
  CCS03: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'the CHF holds no supplier cell: the ACB for the DUIS 8.12.1 supplier',
  ),
  CCS05: e(NONE, `${DCC_DEVICE}; ${NOT_DEFINED('no 0x0004 there, nor in the public message code lists')}`, [
    'supplier',
    'networkOperator',
  ]),
  CCS06: G31(
    NONE,
    ACB_ONLY,
    ['supplier', 'networkOperator'],
    'the ACB acts for the DUIS eligible users (RTDS shows it)',
  ),
  CCS07: G31(
    NONE,
    ACB_ONLY,
    ['supplier', 'networkOperator'],
    'the ACB acts for the DUIS eligible users (RTDS shows it)',
  ),
  // neither use-case file defines ECS26i: its pair "Read Configuration Data Device Information (CH identity and
  // type)" holds ECS26n only in both, Access Control Broker only: the same sets
  ECS26i: e(
    NONE,
    `${PAIR_OF('Read Configuration Data Device Information (CH identity and type)', 'ECS26n', ACB_ONLY)}; ${DCC_DEVICE}`,
    ALL_ACB,
  ),
  ECS26n: G31(NONE, ACB_ONLY, ALL_ACB, 'the ACB acts for the DUIS eligible users (RTDS shows it)'),
  ECS35c: G31(NONE, ACB_ONLY, ['supplier', 'networkOperator'], 'the ACB acts for the DUIS eligible users'),
  ECS35d: G31(
    NONE,
    ACB_ONLY,
    ['supplier', 'networkOperator'],
    'the ACB acts for the DUIS eligible users (RTDS shows it)',
  ),
  DBCH01: G31(
    NONE,
    ACB_ONLY,
    ALL_ACB,
    'the ACB acts for the DUIS eligible users (RTDS shows it for a supplier)',
  ),
  DBCH02: G31(
    NONE,
    ACB_ONLY,
    ALL_ACB,
    'the ACB acts for the DUIS eligible users (RTDS shows it for a supplier)',
  ),
  DBCH03: G31(NONE, ACB_ONLY, ALL_ACB, 'the ACB acts for the DUIS eligible users'),
  DBCH04: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'the CHF holds no supplier cell: the ACB for the DUIS 6.28 supplier',
  ),
  DBCH05: G31(
    NONE,
    ACB_ONLY,
    ['supplier'],
    'the CHF holds no supplier cell: the ACB for the DUIS 6.29 supplier',
  ),
  // ---- 8.x device management: joins and unjoins, device log
  CS03A1: e(S, `${DUIS}; ${SEC13('13.7')}`),
  CS03B: e(S, `${DUIS}; ${SEC13('13.7')}`),
  CS03A2: e(NONE, `${DCC_DEVICE}; ${SEC13('13.7')}`, ['supplier']),
  CS03C: e(NONE, `${DCC_DEVICE}; ${SEC13('13.7')}`, ['supplier']),
  CS04AC: e(S, `${DUIS}; to a PPMID/HCALCS through the ACB (RTDS shows both); ${SEC13('13.7')}`, [
    'supplier',
  ]),
  CS04B: e(S, `${DUIS}; ${SEC13('13.7')}`),
  CS07: e(
    S_NO,
    `the GBCS V3.1 and later (c5d22f4e, ~offset 690,000) use-case tables name no roles ('See GBCS', 13.7.4); ${DUIS}; to the CHF/PPMID/HCALCS through the ACB`,
    ['supplier', 'networkOperator'],
  ),
  GCS59: e(
    ['acb'],
    `the DCC restores the GPF Device Log (RTDS: the ACB, no Supplementary Remote Party); GBCS table not confirmed; ${SEC13('13.8')}`,
  ),
  // ---- security credentials (CS02)
  CS02a: e(
    ['acb', 'transitionalCoS'],
    `RTDS originators (ACB, transitional CoS signature-only); GBCS table not confirmed; ${SEC13('13.2')}`,
  ),
  CS02bRootBySupplier: e(S, KRP('rootBySupplier', 'supplier'), undefined, 'gbcs-text'),
  CS02bRootByWanProvider: e(
    ['wanProvider'],
    KRP('rootByWanProvider', 'WAN provider'),
    undefined,
    'gbcs-text',
  ),
  CS02bSupplierBySupplier: e(S, KRP('supplierBySupplier', 'supplier'), undefined, 'gbcs-text'),
  CS02bNOByNOHandover: e(
    ['networkOperator', 'acb'],
    `${CRED} (RTDS: the ACB, DUIS 6.21 handover); ${SEC13('13.3')}`,
  ),
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
  CS02bAnyByContingency: e(['root'], `${CRED}; ${SEC13('13.3')}`),
  CS02gLoadControllerBySupplier: e(S, `${CRED}; ${SEE("later file: 'See GBCS Section 13.10'")}`),
  CS02gLoadControllerByLoadController: e(
    ['loadController'],
    `${CRED}; ${SEE("later file: 'See GBCS Section 13.10'")}`,
  ),
  // the ACB for the supplier: to a PPMID, which holds no supplier cell (PROVISIONAL, as CS04AC to it in RTDS
  // 8.8.2); critical, so a device holding a supplier cell still takes them only from the supplier (authority.ts)
  CS02c: e(S, `${DUIS}; ${DCC_DEVICE}; ${SEC13('13.4')}`, ['supplier']),
  CS02d: e(S, `${DUIS}; ${DCC_DEVICE}; ${SEC13('13.5')}`, ['supplier']),
  CS02e: e(S, `${DUIS}; ${DCC_DEVICE}; ${SEC13('13.6')}`, ['supplier']),
  // PROVISIONAL (inferred, GBCS 13.9 not reached): the RTDS CS02fMAC is the ACB's own (requester the ACB, no
  // Supplementary Remote Party); DUIS 6.24.1's eligible users are the suppliers and network operators
  // (srv-table.ts SUP_NET), and the command is the ACB-MAC'd KRP variant whoever asks, so the ACB sends it on
  // their behalf too: without these parties no eligible user's 6.24.1 could run (every device rejected it 8F30)
  CS02f: e(
    ['acb'],
    `RTDS originator (the ACB retrieves the credentials, DUIS 6.24.1 KRP); the ACB acts for the DUIS 6.24.1 eligible users (suppliers, network operators: PROVISIONAL, inferred); GBCS table not confirmed; ${SEE("later file: 'See GBCS Section 13.9'")}`,
    ['supplier', 'networkOperator'],
  ),
  // ---- HAN-only (device to device)
  PCS01: G31_HAN('Message Type SME.C.PPMID-GSME', 'none listed'),
  PCS02: G31_HAN('Message Type SME.C.PPMID-GSME', 'none listed'),
  PECS01: G31_HAN('ZSE specified', '(none)'),
  PECS02: G31_HAN('ZSE specified', '(none)'),
  PECS03: G31_HAN('ZSE specified', '(none)'),
  HECS01: G31_HAN('ZSE specified', '(none)'),
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
