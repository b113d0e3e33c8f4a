/**
 * Device states of the CHF for its RTDS examples (te-1-rtds-han-devices.test.ts,
 * merged into SCENARIOS): set through the CHF's backchannel before the
 * unchanged RTDS command arrives. ERROR examples: a hardware fault on the
 * attribute or method the RTDS response reports HARDWARE_FAILURE for. SUCCESS
 * examples: the values the reference CHF held (its identity, logs, radio
 * figures, Device Log key material).
 */
import type { Atps } from '../../src/atps/api.ts';
import type { UplinkRecord } from '../../src/atps/csp-tap.ts';
import type { Home } from '../../src/devices/home/home.ts';
import { RTDS_EUIS } from '../../src/devices/home/profiles.ts';
import type { Eui } from '../../src/runtime/bytes.ts';

/** Injects `bytes` over the WAN into home `id`; the Response `from` sent up the WAN in reply, if any. */
export function wanResponseTo(
  atps: Atps,
  id: string,
  bytes: Uint8Array,
  from: Eui,
): UplinkRecord | undefined {
  const since = atps.wanUplink(id).length;
  atps.inject(id, 'wan', bytes);
  return atps
    .wanUplink(id)
    .slice(since)
    .find((u) => u.cra === 'response' && u.originator === from);
}

const fault =
  (what: string) =>
  (home: Home): void =>
    home.chf.backchannel.hardwareFault(what);

const JAN_2015 = Date.UTC(2015, 0, 1);

/** The reference CHF's Device Log: the ESME and the GSME, with the link keys it read back. */
function rtdsDeviceLog(home: Home): void {
  for (const eui of home.chf.deviceLog.entries().map((e) => e.eui))
    if (eui !== RTDS_EUIS.esme && eui !== RTDS_EUIS.gsme) home.chf.removeDevice(eui);
  home.chf.backchannel.restoreEntry({
    eui: RTDS_EUIS.esme,
    deviceType: 'ESME',
    linkKey: '83FED3407A939723A5C639B26916D506',
  });
  home.chf.backchannel.restoreEntry({
    eui: RTDS_EUIS.gsme,
    deviceType: 'GSME',
    linkKey: '83FED3407A939723A5C639B26916D505',
  });
}

const stats = (
  rssi: number,
  lqiIn: number,
  lqiOut: number,
  route: number,
  hops: number,
  since: number,
  last: string,
) => ({
  status: '11001000',
  rssi,
  lqiIn,
  lqiOut,
  lastCommunicationsRoute: route,
  hops,
  joinedSince: since,
  lastCommunication: last,
  failures: 1,
  retries: 0,
  nwkTxQueue: 100,
  apsTxQueue: 1,
  channel: 1,
});

const row = (time: number, eventCode: number) => ({ time, eventCode });

export const CHF_SCENARIOS: Record<string, (home: Home) => void> = {
  'CCS01_8.11_ERROR': fault('zigbeeNetworkControl.joinTimeout'),
  'CCS02_8.11_ERROR': fault('zigbeeNetworkControl.unregisterDevice'),
  'CCS03_8.12.1_ERROR': fault('zigbeeNetworkControl.restoreDeviceLog'),
  'CCS06_8.9_ERROR': fault('zigbeeNetworkControl.activeDevices'),
  'CCS07_8.9_ERROR': fault('zigbeeNetworkControl.readDeviceLog'),
  'ECS26i_6.2.4_ERROR': fault('deviceId.value'),
  'ECS26n_6.2.4_ERROR': fault('deviceId.value'),
  'ECS35d_6.13_ERROR': fault('securityLog.buffer'),
  'DBCH01_6.31_ERROR': fault('subGhzChannel.value'),
  'DBCH02_6.32_ERROR': fault('subGhzChannelLog.buffer'),
  'DBCH04_6.28_ERROR': fault('subGhzConfiguration.value'),
  'DBCH05_6.29_ERROR': fault('subGhzChannelScanRequest.value'),
  'CCS06_8.9_SUCCESS': (home) => {
    rtdsDeviceLog(home);
    home.chf.backchannel.set({
      hanStats: {
        [RTDS_EUIS.esme]: stats(-35, -50, -100, 2, 39, 247, '2014-12-31T23:50:00 dow=3'),
        [RTDS_EUIS.gsme]: stats(-34, -54, -77, 1, 96, 205, '2014-12-31T23:40:00 dow=3'),
      },
    });
  },
  'CCS07_8.9_SUCCESS': (home) => {
    rtdsDeviceLog(home);
    home.chf.backchannel.set({
      deviceLogId: '0001020304050607',
      deviceLogChangedAt: JAN_2015,
      gpfDeviceLog: {
        lastChanged: JAN_2015,
        entries: [
          { deviceId: RTDS_EUIS.gpf, linkKey: '00112233445566778899A1A2A3A4A5A6' },
          { deviceId: RTDS_EUIS.ppmid, linkKey: 'A1A2A3A4A5A600112233445566778899' },
        ],
      },
    });
  },
  'ECS26i_6.2.4_SUCCESS': (home) =>
    home.chf.backchannel.set({ deviceId: '4154475479706559', manufacturerModel: '435357' }),
  'ECS26n_6.2.4_SUCCESS': (home) =>
    home.chf.backchannel.set({ deviceId: '4154475479706559', manufacturerModel: '43535720' }),
  'ECS35d_6.13_SUCCESS': (home) =>
    home.chf.backchannel.set({
      securityLog: [
        row(473299200, 0x8f12),
        row(473301757, 0x8f1e),
        row(473305188, 0x8f3e),
        row(473307010, 0x8f3f),
        row(473309078, 0x8f43),
        row(473312238, 0x8f4c),
        row(473314216, 0x8f4d),
        row(473316488, 0x8f4e),
        row(473319556, 0x8f4f),
        row(473321591, 0x8f52),
        row(473325068, 0x8f53),
        row(473327990, 0x8f75),
        row(473330962, 0x8f78),
      ],
    }),
  'DBCH01_6.31_SUCCESS': (home) =>
    home.chf.backchannel.set({
      subGhz: { ...home.chf.useCases.subGhz, channel: '11100000000000000000000000000001' },
    }),
  'DBCH02_6.32_SUCCESS': (home) =>
    home.chf.backchannel.set({
      subGhz: {
        ...home.chf.useCases.subGhz,
        channelLog: [
          [472348800, 'E0000001090100'],
          [472470300, 'E8000002090101'],
          [472570380, 'F0000004090102'],
          [472653060, 'F8000008090103'],
          [472713000, 'E0000010090104'],
          [472825380, 'E8000020090105'],
          [472944360, 'F0000040090106'],
          [472967940, 'F8000080090107'],
          [473088000, 'E0000001090100'],
          [473153160, 'E8000002090101'],
          [473284620, 'F0000004090102'],
        ].map(([time, entry]) => ({ time: Number(time), eventCode: 0x8f26, channelLogEntry: String(entry) })),
      },
    }),
};
