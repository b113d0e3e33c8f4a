/**
 * The CHF moves to another Sub GHz channel (DBCH07 Sub GHz Channel Changed
 * Sub GHz Alert, Message Code 0x0111, alert code 0x8F26): the channel DBCH01
 * reads becomes the new one, the Sub GHz Channel Log (DBCH02) and the CHF
 * Event Log get an entry, and the alert carries the new channel (the
 * catalogue row's body, rows/dlms-alerts.ts, UNCONFIRMED there). Which
 * channel the radio picks (GBCS 10.6.2.1: after a channel scan, on
 * interference) is the physical world: device state a test or the
 * simulator sets through `Chf.backchannel.subGhzChannelChanged`.
 * PROVISIONAL: the log entry's channelLogEntry is the new channel's 32-bit
 * mask as 4 bytes.
 */
import { formatCosemDateTimeText } from '../../gbcs/use-cases/cosem-text.ts';
import { encodeAlert, useCaseById } from '../../gbcs/use-cases/index.ts';
import { toHex } from '../../runtime/bytes.ts';
import type { ChfAlertContent } from './alerts.ts';
import { appendLog, type ChfState, utcSeconds2000 } from './chf-state.ts';

export const DBCH07 = useCaseById('DBCH07')!;
export const SUB_GHZ_CHANNEL_CHANGED = 0x8f26;

/** Moves `state` to `channel` (32 characters of 0/1, DBCH01's form) at `now` (ms); the alert to send, sealed by the caller. */
export function changeSubGhzChannel(
  state: ChfState,
  channel: string,
  now: number,
  dateTime: Uint8Array,
  originatorCounter: bigint,
): ChfAlertContent {
  if (!/^[01]{32}$/.test(channel))
    throw new RangeError(`a Sub GHz channel is 32 bits of 0/1, got ${JSON.stringify(channel)}`);
  const mask = Number.parseInt(channel, 2) >>> 0;
  const bytes = Uint8Array.of(mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff);
  state.subGhz.channel = channel;
  const time = utcSeconds2000(now);
  appendLog(state.subGhz.channelLog, {
    time,
    eventCode: SUB_GHZ_CHANNEL_CHANGED,
    channelLogEntry: toHex(bytes),
  });
  appendLog(state.eventLog, { time, eventCode: SUB_GHZ_CHANNEL_CHANGED });
  return {
    alertCode: SUB_GHZ_CHANNEL_CHANGED,
    messageCode: DBCH07.code,
    critical: DBCH07.critical,
    name: 'sub-ghz-channel-changed',
    content: encodeAlert(
      DBCH07,
      { alertCode: SUB_GHZ_CHANNEL_CHANGED, timestamp: formatCosemDateTimeText(dateTime), channel },
      { originatorCounter },
    ),
  };
}
