/**
 * The security-credential use cases as registry handlers, one implementation
 * for every device that runs them (ESME, GSME, GPF, PPMID, HCALCS; the CHF
 * its CS02a / CS02b): each device lends a `CredentialHost` (its Trust Anchor
 * cells, its credential state, its clock and, when it keeps future-dated
 * work, its scheduler) and registers `registerCredentialUseCases`.
 *
 * - CS02a / CS02f: the cells of each requested role (security-credentials.ts).
 * - CS02b / CS02g: checked before anything changes (mode, authorising cell,
 *   seq number = the command's counter, every target a cell the device holds:
 *   else the malformed answer and 8F1E); then now, at the execution
 *   date-time (a device that keeps future-dated work: NULL answer, 8F66 /
 *   8F67 with the outcome when it runs, 0x00CB / CS02g 0x0124), or cancelled
 *   (99991231235959Z: NULL). A device that keeps no future-dated work (the
 *   CHF) refuses a future execution time as content it cannot apply.
 * - CS02c / CS02d / CS02e: the device's own key pairs and certificates
 *   (device-credentials.ts).
 *
 * Anti-replay is the security checks' (device-security.ts: the command's
 * Originator Counter above the last accepted one of its originator, recorded
 * only after the response): a replayed update is discarded before it runs.
 */
import { decodeCommand } from '../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../runtime/bytes.ts';
import type { DeviceType } from '../contracts.ts';
import { CELL_BY_ROLE, TRUST_ANCHOR_CELLS_OF } from '../security/credentials.ts';
import {
  type DeviceKeyHolder,
  issueSecurityCredentials,
  provideDeviceCertificate,
  updateDeviceCertificate,
} from './device-credentials.ts';
import type { FutureDatedEntry } from './meter-device.ts';
import {
  applyCredentialUpdate,
  type CredentialDevice,
  credentialDetails,
  planCredentialUpdate,
  REPLACEMENT_MODES,
  type UpdateCommand,
  updateAlertCode,
  updateAlertPayload,
  updateResponse,
} from './security-credentials.ts';
import { parseGeneralizedTime } from './time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type RegistryDevice,
  type UseCaseCall,
  type UseCaseRegistry,
} from './use-case-registry.ts';

/** The execution date-time that cancels a pending update (GBCS 13.3.3). */
export const CANCEL_UPDATE = '99991231235959Z';

/** What the credential handlers need of a device. */
export interface CredentialHost {
  /** the device's Trust Anchor cells and credential state (read through this: replaced on restore) */
  readonly credentials: CredentialDevice;
  /** device clock, epoch ms */
  now(): number;
  /** future-dated work; absent: the device keeps none and refuses a future execution time (8F1E) */
  readonly futureDated?: {
    schedule(entry: FutureDatedEntry): void;
    cancel(key: string): boolean;
  };
}

/** What a future-dated update's run returns: success, and the alert to raise. */
export interface CredentialUpdateRun {
  ok: boolean;
  alert: { payload: Uint8Array; messageCode: number };
}

/** CS02a (signed) / CS02f (MAC): the cells of each requested role. */
export function provideCredentialDetails(
  call: UseCaseCall<{ remotePartyRoles: number[] }>,
  host: CredentialHost,
): HandlerResult {
  const form = call.row.useCase === 'CS02f' ? 'mac' : 'signed';
  return {
    ...credentialDetails(host.credentials, call.fields.remotePartyRoles, form),
    outcome: 'read',
  };
}

/** CS02b / CS02g: replace cell certificates now, at the execution date-time, or cancel a pending update. */
export function updateCredentials(call: UseCaseCall<UpdateCommand>, host: CredentialHost): HandlerResult {
  const useCase = call.row.useCase;
  const m = call.cmd.message;
  const t = call.fields.executionDateTime;
  if (t === CANCEL_UPDATE) {
    const had = host.futureDated?.cancel(useCase) ?? false;
    return { ...updateResponse(null), outcome: 'cancelled', detail: { cancelled: had } };
  }
  const device = host.credentials;
  const plan = planCredentialUpdate(device, useCase, call.fields, m.originatorCounter);
  const when = t === undefined ? null : parseGeneralizedTime(t);
  if (t !== undefined && when === null) throw new CommandContentError('execution time');
  if (when !== null && when > host.now()) {
    if (!host.futureDated)
      throw new CommandContentError(`future-dated credential update is not run by the ${device.deviceType}`);
    host.futureDated.schedule({
      useCase,
      messageCode: m.messageCode,
      originator: m.originator,
      counter: m.originatorCounter.toString(),
      executeAt: when,
      data: { payload: toHex(m.content), executionDateTime: t },
    });
    return {
      ...updateResponse(null),
      outcome: 'scheduled',
      detail: { executeAt: new Date(when).toISOString() },
    };
  }
  const r = applyCredentialUpdate(device, plan);
  return {
    ...updateResponse(r.outcome),
    outcome: r.allReplaced ? 'applied' : 'failed',
    ...(r.refused.length ? { detail: { refused: r.refused } } : {}),
  };
}

/** A pending CS02b / CS02g runs: 8F66 when every certificate was replaced, else 8F67, with the outcome. */
export function runCredentialUpdate(entry: FutureDatedEntry, host: CredentialHost): CredentialUpdateRun {
  const fields = decodeCommand(entry.useCase, fromHex(String(entry.data.payload))).fields as UpdateCommand;
  const device = host.credentials;
  const r = applyCredentialUpdate(
    device,
    planCredentialUpdate(device, entry.useCase, fields, BigInt(entry.counter)),
  );
  return {
    ok: r.allReplaced,
    alert: {
      payload: updateAlertPayload(String(entry.data.executionDateTime), r.outcome, r.allReplaced),
      messageCode: updateAlertCode(entry.useCase),
    },
  };
}

/**
 * The Update Security Credentials use cases a device type runs: every mode
 * that replaces a cell other than the Root the type holds
 * (TRUST_ANCHOR_CELLS_OF); a type not listed there (GPF, CHF) runs every
 * CS02b mode and refuses, as content it cannot apply, a cell it does not
 * hold and the Root cell (security-credentials.ts).
 */
export function updateUseCasesFor(deviceType: DeviceType): string[] {
  const cells = TRUST_ANCHOR_CELLS_OF[deviceType];
  return Object.keys(REPLACEMENT_MODES).filter((u) =>
    cells === undefined
      ? u.startsWith('CS02b')
      : REPLACEMENT_MODES[u]!.targets.some((r) => {
          const cell = CELL_BY_ROLE[r];
          return cell !== undefined && cell !== 'root' && cells.includes(cell);
        }),
  );
}

/**
 * Registers the credential use cases on a device's registry: `details`
 * (default CS02a / CS02f), the Update Security Credentials modes `updates`,
 * and, given the device's key holder, CS02c / CS02d / CS02e.
 */
export function registerCredentialUseCases<D extends RegistryDevice>(
  registry: UseCaseRegistry<D>,
  hostOf: (d: D) => CredentialHost,
  opts: {
    updates: readonly string[];
    details?: readonly string[];
    deviceKeys?: (d: D) => DeviceKeyHolder;
  },
): UseCaseRegistry<D> {
  registry
    .registerAll(opts.details ?? ['CS02a', 'CS02f'], (call, d) => provideCredentialDetails(call, hostOf(d)))
    .registerAll(opts.updates, (call, d) => updateCredentials(call, hostOf(d)));
  const keys = opts.deviceKeys;
  if (!keys) return registry;
  return registry
    .register('CS02c', (call, d) => issueSecurityCredentials(call, keys(d)))
    .register('CS02d', (call, d) => updateDeviceCertificate(call, keys(d)))
    .register('CS02e', (call, d) => provideDeviceCertificate(call, keys(d)));
}
