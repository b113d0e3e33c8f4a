/**
 * The GSME's device-management use cases: its join table (CS03A1 / CS03B
 * join, CS04AC / CS04B unjoin, CS07 read the join details) and its event
 * and alert behaviours (GCS20 set, GCS20r read).
 *
 * Join table (the rules: meter-common/join-table.ts, shared with the ESME):
 * the HAN devices the meter has joined, with their type (and the KA
 * certificate a join carried). An unjoin of a device in the table
 * removes it (response code 0); of a device that is not in it answers
 * response code 1 and changes nothing: the RTDS CS04B ERROR example (a
 * CS04AC to the GSME for 0303030303030303) shows 1; that it means "not
 * joined" is this emulator's reading (GBCS names no code for it). The
 * PPMID and HCALCS (han-device/own-use-cases.ts) answer 0 there, as RTDS
 * CS04ACNonCritical shows for a PPMID.
 *
 * Event configuration (ZCL Device Management, GBCS 6.2.10 / 6.22): one
 * configuration byte per non-critical event id; GCS20r with event id
 * 0x81FF reports every one (RTDS GCS20r), another id that event alone
 * (an id the meter does not have: Default Response NOT_FOUND); GCS20 sets
 * the configuration of the listed ids (configuration control 0, apply by
 * list; another control is refused, 8F1E).
 */

import type { CommandFieldsOf } from '../../../gbcs/use-cases/index.ts';
import { deepFreeze } from '../../../runtime/freeze.ts';
import type { DeviceType } from '../../contracts.ts';
import { JOIN_CODE, type JoinedDevice, joinTableHandlers } from '../../meter-common/join-table.ts';
import {
  CommandContentError,
  type HandlerResult,
  type UseCaseCall,
} from '../../meter-common/use-case-registry.ts';
import type { GsmeServices } from '../services.ts';
import { defaultResponse, faultedCommand, ZCL } from './gbz.ts';
import type { GsmeView } from './index.ts';

/** What a GSME joins (SMETS2: its PPMID and Type 2 devices; the CH's GPF is not joined by command). */
const JOINABLE: readonly DeviceType[] = ['PPMID', 'Type2'];

/** CS04 response code for a device that is not in the join table (RTDS CS04B ERROR; name not confirmed). */
export const UNJOIN_NOT_JOINED = JOIN_CODE.notJoined;

export type GsmeJoinedDevice = JoinedDevice;

/** The RTDS GSME's event configuration (RTDS GCS20r SUCCESS response, in its order). */
export const RTDS_EVENT_CONFIGURATION: ReadonlyArray<readonly [number, number]> = deepFreeze([
  [0x810d, 24],
  [0x810e, 8],
  [0x8119, 24],
  [0x8145, 3],
  [0x8154, 3],
  [0x8155, 3],
  [0x8161, 3],
  [0x8162, 3],
  [0x8168, 16],
  [0x8183, 11],
  [0x8184, 11],
  [0x81a1, 11],
  [0x81a4, 11],
  [0x81a5, 11],
  [0x81a6, 11],
  [0x81a7, 11],
  [0x81a8, 11],
  [0x81a9, 11],
  [0x81aa, 27],
  [0x81ab, 27],
  [0x81ac, 11],
  [0x81ad, 11],
  [0x81ae, 11],
  [0x81af, 11],
  [0x81b0, 11],
  [0x81b1, 11],
  [0x81b2, 11],
  [0x81b3, 11],
  [0x81b4, 11],
  [0x81b5, 11],
  [0x81b6, 11],
  [0x81b9, 11],
  [0x81ba, 11],
  [0x81bc, 11],
  [0x81bd, 11],
  [0x81be, 11],
  [0x81bf, 11],
  [0x81c0, 11],
  [0x81c2, 11],
  [0x81c3, 11],
  [0x81c4, 27],
  [0x81c5, 11],
  [0x81a0, 11],
  [0x81c6, 3],
]);

/** GCS20r's event id for "every non-critical event" (RTDS GCS20r). */
export const ALL_NON_CRITICAL_EVENTS = 0x81ff;

/**
 * The GSME's join table on the shared rules (meter-common/join-table.ts),
 * over `state.joined`. The GSME models no table size: its capacity is
 * unbounded (a join never answers "table full").
 */
/**
 * The GSME's join table use cases (CS03A1 / CS03B, CS04AC / CS04B, CS07) on
 * the shared rules (meter-common/join-table.ts), over `state.joined`. The
 * GSME models no table size: its capacity is unbounded (a join never
 * answers "table full").
 */
export const gsmeJoin = joinTableHandlers((d: GsmeServices) => ({
  security: d.security,
  joinTable: {
    get joined() {
      return d.state.joined;
    },
    set joined(v) {
      d.state.joined = v;
    },
    capacity: Number.POSITIVE_INFINITY,
  },
  joinable: JOINABLE,
}));

/** GCS20r: Report Event Configuration of every non-critical event (0x81FF) or of one. */
export function readEventConfiguration(
  call: UseCaseCall<CommandFieldsOf<'GCS20r'>>,
  d: GsmeView,
): HandlerResult {
  const GET = 0x05;
  // a Default Response is a ZCL general command: frame control 0x08, not the row's 0x01 (RTDS GCS20r ERROR)
  const failed = (status: number): HandlerResult => ({
    response: { components: [defaultResponse('deviceManagement', GET, status)] },
    outcome: 'failed',
    header: { components: [{ sequence: firstSequence(call), frameControl: 0x08 }] },
  });
  if (d.gbzFaults().has('deviceManagement.getEventConfiguration')) return failed(ZCL.hardwareFailure);
  const id = call.fields.getEventConfiguration.eventId;
  const events = d.state.eventConfiguration
    .filter(([e]) => id === ALL_NON_CRITICAL_EVENTS || e === id)
    .map(([eventId, eventConfiguration]) => ({ eventId, eventConfiguration }));
  if (events.length === 0) return { ...failed(ZCL.notFound), detail: { notFound: id } };
  return {
    response: {
      components: [
        {
          cluster: 'deviceManagement',
          command: 'reportEventConfiguration',
          fields: { commandIndex: 0, totalNumberOfCommands: 1, events },
        },
      ],
    },
    outcome: 'read',
  };
}

function firstSequence(call: UseCaseCall<unknown>): number {
  return (call.header as { components?: Array<{ sequence?: number }> }).components?.[0]?.sequence ?? 0;
}

/** GCS20: Set Event Configuration (apply by list): each listed event id gets the configuration. */
export function setEventConfiguration(
  call: UseCaseCall<CommandFieldsOf<'GCS20'>>,
  d: GsmeView,
): HandlerResult {
  const parts = [{ cluster: 'deviceManagement', command: 'setEventConfiguration', commandId: 0x04 }] as const;
  const faulted = faultedCommand(parts, d.gbzFaults());
  if (faulted) return faulted;
  const comps = call.fields.setEventConfiguration as unknown as Array<{
    eventConfiguration: number;
    configurationControl: number;
    eventIds: number[];
  }>;
  for (const c of comps)
    if (c.configurationControl !== 0)
      throw new CommandContentError(
        `configuration control ${c.configurationControl}: only 0 (apply by list)`,
      );
  const table = new Map(d.state.eventConfiguration);
  const changed: number[] = [];
  for (const c of comps)
    for (const id of c.eventIds) {
      table.set(id, c.eventConfiguration);
      changed.push(id);
    }
  d.state.eventConfiguration = [...table.entries()];
  return {
    response: {
      components: comps.map(() => ({
        cluster: 'deviceManagement',
        command: 'defaultResponse',
        fields: { commandId: 0x04, status: ZCL.success },
      })),
    },
    outcome: 'applied',
    detail: { events: changed },
  };
}
