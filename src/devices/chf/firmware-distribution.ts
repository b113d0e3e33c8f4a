/**
 * The CHF's firmware distribution (docs/chf.md "Firmware distribution"): a
 * ZigBee OTA Upgrade Image file arrives over the SM WAN (the DSP's 11.1, not
 * a GBCS command); the CHF verifies it (zigbee/ota.ts: header, size, image
 * hash) and, by the image type (the GBCS DeviceType it is for), keeps a CHF
 * image for its own CS06 or sends it to every logged device of that type as
 * Image Block Responses on the OTA cluster, one block after the other (each
 * acknowledged at the APS level before the next). The device reassembles
 * and verifies it again (node.ts, the device's onFirmwareImage).
 *
 * PROVISIONAL: ZigBee OTA lets the client pull (Query Next Image, Image Block
 * Request); here the CH pushes the blocks. GSMEs (sleepy) are sent to like
 * any device and fail when asleep (recorded).
 */
import type { Eui } from '../../runtime/bytes.ts';
import {
  decodeOtaImage,
  encodeOtaBlock,
  fileVersionHex,
  type OtaImage,
  otaBlocks,
} from '../../zigbee/ota.ts';
import { DEVICE_TYPE_CODE, type DeviceType, type HanSendResult } from '../contracts.ts';
import { appendLog, type ChfState, type FirmwareDistributionRecord } from './chf-state.ts';
import type { DeviceLog } from './device-log.ts';

export interface FirmwareDistributionHost {
  readonly deviceLog: DeviceLog;
  state(): ChfState;
  now(): number;
  sendCluster(to: Eui, asdu: Uint8Array, done: (r: HanSendResult) => void): void;
  event(reason: string, detail: Record<string, unknown>, target?: Eui): void;
}

const TYPE_BY_CODE = new Map<number, DeviceType>(
  Object.entries(DEVICE_TYPE_CODE).map(([t, c]) => [c, t as DeviceType]),
);

/** Records kept (oldest dropped first). */
const RECORDS = 64;

export class FirmwareDistribution {
  constructor(private readonly host: FirmwareDistributionHost) {}

  /** A file from the WAN. Returns what the CHF did with it. */
  receive(file: Uint8Array): 'held' | 'distributing' | 'no-target' | 'refused' {
    let img: OtaImage;
    try {
      img = decodeOtaImage(file);
    } catch (e) {
      this.host.event('firmware-refused', {
        error: e instanceof Error ? e.message : String(e),
        size: file.length,
      });
      return 'refused';
    }
    const type = TYPE_BY_CODE.get(img.imageType);
    const version = fileVersionHex(img.fileVersion);
    if (type === 'CHF') {
      this.host.state().firmware.pendingImage = {
        version,
        hash: img.hash,
        size: img.size,
        receivedAt: this.host.now(),
      };
      this.host.event('firmware-held', { version, hash: img.hash });
      return 'held';
    }
    const targets = this.host.deviceLog.entries().filter((e) => e.deviceType === type);
    if (targets.length === 0) {
      this.host.event('firmware-no-target', { version, imageType: img.imageType });
      return 'no-target';
    }
    for (const t of targets) this.send(t.eui, file, img, version);
    return 'distributing';
  }

  private send(target: Eui, file: Uint8Array, img: OtaImage, version: string): void {
    const rec: FirmwareDistributionRecord = {
      target,
      version,
      hash: img.hash,
      size: img.size,
      sent: 0,
      status: 'sending',
      startedAt: this.host.now(),
    };
    appendLog(this.host.state().firmware.distributions, rec, RECORDS);
    this.host.event('firmware-distribution-started', { version, size: img.size }, target);
    const blocks = otaBlocks(file);
    const next = (i: number): void => {
      if (i === blocks.length) {
        rec.status = 'delivered';
        rec.endedAt = this.host.now();
        this.host.event('firmware-delivered', { version, hash: img.hash }, target);
        return;
      }
      this.host.sendCluster(target, encodeOtaBlock(blocks[i]!), (r) => {
        if (!r.ok) {
          rec.status = 'failed';
          rec.reason = r.reason;
          rec.endedAt = this.host.now();
          this.host.event(
            'firmware-distribution-failed',
            { version, reason: r.reason, offset: rec.sent },
            target,
          );
          return;
        }
        rec.sent += blocks[i]!.data.length;
        next(i + 1);
      });
    };
    next(0);
  }
}
