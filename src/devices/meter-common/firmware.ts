/**
 * Firmware on a device, the same for every device type that runs it (ESME,
 * GSME, PPMID, HCALCS, GPF): an image arrives over the HAN OTA Upgrade cluster from the
 * CH (chf/firmware-distribution.ts; han/node.ts hands the reassembled file
 * to the device's `onFirmwareImage`), is verified again (zigbee/ota.ts:
 * header, size, image hash; the image type must be this device type's) and
 * held as the pending image with its hash; CS06 (DUIS 11.3, ASN.1) naming
 * that hash activates it, now or at its execution date-time
 * (99991231235959Z cancels). Immediate: the outcome (0 success, 1 failure)
 * and the running version; future-dated or cancelled: NULL (RTDS
 * 11.3_CS06). A future-dated activation raises 8F66 (or 8F67, code 2) with
 * the outcome when it runs (Message Code 0x00CA).
 */
import { encodeAlert } from '../../gbcs/use-cases/index.ts';
import { decodeOtaImage, fileVersionHex, OtaImageError } from '../../zigbee/ota.ts';
import { DEVICE_TYPE_CODE } from '../contracts.ts';
import type { FutureDatedEntry } from './meter-device.ts';
import { generalizedTime, parseGeneralizedTime } from './time.ts';
import { CommandContentError, type HandlerResult, type UseCaseCall } from './use-case-registry.ts';

/** GBCS Message Code of the Future Dated Firmware Activation Alert. */
export const MC_FUTURE_DATED_FIRMWARE = 0x00ca;
/** GBCS event codes: Firmware Verification Failed; Change in the executing Firmware version. */
export const EVENT_FIRMWARE_VERIFICATION_FAILED = 0x8f1c;
export const EVENT_FIRMWARE_CHANGED = 0x8f43;

/** What a device keeps of its firmware (JSON-safe: part of its snapshot). */
export interface FirmwareState {
  /** running firmware version, 4 bytes hex */
  version: string;
  /** an image received over OTA and verified, waiting for CS06 */
  pendingImage: { hash: string; version: string } | null;
}

/** What the firmware handlers need of a device (ESME and GSME services satisfy it). */
export interface FirmwareHost {
  readonly state: { firmware: FirmwareState };
  /** device clock, epoch ms */
  now(): number;
  logEvent(code: number): void;
  scheduleFutureDated(entry: FutureDatedEntry): void;
  cancelFutureDated(key: string): boolean;
}

interface Cs06Fields {
  manufacturerImageHash: string;
  originatorCounter: bigint;
  executionDateTime?: string;
}

const CANCEL = '99991231235959Z';

/**
 * A firmware file from the CH, verified for `deviceType`: the pending image
 * (hash and version) or, for a file that fails verification or is another
 * device type's, the error (the device logs Firmware Verification Failed).
 */
export function verifyFirmwareFile(
  file: Uint8Array,
  deviceType: keyof typeof DEVICE_TYPE_CODE,
): { ok: true; image: { hash: string; version: string; size: number } } | { ok: false; error: string } {
  try {
    const img = decodeOtaImage(file);
    if (img.imageType !== DEVICE_TYPE_CODE[deviceType])
      throw new OtaImageError(`image type ${img.imageType} is not a ${deviceType}'s`);
    return { ok: true, image: { hash: img.hash, version: fileVersionHex(img.fileVersion), size: img.size } };
  } catch (e) {
    return { ok: false, error: String(e) };
  }
}

/** CS06 Activate Firmware. */
export function activateFirmware(call: UseCaseCall<Cs06Fields>, d: FirmwareHost): HandlerResult {
  const { manufacturerImageHash: hash, executionDateTime: t } = call.fields;
  const cmd = call.cmd;
  if (t === CANCEL) {
    const had = d.cancelFutureDated('CS06');
    return { response: { futureDatedAccepted: null }, outcome: 'cancelled', detail: { cancelled: had } };
  }
  const when = t === undefined ? null : parseGeneralizedTime(t);
  if (t !== undefined && when === null) throw new CommandContentError('execution time');
  if (when !== null && when > d.now()) {
    d.scheduleFutureDated({
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
  const ok = activate(d, hash);
  return {
    response: {
      outcome: { activateImageResponseCode: ok ? 0 : 1, firmwareVersion: d.state.firmware.version },
    },
    outcome: ok ? 'applied' : 'failed',
    detail: { firmware: d.state.firmware.version },
  };
}

function activate(d: FirmwareHost, hash: string): boolean {
  const p = d.state.firmware.pendingImage;
  if (!p || p.hash.toUpperCase() !== hash.toUpperCase()) {
    d.logEvent(EVENT_FIRMWARE_VERIFICATION_FAILED);
    return false;
  }
  d.state.firmware = { version: p.version, pendingImage: null };
  d.logEvent(EVENT_FIRMWARE_CHANGED);
  return true;
}

/** A pending CS06 runs: RTDS 11.3_CS06 8F66 / 8F67 (code 2 when the image is not there). */
export function runFirmwareActivation(
  entry: FutureDatedEntry,
  d: FirmwareHost,
): { ok: boolean; alert: { payload: Uint8Array; messageCode: number } } {
  const ok = activate(d, String(entry.data.hash));
  const payload = encodeAlert(
    'FutureDatedFirmwareActivationAlert',
    {
      alertCode: ok ? 0x8f66 : 0x8f67,
      executionDateTime: generalizedTime(entry.executeAt),
      originatorCounter: BigInt(entry.counter),
      outcome: { activateImageResponseCode: ok ? 0 : 2, firmwareVersion: d.state.firmware.version },
    } as never,
    { header: {} },
  );
  return { ok, alert: { payload, messageCode: MC_FUTURE_DATED_FIRMWARE } };
}
