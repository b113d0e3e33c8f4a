/**
 * The CHF's ASN.1 use cases (registered in commands.ts with the DLMS ones):
 *
 * - CS06 Activate Firmware (DUIS 11.3) for the CHF itself: the image the
 *   CHF received over the WAN and verified (firmware-distribution.ts,
 *   `ChfState.firmware.pendingImage`) is activated when the command names
 *   its hash: outcome 0 and the new running version (ECS52 reads it),
 *   Change in the executing Firmware version (0x8F43) logged; another hash,
 *   or no image: outcome 1 and the running version, Firmware Verification
 *   Failed (0x8F1C) logged, nothing else changes (the ESME's rule, RTDS
 *   CS06). A cancellation (99991231235959Z) answers NULL (the CHF keeps no
 *   future-dated work); an execution time in the future is refused as
 *   content the CHF cannot apply (malformed answer, 8F1E): future-dated CHF
 *   activation is not run.
 * - CS07 Read Device Join Details (DUIS 8.10): response code 0 and the
 *   devices of the CHF Device Log (HHTs excluded) with their GBCS device
 *   type, in log order.
 */
import { DEVICE_TYPE_CODE } from '../contracts.ts';
import { parseGeneralizedTime } from '../meter-common/time.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../meter-common/use-case-registry.ts';
import { appendLog, utcSeconds2000 } from './chf-state.ts';
import type { ChfView } from './commands.ts';

const CANCEL = '99991231235959Z';
const FIRMWARE_CHANGED = 0x8f43;
const FIRMWARE_VERIFICATION_FAILED = 0x8f1c;

interface Cs06Fields {
  manufacturerImageHash: string;
  originatorCounter: bigint;
  executionDateTime?: string;
}

/** CS06 for the CHF's own firmware. */
export function activateChfFirmware(call: UseCaseCall<Cs06Fields>, view: ChfView): HandlerResult {
  const { manufacturerImageHash: hash, executionDateTime: t, originatorCounter } = call.fields;
  if (BigInt(originatorCounter) !== call.cmd.message.originatorCounter)
    throw new CommandContentError(`originator counter ${originatorCounter} is not the command's`);
  if (t === CANCEL)
    return { response: { futureDatedAccepted: null }, outcome: 'cancelled', detail: { cancelled: false } };
  if (t !== undefined) {
    const when = parseGeneralizedTime(t);
    if (when === null) throw new CommandContentError('execution time');
    if (when > view.host.now())
      throw new CommandContentError('future-dated firmware activation is not run by this CHF');
  }
  const fw = view.state.firmware;
  const img = fw.pendingImage;
  const ok = img !== null && img.hash.toUpperCase() === hash.toUpperCase();
  const log = (code: number) =>
    appendLog(view.state.eventLog, { time: utcSeconds2000(view.host.now()), eventCode: code });
  if (ok) {
    fw.version = img.version.toUpperCase();
    fw.pendingImage = null;
    log(FIRMWARE_CHANGED);
  } else log(FIRMWARE_VERIFICATION_FAILED);
  return {
    response: { outcome: { activateImageResponseCode: ok ? 0 : 1, firmwareVersion: fw.version } },
    outcome: ok ? 'applied' : 'failed',
    detail: { firmware: fw.version },
  };
}

/** CS07: the devices the CHF has joined (its Device Log, HHTs excluded). */
export function readJoinDetails(_call: UseCaseCall<null>, view: ChfView): HandlerResult {
  const joinedDevices = view.host.deviceLog
    .entries()
    .filter((e) => e.deviceType !== 'HHT')
    .map((e) => ({
      deviceId: e.eui,
      deviceType: DEVICE_TYPE_CODE[e.deviceType as keyof typeof DEVICE_TYPE_CODE],
    }));
  return { response: { responseCode: 0, joinedDevices }, outcome: 'read' };
}
