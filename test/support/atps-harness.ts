/**
 * Shared set-up for the CH conformance suites (test/conformance/ch-*.test.ts):
 * one test automation API whose ESME and PPMID applications are
 * RecordingDevices (test doubles that answer an RTDS COMMAND with the RTDS
 * RESPONSE of the same case), helpers to patch a message's target, and the
 * CSP-side key store to verify what the CH sends up.
 */
import { Atps, type DeviceAppFactory } from '../../src/atps/api.ts';
import { peekRouting } from '../../src/gbcs/peek.ts';
import { type Eui, fromHex, toHex } from '../../src/runtime/bytes.ts';
import { type RtdsMessage, rtdsMessages } from './fixtures.ts';
import { RecordingDevice } from './recording-device.ts';

export const RTDS = rtdsMessages();
export const COMMANDS = RTDS.filter((m) => m.kind === 'COMMAND');

/** RTDS COMMAND hex -> the RTDS RESPONSE of the same folder and case. */
export const RESPONSE_FOR = new Map<string, Uint8Array>();
for (const m of COMMANDS) {
  const r = RTDS.find(
    (x) =>
      x.folder === m.folder && x.kind === 'RESPONSE' && x.file === m.file.replace('_COMMAND_', '_RESPONSE_'),
  );
  if (r) RESPONSE_FOR.set(m.hex.toUpperCase(), r.bytes);
}

/** Device apps: ESME and PPMID answer RTDS commands with their RTDS responses. */
export const fixtureResponders: DeviceAppFactory = ({ clock, eui, deviceType }) =>
  deviceType === 'ESME' || deviceType === 'PPMID'
    ? new RecordingDevice(
        eui,
        deviceType,
        () => clock.now(),
        (b) => RESPONSE_FOR.get(toHex(b)),
      )
    : undefined;

export function newAtps(): Atps {
  return new Atps({ deviceApps: fixtureResponders });
}

/** A copy of `bytes` with the Recipient System Title (the routing target) replaced. */
export function retarget(bytes: Uint8Array, target: Eui): Uint8Array {
  const out = bytes.slice();
  out.set(fromHex(target), peekRouting(out).targetOffset);
  return out;
}

export function byName(fragment: string, kind = 'COMMAND'): RtdsMessage {
  const m = RTDS.find((x) => x.kind === kind && x.name.includes(fragment));
  if (!m) throw new Error(`no RTDS ${kind} matching ${fragment}`);
  return m;
}

/** Generous CHF limits for routing-table tests (CH-7 limits are tested on their own). */
export const NO_LIMITS = {
  ppmidRelayBurst: 1_000_000,
  ppmidRelayPerMinute: 1_000_000,
  ppmidAirtimeShareCap: 1,
  relayQueueCapacity: 1000,
  mailboxCapacity: 1000,
} as const;

/** An RTDS COMMAND for the GSME (mailbox) from the supplier. */
export const GSME_COMMAND = COMMANDS.find(
  (m) =>
    peekRouting(m.bytes).targetEui === '00DB1234567890A1' &&
    peekRouting(m.bytes).originatorEui === '90B3D51F30010000',
)!;
