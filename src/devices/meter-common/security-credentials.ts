/**
 * The security-credential use cases every meter runs the same way (GBCS
 * 13.3, DUIS 6.15 / 6.17 / 6.21 / 6.23 / 6.24 / 8.5), on the device's Trust
 * Anchor cells (devices/security TrustAnchors):
 *
 * - CS02a / CS02f Provide Security Credentials Details: per requested role,
 *   the cell's certificates (key usage, cell usage, EUI, subjectKeyIdentifier)
 *   and the Remote Party Seq Number; a role the device type holds no cell
 *   for: status 25 (RTDS CS02a ERROR, WAN provider on an ESME). CS02f (MAC
 *   from the ACB, not signed) names only the roles in CS02F_ROLES; another
 *   role: status 127 (RTDS CS02fMAC ERROR, transitional CoS; the role set
 *   is inferred from the RTDS examples, not confirmed in GBCS).
 * - CS02b / CS02g Update Security Credentials: each replacement certificate
 *   is checked (a GBCS certificate, the cell's key usage, the cell's role (a
 *   load controller cell also takes a supplier's certificate, RTDS CS02g),
 *   and a certification path from the command's CA certificates to the Root
 *   public key of the root cell, cert-path.ts); one that fails is not
 *   replaced (status 10, RTDS ERROR examples), the others are. The Remote
 *   Party Seq Numbers the command sets (the authorising party's own floor,
 *   then its list) are reported in the outcome and by CS02a; an update that
 *   replaced nothing sets none (PROVISIONAL). An execution
 *   date-time in the future schedules the update (NULL answer, 8F66 / 8F67
 *   alert with the outcome when it runs; 99991231235959Z cancels).
 *
 * What is checked before anything changes (a failure is CommandContentError:
 * the malformed answer and 8F1E): the mode is the Message Code's, the
 * authorising cell is the mode's, the seq number is the command's counter,
 * every target cell is one the mode may replace and the device holds.
 *
 * Not modelled: `unjoinControl` (name unconfirmed; recorded, no unjoin), the
 * Remote Party Seq Number as a replay floor (replay marks never go down,
 * device-security.ts), the root cell's replacement (modes 0, 1, 9 replace the
 * Root: refused as content the device cannot apply).
 */

import { certParts, verifyCertificationPath } from '../../gbcs/cert-path.ts';
import { type GbcsCertificate, parseGbcsCertificate } from '../../gbcs/keystore.ts';
import { type Asn1Value, encodeAsn1, twoOctetLengthForms } from '../../gbcs/payload/der-schema.ts';
import * as S from '../../gbcs/use-cases/rows/asn1-structures.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import type { DeviceType } from '../contracts.ts';
import {
  CELL_BY_ROLE,
  type RemotePartyAnchor,
  ROLE,
  TRUST_ANCHOR_CELLS_OF,
  type TrustAnchorCellName,
} from '../security/credentials.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import { type DeviceKeyState, defaultDeviceKeyState } from './device-credentials.ts';
import { CommandContentError } from './use-case-registry.ts';

/** What a meter keeps of its credentials beyond the profile's anchors (JSON-safe, in its snapshot). */
export interface CredentialState {
  /** Remote Party Seq Number per role (decimal role -> number); CS02a reports it, CS02b sets it */
  seqNumbers: Record<string, number>;
  /** certificates CS02b/CS02g put into cells, DER hex, by `cell/slot`: applied over the profile's anchors on restore */
  replaced: Record<string, string>;
  /** the device's own key pairs CS02c generated and CS02d installed (device-credentials.ts) */
  deviceKeys: DeviceKeyState;
}

/** The RTDS ESME's seq numbers (CS02fMAC SUCCESS: load controller 1, every other role 0). */
export function defaultCredentialState(): CredentialState {
  return { seqNumbers: { [ROLE.loadController]: 1 }, replaced: {}, deviceKeys: defaultDeviceKeyState() };
}

export interface CredentialDevice {
  readonly deviceType: DeviceType;
  /** the device's Trust Anchor cells (a meter's DeviceSecurity; the CHF's own, chf/credentials.ts) */
  readonly security: Pick<DeviceSecurity, 'trustAnchors' | 'setTrustAnchors'>;
  /** the live credential state (read through this: replaced on restore) */
  readonly credentialState: CredentialState;
}

type Slot = 'ds' | 'ka' | 'prepaymentKa';
type CellId = Asn1Value<typeof S.TrustAnchorCellIdentifier>;

/** Status of a role the device holds no cell for (RTDS CS02a ERROR). */
export const STATUS_NO_CELL = 25;
/** Status of a role CS02f does not report (RTDS CS02fMAC ERROR). */
export const STATUS_NOT_BY_MAC = 127;
/** Status of a replacement that was not made (RTDS CS02b / CS02g ERROR). */
export const STATUS_NOT_REPLACED = 10;
/** Roles CS02f (MAC-only, from the ACB) reports: inferred from RTDS (2 and 8 answered, 5 refused). */
export const CS02F_ROLES: ReadonlySet<number> = new Set([
  ROLE.supplier,
  ROLE.networkOperator,
  ROLE.acb,
  ROLE.loadController,
]);

const KEY_USAGE = { ds: '1', ka: '00001' } as const;

function cellsOf(device: CredentialDevice): readonly TrustAnchorCellName[] {
  return TRUST_ANCHOR_CELLS_OF[device.deviceType] ?? Object.values(CELL_BY_ROLE);
}

function ski(c: GbcsCertificate): string {
  const k = certParts(c.der).ski;
  if (!k) throw new CommandContentError(`certificate of ${c.eui} has no subjectKeyIdentifier`);
  return k;
}

function slotOf(id: CellId): Slot {
  if (id.keyUsage === KEY_USAGE.ds && id.cellUsage === undefined) return 'ds';
  if (id.keyUsage === KEY_USAGE.ka) return id.cellUsage === 1 ? 'prepaymentKa' : 'ka';
  throw new CommandContentError(
    `no Trust Anchor cell for key usage ${id.keyUsage} / cell usage ${id.cellUsage}`,
  );
}

function cellId(slot: Slot): Omit<CellId, 'remotePartyRole'> {
  return slot === 'ds'
    ? { keyUsage: KEY_USAGE.ds }
    : slot === 'ka'
      ? { keyUsage: KEY_USAGE.ka }
      : { keyUsage: KEY_USAGE.ka, cellUsage: 1 };
}

// ---------------------------------------------------------------- CS02a / CS02f

type DetailsResponse = Asn1Value<typeof S.ProvideSecurityCredentialDetailsResponse>;

/** CS02a / CS02f: the details of the cells of each requested role. */
export function credentialDetails(
  device: CredentialDevice,
  roles: readonly number[],
  form: 'signed' | 'mac',
): { response: DetailsResponse; header: { lengthForms: Record<string, number> } } {
  const held = new Set(cellsOf(device));
  const response = roles.map((role) => {
    if (form === 'mac' && !CS02F_ROLES.has(role))
      return { targetRemotePartyRole: role, status: STATUS_NOT_BY_MAC };
    const name = CELL_BY_ROLE[role];
    const cell = name && held.has(name) ? device.security.trustAnchors.cell(name) : undefined;
    const cells = cell ? cellContents(cell) : [];
    if (cells.length === 0) return { targetRemotePartyRole: role, status: STATUS_NO_CELL };
    return {
      targetRemotePartyRole: role,
      status: 0,
      remotePartySeqNumber: device.credentialState.seqNumbers[role] ?? 0,
      trustAnchorCells: cells,
    };
  }) as DetailsResponse;
  return {
    response,
    header: { lengthForms: twoOctetLengthForms(S.ProvideSecurityCredentialDetailsResponse, response) },
  };
}

function cellContents(cell: RemotePartyAnchor) {
  const out: Array<{
    keyUsage: string;
    cellUsage?: number;
    subjectUniqueID: string;
    subjectKeyIdentifier: string;
  }> = [];
  for (const slot of ['ds', 'ka', 'prepaymentKa'] as const) {
    const c = cell[slot];
    if (c) out.push({ ...cellId(slot), subjectUniqueID: c.eui, subjectKeyIdentifier: ski(c) });
  }
  return out;
}

// ---------------------------------------------------------------- CS02b / CS02g

/** Credentials replacement modes (the use case's): the mode number, the authorising role, the roles it may replace. */
export const REPLACEMENT_MODES: Readonly<
  Record<string, { mode: number; authorising: number; targets: readonly number[] }>
> = {
  CS02bRootBySupplier: { mode: 0, authorising: ROLE.supplier, targets: [ROLE.root] },
  CS02bRootByWanProvider: { mode: 1, authorising: ROLE.wanProvider, targets: [ROLE.root] },
  CS02bSupplierBySupplier: { mode: 2, authorising: ROLE.supplier, targets: [ROLE.supplier] },
  CS02bNOByNOHandover: { mode: 3, authorising: ROLE.networkOperator, targets: [ROLE.networkOperator] },
  CS02bACBByACB: { mode: 4, authorising: ROLE.acb, targets: [ROLE.acb] },
  CS02bWPByWP: { mode: 5, authorising: ROLE.wanProvider, targets: [ROLE.wanProvider] },
  CS02bTransCoSByTransCoS: { mode: 6, authorising: ROLE.transitionalCoS, targets: [ROLE.transitionalCoS] },
  CS02bSupplierByTransCoS: { mode: 7, authorising: ROLE.transitionalCoS, targets: [ROLE.supplier] },
  CS02bAnyExceptAbnormalRootByRecovery: {
    mode: 8,
    authorising: ROLE.recovery,
    targets: [1, 2, 3, 4, 5, 6, 8],
  },
  CS02bAnyByContingency: { mode: 9, authorising: ROLE.root, targets: [0, 1, 2, 3, 4, 5, 6, 8] },
  CS02gLoadControllerByLoadController: {
    mode: 10,
    authorising: ROLE.loadController,
    targets: [ROLE.loadController],
  },
  CS02gLoadControllerBySupplier: { mode: 11, authorising: ROLE.supplier, targets: [ROLE.loadController] },
};

export type UpdateCommand = Asn1Value<typeof S.UpdateSecurityCredentialsCommand>;
export type ExecutionOutcome = Asn1Value<typeof S.UpdateSecurityCredentialsExecutionOutcome>;

/** A checked update: what it targets, ready to run now or at its execution time. */
export interface CredentialUpdatePlan {
  useCase: string;
  mode: number;
  seqNumber: bigint;
  seqChanges: ExecutionOutcome['remotePartySeqNumberChanges'];
  targets: Array<{ cell: TrustAnchorCellName; slot: Slot; id: CellId; role: number; certificate: string }>;
  path: Uint8Array[];
}

/** Checks an Update Security Credentials command against the device (CommandContentError: nothing may change). */
export function planCredentialUpdate(
  device: CredentialDevice,
  useCase: string,
  fields: UpdateCommand,
  counter: bigint,
): CredentialUpdatePlan {
  const m = REPLACEMENT_MODES[useCase];
  if (!m) throw new CommandContentError(`${useCase} is not an Update Security Credentials use case`);
  const c = fields.authorisingRemotePartyControl;
  if (c.credentialsReplacementMode !== m.mode)
    throw new CommandContentError(`mode ${c.credentialsReplacementMode} in a ${useCase} (mode ${m.mode})`);
  if (
    c.authorisingRemotePartyTACellIdentifier &&
    c.authorisingRemotePartyTACellIdentifier.remotePartyRole !== m.authorising
  )
    throw new CommandContentError(
      `authorising cell role ${c.authorisingRemotePartyTACellIdentifier.remotePartyRole}`,
    );
  if (BigInt(c.authorisingRemotePartySeqNumber) !== counter)
    throw new CommandContentError(
      `authorising seq number ${c.authorisingRemotePartySeqNumber} is not the counter ${counter}`,
    );
  const held = new Set(cellsOf(device));
  const targets = fields.replacements.map((r) => {
    const role = r.targetTrustAnchorCell.remotePartyRole;
    const cell = CELL_BY_ROLE[role];
    if (!m.targets.includes(role) || !cell || cell === 'root')
      throw new CommandContentError(`${useCase} cannot replace the role ${role} cell`);
    const slot = slotOf(r.targetTrustAnchorCell);
    if (!held.has(cell) || !device.security.trustAnchors.cell(cell)?.[slot])
      throw new CommandContentError(`no ${cell} ${slot} Trust Anchor cell on this ${device.deviceType}`);
    return { cell, slot, id: r.targetTrustAnchorCell, role, certificate: r.replacementCertificate };
  });
  const seqChanges: CredentialUpdatePlan['seqChanges'] = [
    ...(c.newRemotePartyFloorSeqNumber === undefined
      ? []
      : [
          {
            remotePartyRole: m.authorising,
            newSeqNumber: c.newRemotePartyFloorSeqNumber,
            ...(c.newSupplierFloors ? { otherFloors: c.newSupplierFloors } : {}),
          },
        ]),
    ...(c.remotePartySeqNumberChanges ?? []),
  ];
  // PROVISIONAL emulator limit: GBCS floors run to 2^63 - 1; this emulator holds its seq numbers as JS numbers
  for (const ch of seqChanges)
    if (BigInt(ch.newSeqNumber) > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CommandContentError(`floor ${ch.newSeqNumber} is beyond what this emulator holds (2^53 - 1)`);
  return {
    useCase,
    mode: m.mode,
    seqNumber: counter,
    seqChanges,
    targets,
    path: fields.certificationPathCertificates.map((h) => fromHex(h)),
  };
}

/** Why a replacement certificate is not taken, or null. */
function refusal(
  device: CredentialDevice,
  t: CredentialUpdatePlan['targets'][number],
  path: Uint8Array[],
): string | null {
  let cert: GbcsCertificate;
  try {
    cert = parseGbcsCertificate(fromHex(t.certificate));
  } catch (e) {
    return `not a GBCS certificate: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (cert.usage !== (t.slot === 'ds' ? 'ds' : 'ka'))
    return `a ${cert.usage} certificate for a ${t.slot} cell`;
  const roles = t.role === ROLE.loadController ? [ROLE.loadController, ROLE.supplier] : [t.role];
  if (cert.role === null || !roles.includes(cert.role))
    return `role ${cert.role} for the role ${t.role} cell`;
  const failure = verifyCertificationPath(cert.der, path, device.security.trustAnchors.rootPublicKey);
  return failure ? `certification path: ${failure}` : null;
}

/** Runs a checked update: replaces what verifies, sets the seq numbers; the execution outcome. */
export function applyCredentialUpdate(
  device: CredentialDevice,
  plan: CredentialUpdatePlan,
): { outcome: ExecutionOutcome; allReplaced: boolean; refused: string[] } {
  const anchors = device.security.trustAnchors.clone();
  const refused: string[] = [];
  const outcomes = plan.targets.map((t) => {
    const existing = anchors.cell(t.cell)![t.slot]!;
    const why = refusal(device, t, plan.path);
    const next = why ? existing : parseGbcsCertificate(fromHex(t.certificate));
    if (why) refused.push(`${t.cell}/${t.slot}: ${why}`);
    else {
      anchors.setCell(t.cell, { ...anchors.cell(t.cell)!, eui: next.eui, [t.slot]: next });
      device.credentialState.replaced[`${t.cell}/${t.slot}`] = toHex(next.der);
    }
    return {
      affectedTrustAnchorCell: t.id,
      status: why ? STATUS_NOT_REPLACED : 0,
      existingSubjectUniqueID: existing.eui,
      existingSubjectKeyIdentifier: ski(existing),
      replacingSubjectUniqueID: next.eui,
      replacingSubjectKeyIdentifier: ski(next),
    };
  });
  device.security.setTrustAnchors(anchors);
  // PROVISIONAL (GBCS 13.3.3 text not reached): an update that replaced nothing changes no seq number either
  // (a refused update leaves the device as it was); the outcome still names the changes the command asked for
  if (refused.length < plan.targets.length)
    for (const ch of plan.seqChanges)
      device.credentialState.seqNumbers[ch.remotePartyRole] = Number(ch.newSeqNumber);
  return {
    outcome: {
      authorisingRemotePartySeqNumber: plan.seqNumber,
      credentialsReplacementMode: plan.mode,
      remotePartySeqNumberChanges: plan.seqChanges,
      replacementOutcomes: outcomes,
    } as ExecutionOutcome,
    allReplaced: refused.length === 0,
    refused,
  };
}

/** Re-applies the certificates earlier updates put into cells (a restored device starts from its profile's anchors). */
export function reapplyReplacedCertificates(device: CredentialDevice): void {
  const entries = Object.entries(device.credentialState.replaced);
  if (entries.length === 0) return;
  const anchors = device.security.trustAnchors.clone();
  for (const [key, hex] of entries) {
    const [cell, slot] = key.split('/') as [TrustAnchorCellName, Slot];
    const c = parseGbcsCertificate(fromHex(hex));
    const had = anchors.cell(cell);
    if (had) anchors.setCell(cell, { ...had, eui: c.eui, [slot]: c });
  }
  device.security.setTrustAnchors(anchors);
}

/** The response to an update run now (RTDS two-octet lengths from 128 to 255). */
export function updateResponse(outcome: ExecutionOutcome | null): {
  response: Asn1Value<typeof S.UpdateSecurityCredentialsResponse>;
  header: { lengthForms: Record<string, number> };
} {
  const response = outcome ? { commandAccepted: null, executionOutcome: outcome } : { commandAccepted: null };
  return {
    response: response as never,
    header: { lengthForms: twoOctetLengthForms(S.UpdateSecurityCredentialsResponse, response as never) },
  };
}

/** Alert Message Codes of a future-dated update's outcome (CS02g: its own). */
export function updateAlertCode(useCase: string): number {
  return useCase.startsWith('CS02g') ? 0x0124 : 0x00cb;
}

/** The 8F66 / 8F67 alert payload of a future-dated update that ran. */
export function updateAlertPayload(
  executionDateTime: string,
  outcome: ExecutionOutcome,
  ok: boolean,
): Uint8Array {
  const body = { alertCode: ok ? 0x8f66 : 0x8f67, executionDateTime, executionOutcome: outcome };
  return encodeAsn1(
    S.FutureDatedSecurityCredentialsAlert,
    body as never,
    'payload',
    twoOctetLengthForms(S.FutureDatedSecurityCredentialsAlert, body as never),
  );
}
