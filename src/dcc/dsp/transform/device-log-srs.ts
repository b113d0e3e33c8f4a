/**
 * Device Log restores (DUIS 8.12, a replacement Communications Hub):
 * 8.12.1 Restore HAN Device Log -> CCS03 to the new CHF, 8.12.2 Restore GPF
 * Device Log -> GCS59 to the new GPF. The body names only the old CH's
 * function (OldCHFID / OldGPFID); the entries come from the Device Log
 * backup the DSP holds for it (context `deviceLogBackupOf`,
 * src/dcc/dsp/device-log-backups.ts). No backup: DSP_BODY_INVALID (the DSP
 * cannot build the command), never an empty restore. The old function may
 * be the target itself (its own backup restored, e.g. after a reset).
 *
 * Facts used (RTDS 8.12.1_CCS03, 8.12.2_GCS59 next to the templates):
 * - CCS03: ZigBee network control (class 104) restore_device_log (method 5)
 *   { CHF id, [{ device id, link key }] }; the ACB originates it on the
 *   user's behalf (Supplementary Remote Party the user). The entries and
 *   link keys are those a CCS07 read of the old CHF returns (RTDS CCS07
 *   response: the same two devices and keys as the RTDS CCS03); the CHF id
 *   is the Device Log identity the backup carries (PROVISIONAL: the RTDS
 *   value 0000000000000140 is neither the template's OldCHFID nor the RTDS
 *   CCS07 log id, so it is the estate's backup data, not derived here).
 * - GCS59: DER SEQUENCE OF { device id, GBCS DeviceType } (the shape of
 *   the GPF's GCS62 backup alert); a DCC party's own command: the ACB
 *   originates it with no Supplementary Remote Party (RTDS: sent by the
 *   ACB itself with its RequestID counter; catalogue roles: the ACB only).
 */
import type { DeviceType } from '../../../duis/index.ts';
import type { Eui } from '../../../runtime/bytes.ts';
import { eui, one } from './body-reader.ts';
import type { DeviceLogBackup } from './context.ts';
import { deviceSrv } from './device-srs.ts';
import { bodyDeviceType, DspBodyInvalidError, DspUnknownDeviceError } from './errors.ts';
import type { AnySrvTransform, BuildInput } from './rule.ts';

const CHF: DeviceType[] = ['CHF'];
const GPF: DeviceType[] = ['GPF'];

type OldChf = { oldChf: Eui };
type OldGpf = { oldGpf: Eui };

/** The backup part `part` of the old device, or a typed refusal saying what is missing. */
function backupOf<K extends keyof DeviceLogBackup>(
  i: BuildInput<unknown>,
  old: Eui,
  oldType: DeviceType,
  part: K,
  path: string,
): NonNullable<DeviceLogBackup[K]> {
  const type = i.deviceTypeOf(old);
  if (type === undefined) throw new DspUnknownDeviceError(old, `old ${oldType}`);
  if (type !== oldType) throw bodyDeviceType(`${old} is a ${type}, not a ${oldType}`, path);
  const b = i.deviceLogBackupOf?.(old)?.[part];
  if (!b)
    throw new DspBodyInvalidError(
      `the DSP holds no ${oldType} Device Log backup of ${old} (a CCS07 read${part === 'gpf' ? ' or a GCS62 alert' : ''} makes one)`,
      path,
    );
  return b as NonNullable<DeviceLogBackup[K]>;
}

export const DEVICE_LOG_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  deviceSrv<OldChf>('8.12.1', {
    body: { oldChf: one('OldCHFID', eui) },
    useCases: [
      {
        useCase: 'CCS03',
        targets: CHF,
        originator: 'acb',
        fields: (i) => {
          const b = backupOf(i, i.body.oldChf, 'CHF', 'chf', 'RestoreHANDeviceLog/OldCHFID');
          return {
            zigbeeNetworkControl: {
              restoreDeviceLog: {
                chfId: b.logId,
                entries: b.entries.map((e) => ({ deviceId: e.deviceId, linkKey: e.linkKey })),
              },
            },
          };
        },
      },
    ],
  }),
  deviceSrv<OldGpf>('8.12.2', {
    body: { oldGpf: one('OldGPFID', eui) },
    useCases: [
      {
        useCase: 'GCS59',
        targets: GPF,
        originator: 'dcc',
        fields: (i) => {
          const b = backupOf(i, i.body.oldGpf, 'GPF', 'gpf', 'RestoreGPFDeviceLog/OldGPFID');
          return { deviceLog: b.entries.map((e) => ({ deviceId: e.deviceId, deviceType: e.deviceType })) };
        },
      },
    ],
  }),
];
