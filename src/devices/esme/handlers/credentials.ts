/**
 * The ESME's security-credential use cases (DUIS 6.15 / 6.21 / 6.23 / 6.24 /
 * 8.5), run by the shared meter code (meter-common/security-credentials.ts)
 * on the ESME's Trust Anchor cells and its `state.credentials`:
 * CS02a / CS02f (details of the cells), CS02b / CS02g (replace cell
 * certificates, now or at the execution date-time; 8F66 / 8F67 with the
 * outcome when a future-dated one runs).
 */
import { decodeCommand } from '../../../gbcs/use-cases/index.ts';
import { fromHex, toHex } from '../../../runtime/bytes.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import {
  applyCredentialUpdate,
  type CredentialDevice,
  credentialDetails,
  planCredentialUpdate,
  type UpdateCommand,
  updateAlertCode,
  updateAlertPayload,
  updateResponse,
} from '../../meter-common/security-credentials.ts';
import { parseGeneralizedTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import type { FutureDatedRun } from './future-dated.ts';

const CANCEL = '99991231235959Z';

function device(esme: EsmeServices): CredentialDevice {
  return { deviceType: 'ESME', security: esme.security, credentialState: esme.state.credentials };
}

/** CS02a (signed) / CS02f (MAC): the cells of each requested role. */
export function provideCredentialDetails(
  call: UseCaseCall<{ remotePartyRoles: number[] }>,
  esme: EsmeServices,
): HandlerResult {
  const form = call.row.useCase === 'CS02f' ? 'mac' : 'signed';
  return { ...credentialDetails(device(esme), call.fields.remotePartyRoles, form), outcome: 'read' };
}

/** CS02b / CS02g: replace cell certificates now, at the execution date-time, or cancel a pending update. */
export function updateCredentials(call: UseCaseCall<UpdateCommand>, esme: EsmeServices): HandlerResult {
  const useCase = call.row.useCase;
  const m = call.cmd.message;
  const t = call.fields.executionDateTime;
  if (t === CANCEL) {
    const had = esme.cancelFutureDated(useCase);
    return { ...updateResponse(null), outcome: 'cancelled', detail: { cancelled: had } };
  }
  const plan = planCredentialUpdate(device(esme), useCase, call.fields, m.originatorCounter);
  const when = t === undefined ? null : parseGeneralizedTime(t);
  if (t !== undefined && when === null) throw new CommandContentError('execution time');
  if (when !== null && when > esme.now()) {
    esme.scheduleFutureDated({
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
  const r = applyCredentialUpdate(device(esme), plan);
  return {
    ...updateResponse(r.outcome),
    outcome: r.allReplaced ? 'applied' : 'failed',
    ...(r.refused.length ? { detail: { refused: r.refused } } : {}),
  };
}

/** A pending CS02b / CS02g runs: 8F66 when every certificate was replaced, else 8F67, with the outcome. */
export function runCredentialUpdate(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const fields = decodeCommand(entry.useCase, fromHex(String(entry.data.payload))).fields as UpdateCommand;
  const plan = planCredentialUpdate(device(esme), entry.useCase, fields, BigInt(entry.counter));
  const r = applyCredentialUpdate(device(esme), plan);
  return {
    ok: r.allReplaced,
    alert: {
      payload: updateAlertPayload(String(entry.data.executionDateTime), r.outcome, r.allReplaced),
      messageCode: updateAlertCode(entry.useCase),
    },
  };
}
