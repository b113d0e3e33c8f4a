/**
 * A meter's join table (GBCS 13.7; DUIS 8.7.1 / 8.8.2 / 8.10): the HAN
 * devices it has joined, with their type and the KA certificate a join
 * carried. Shared join / unjoin / read rules, for any meter that keeps one
 * in its state (the ESME: esme/handlers/join.ts):
 *
 * - CS03A1 (method A, the meter initiates: join method and role 0) and CS03B
 *   (method B: 2) put the device in the table (a device already in it is
 *   replaced); a type the meter does not join, or another method and role,
 *   is content the meter cannot apply (malformed, 8F1E). A KA certificate,
 *   when given, must be a GBCS KA certificate of that device (else
 *   malformed); the meter then accepts the device's device-to-device
 *   messages (a security peer).
 * - The table holds at most `capacity` devices; a join that does not fit
 *   answers response code 3 and changes nothing (RTDS CS03A1 ERROR shows 3;
 *   that it means "join table full" is this emulator's reading, GBCS's code
 *   name not confirmed).
 * - CS04AC / CS04B remove it (0); a device not in the table answers 1 (RTDS
 *   CS04B ERROR on the GSME).
 * - CS07: response code 0 and the table (device id, GBCS device type).
 */
import { parseGbcsCertificate } from '../../gbcs/keystore.ts';
import { fromHex } from '../../runtime/bytes.ts';
import { DEVICE_TYPE_CODE, type DeviceType } from '../contracts.ts';
import type { DeviceSecurity } from '../security/device-security.ts';
import { CommandContentError, type HandlerResult, type UseCaseCall } from './use-case-registry.ts';

type Numbered = keyof typeof DEVICE_TYPE_CODE;
const TYPE_OF_NUMBER = new Map<number, Numbered>(
  Object.entries(DEVICE_TYPE_CODE).map(([k, v]) => [v, k as Numbered]),
);

export interface JoinedDevice {
  eui: string;
  deviceType: Numbered;
  /** the KA certificate the join carried, DER hex */
  kaCertificate?: string;
}

export interface JoinTableState {
  joined: JoinedDevice[];
  capacity: number;
}

/** Response codes (RTDS: 0 success, 1 CS04 not joined, 3 CS03A1 refused). */
export const JOIN_CODE = { ok: 0, notJoined: 1, tableFull: 3 } as const;

export interface JoinTableDevice {
  readonly security: DeviceSecurity;
  readonly joinTable: JoinTableState;
  /** the device types this meter joins */
  readonly joinable: readonly DeviceType[];
}

interface JoinFields {
  joinMethodAndRole: number;
  otherDeviceEntityIdentifier: string;
  otherDeviceType: number;
  otherDeviceKACertificate?: string;
}

/** CS03A1 (role 0) / CS03B (role 2). */
export function joinDevice(role: number) {
  return (call: UseCaseCall<JoinFields>, d: JoinTableDevice): HandlerResult => {
    const f = call.fields;
    const type = TYPE_OF_NUMBER.get(f.otherDeviceType);
    if (!type || !d.joinable.includes(type))
      throw new CommandContentError(`this meter does not join a device of type ${f.otherDeviceType}`);
    if (f.joinMethodAndRole !== role)
      throw new CommandContentError(`join method and role ${f.joinMethodAndRole}: this use case is ${role}`);
    const eui = f.otherDeviceEntityIdentifier.toUpperCase();
    let ka: ReturnType<typeof parseGbcsCertificate> | null = null;
    if (f.otherDeviceKACertificate !== undefined) {
      try {
        ka = parseGbcsCertificate(fromHex(f.otherDeviceKACertificate));
      } catch (e) {
        throw new CommandContentError(`KA certificate: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (ka.eui !== eui || ka.usage !== 'ka')
        throw new CommandContentError(`KA certificate is ${ka.eui}/${ka.usage}`);
    }
    const t = d.joinTable;
    const others = t.joined.filter((j) => j.eui !== eui);
    if (others.length >= t.capacity)
      return { response: JOIN_CODE.tableFull, outcome: 'failed', detail: { tableFull: t.capacity } };
    t.joined = [
      ...others,
      { eui, deviceType: type, ...(ka ? { kaCertificate: f.otherDeviceKACertificate } : {}) },
    ];
    if (ka) d.security.addPeer({ eui, deviceType: type, ka });
    return { response: JOIN_CODE.ok, outcome: 'applied', detail: { joined: eui, deviceType: type } };
  };
}

/** After a restore: the joined devices whose join carried a KA certificate are security peers again. */
export function restoreJoinedPeers(joined: readonly JoinedDevice[], security: DeviceSecurity): void {
  for (const j of joined)
    if (j.kaCertificate)
      security.addPeer({
        eui: j.eui,
        deviceType: j.deviceType,
        ka: parseGbcsCertificate(fromHex(j.kaCertificate)),
      });
}

/** CS04AC / CS04B. */
export function unjoinDevice(call: UseCaseCall<string>, d: JoinTableDevice): HandlerResult {
  const eui = call.fields.toUpperCase();
  const t = d.joinTable;
  if (!t.joined.some((j) => j.eui === eui))
    return { response: JOIN_CODE.notJoined, outcome: 'failed', detail: { notJoined: eui } };
  t.joined = t.joined.filter((j) => j.eui !== eui);
  return { response: JOIN_CODE.ok, outcome: 'applied', detail: { unjoined: eui } };
}

/** CS07. */
export function readJoinTable(_call: UseCaseCall<unknown>, d: JoinTableDevice): HandlerResult {
  return {
    response: {
      responseCode: 0,
      joinedDevices: d.joinTable.joined.map((j) => ({
        deviceId: j.eui,
        deviceType: DEVICE_TYPE_CODE[j.deviceType],
      })),
    },
    outcome: 'read',
  };
}

/**
 * The five join table use cases for a meter `D`, given how to see its table:
 * CS03A1 (methodA), CS03B (methodB), CS04AC / CS04B (unjoin), CS07 (read).
 */
export function joinTableHandlers<D>(table: (d: D) => JoinTableDevice) {
  const via =
    <F>(h: (c: UseCaseCall<F>, t: JoinTableDevice) => HandlerResult) =>
    (c: UseCaseCall<F>, d: D) =>
      h(c, table(d));
  return {
    methodA: via(joinDevice(0)),
    methodB: via(joinDevice(2)),
    unjoin: via(unjoinDevice),
    read: via(readJoinTable),
  };
}
