/**
 * CS06 (DUIS 11.3, ASN.1) activate firmware: the hash of an image
 * transferred and verified earlier (backchannel `loadFirmwareImage`), an
 * optional execution date-time (99991231235959Z cancels). Immediate: the
 * outcome (0 success, 1 failure) and the running version; future-dated or
 * cancelled: NULL (RTDS 11.3_CS06). A future-dated activation raises 8F66
 * (or 8F67, code 2) with the outcome when it runs.
 */
import { encodeAlert } from '../../../gbcs/use-cases/index.ts';
import type { FutureDatedEntry } from '../../meter-common/meter-device.ts';
import { generalizedTime, parseGeneralizedTime } from '../../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { EsmeServices } from '../services.ts';
import { type FutureDatedRun, MC_FUTURE_DATED_FIRMWARE } from './future-dated.ts';

interface Cs06Fields {
  manufacturerImageHash: string;
  originatorCounter: bigint;
  executionDateTime?: string;
}

const CANCEL = '99991231235959Z';

export function activateFirmware(call: UseCaseCall<Cs06Fields>, esme: EsmeServices): HandlerResult {
  const { manufacturerImageHash: hash, executionDateTime: t } = call.fields;
  const cmd = call.cmd;
  if (t === CANCEL) {
    const had = esme.cancelFutureDated('CS06');
    return { response: { futureDatedAccepted: null }, outcome: 'cancelled', detail: { cancelled: had } };
  }
  const when = t === undefined ? null : parseGeneralizedTime(t);
  if (t !== undefined && when === null) throw new CommandContentError('execution time');
  if (when !== null && when > esme.now()) {
    esme.scheduleFutureDated({
      useCase: 'CS06',
      messageCode: cmd.message.messageCode,
      originator: cmd.message.originator,
      counter: cmd.message.originatorCounter.toString(),
      executeAt: when,
      data: { hash },
    });
    return {
      response: { futureDatedAccepted: null },
      outcome: 'scheduled',
      detail: { executeAt: new Date(when).toISOString() },
    };
  }
  const ok = activate(esme, hash);
  return {
    response: {
      outcome: { activateImageResponseCode: ok ? 0 : 1, firmwareVersion: esme.state.firmware.version },
    },
    outcome: ok ? 'applied' : 'failed',
    detail: { firmware: esme.state.firmware.version },
  };
}

function activate(esme: EsmeServices, hash: string): boolean {
  const p = esme.state.firmware.pendingImage;
  if (!p || p.hash.toUpperCase() !== hash.toUpperCase()) {
    esme.logEvent(0x8f1c); // Firmware Verification Failed
    return false;
  }
  esme.state.firmware = { version: p.version, pendingImage: null };
  esme.logEvent(0x8f43); // Change in the executing Firmware version
  return true;
}

/** A pending CS06 runs: RTDS 11.3_CS06 8F66 / 8F67 (code 2 when the image is not there). */
export function runFirmwareActivation(entry: FutureDatedEntry, esme: EsmeServices): FutureDatedRun {
  const ok = activate(esme, String(entry.data.hash));
  const payload = encodeAlert(
    'FutureDatedFirmwareActivationAlert',
    {
      alertCode: ok ? 0x8f66 : 0x8f67,
      executionDateTime: generalizedTime(entry.executeAt),
      originatorCounter: BigInt(entry.counter),
      outcome: { activateImageResponseCode: ok ? 0 : 2, firmwareVersion: esme.state.firmware.version },
    } as never,
    { header: {} },
  );
  return { ok, alert: { payload, messageCode: MC_FUTURE_DATED_FIRMWARE } };
}
