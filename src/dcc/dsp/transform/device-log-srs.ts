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
import type { AnySrvTransform, BuildInput, OriginatorKind } from './rule.ts';

/** The old function the body names (OldCHFID / OldGPFID). */
type Old = { old: Eui };

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

/**
 * A Device Log restore SRV: the body names the old function (`old.element`),
 * the command goes to a device of the same type, its fields made by `fields`
 * from that function's backup part.
 */
function restoreSrv<K extends keyof DeviceLogBackup>(
  srv: string,
  old: { element: string; path: string; type: DeviceType; part: K },
  rule: { useCase: string; originator: OriginatorKind },
  fields: (b: NonNullable<DeviceLogBackup[K]>) => unknown,
): AnySrvTransform {
  return deviceSrv<Old>(srv, {
    body: { old: one(old.element, eui) },
    useCases: [
      {
        useCase: rule.useCase,
        targets: [old.type],
        originator: rule.originator,
        fields: (i) => fields(backupOf(i, i.body.old, old.type, old.part, old.path)),
      },
    ],
  });
}

export const DEVICE_LOG_SRV_TRANSFORMS: readonly AnySrvTransform[] = [
  restoreSrv(
    '8.12.1',
    { element: 'OldCHFID', path: 'RestoreHANDeviceLog/OldCHFID', type: 'CHF', part: 'chf' },
    { useCase: 'CCS03', originator: 'acb' },
    (b) => ({
      zigbeeNetworkControl: {
        restoreDeviceLog: {
          chfId: b.logId,
          entries: b.entries.map((e) => ({ deviceId: e.deviceId, linkKey: e.linkKey })),
        },
      },
    }),
  ),
  restoreSrv(
    '8.12.2',
    { element: 'OldGPFID', path: 'RestoreGPFDeviceLog/OldGPFID', type: 'GPF', part: 'gpf' },
    { useCase: 'GCS59', originator: 'dcc' },
    (b) => ({ deviceLog: b.entries.map((e) => ({ deviceId: e.deviceId, deviceType: e.deviceType })) }),
  ),
];
