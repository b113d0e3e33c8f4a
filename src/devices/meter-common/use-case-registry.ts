/**
 * The use-case handler registry every meter runs its commands through
 * (docs/devices.md "Use-case handlers"): one handler per catalogue row
 * (src/gbcs/use-cases), registered by use-case id. What is the same for every
 * use case is done here, once:
 *
 * 1. the row is found by the command's Message Code; a row that does not
 *    target this device type, has no catalogued payload or no handler is
 *    answered with the family's "unsupported" answer (family-answers.ts):
 *    the command passed every security check and gets a response, never
 *    silence;
 * 2. the payload is decoded by named fields (`decodeCommand`): a payload that
 *    does not have its row's shape is answered "malformed" with alert 8F1E
 *    (integrity of content), nothing runs;
 * 3. a DLMS command that touches an attribute with a hardware fault (device
 *    state, set through the backchannel) answers `hardware-fault` for that
 *    access and `other-reason` for every later one; nothing is written
 *    (reads before the fault still return their values);
 * 4. the handler gets the named fields and the device (its state and
 *    services) and returns named response fields, which are encoded here
 *    (`encodeResponse`, the command's invoke-id / header echoed). A handler
 *    that finds a value it cannot accept throws CommandContentError: the
 *    "malformed" answer and 8F1E, and it must not have changed state.
 */
import {
  type DlmsCommandRow,
  type DlmsHeader,
  decodeCommand,
  encodeResponse,
  type NamedPayload,
  rowHasNoPayload,
  type UseCaseRow,
  UseCaseShapeError,
  UseCaseUnknownError,
  useCaseByCode,
} from '../../gbcs/use-cases/index.ts';
import type { DeviceType } from '../contracts.ts';
import type { AcceptedCommand } from '../security/device-security.ts';
import { structuralAnswer } from './family-answers.ts';
import type { Execution, ExecutionContext } from './meter-device.ts';

/** A value in a command that fits the row's shape but that the device cannot accept (8F1E, nothing changes). */
export class CommandContentError extends Error {
  override readonly name = 'CommandContentError';
}

/** What a handler gets. */
export interface UseCaseCall<F = unknown> {
  cmd: AcceptedCommand;
  row: UseCaseRow;
  /** the command's named fields (decodeCommand) */
  fields: F;
  /** the command's payload header (DLMS invoke-id, GBZ sequences, ASN.1 length forms) */
  header: unknown;
  ctx: ExecutionContext;
}

/** What a handler returns: named response fields the registry encodes, and the outcome. */
export interface HandlerResult {
  response: unknown;
  outcome: Execution['outcome'];
  /** the response payload header; default: the command's (DLMS invoke-id echoed, no date-time) */
  header?: unknown;
  commit?: boolean;
  detail?: Record<string, unknown>;
  alerts?: Execution['alerts'];
}

// biome-ignore lint/suspicious/noExplicitAny: handlers narrow their fields with CommandFieldsOf<'UC'>
export type UseCaseHandler<D> = (call: UseCaseCall<any>, device: D) => HandlerResult;

/** What the registry needs of the device it runs for. */
export interface RegistryDevice {
  readonly deviceType: DeviceType;
  /** `object.member` names of attributes with a hardware fault (device state) */
  hardwareFaults(): ReadonlySet<string>;
  /** a simple alert (code + time) ready to send after the response */
  simpleAlert(code: number): NonNullable<Execution['alerts']>[number];
}

/** Result names of a DLMS hardware fault and of the accesses after it (RTDS ERROR responses). */
const FAULT = 'hardware-fault';
const AFTER_FAULT = 'other-reason';

export class UseCaseRegistry<D extends RegistryDevice> {
  private readonly handlers = new Map<string, UseCaseHandler<D>>();

  /** Registers the handler of a catalogue use case (by id); a use case has one handler. */
  register(useCase: string, handler: UseCaseHandler<D>): this {
    if (this.handlers.has(useCase)) throw new Error(`handler for ${useCase} registered twice`);
    this.handlers.set(useCase, handler);
    return this;
  }

  /** Registers one handler for several use cases (e.g. ECS42/43/44). */
  registerAll(useCases: readonly string[], handler: UseCaseHandler<D>): this {
    for (const u of useCases) this.register(u, handler);
    return this;
  }

  /** The use cases that have a handler (for listings: which device runs which). */
  useCases(): string[] {
    return [...this.handlers.keys()].sort();
  }

  runs(useCase: string): boolean {
    return this.handlers.has(useCase);
  }

  /** Runs an accepted command: decode, shape checks, handler, encode; or the family's answer. */
  execute(cmd: AcceptedCommand, device: D, ctx: ExecutionContext): Execution {
    const row = useCaseByCode(cmd.message.messageCode);
    const content = cmd.message.content;
    const counter = cmd.message.originatorCounter;
    const family = row?.family ?? cmd.info?.payload;
    const handler = row ? this.handlers.get(row.useCase) : undefined;
    if (!row || !handler || !targets(row, device.deviceType) || rowHasNoPayload(row))
      return unsupported(family, content, counter, row?.useCase ?? cmd.useCase);
    let decoded: NamedPayload;
    try {
      decoded = decodeCommand(row, content);
    } catch (err) {
      if (err instanceof UseCaseUnknownError) return unsupported(family, content, counter, row.useCase);
      if (err instanceof Error) return malformed(device, family, content, counter, err);
      throw err;
    }
    const call: UseCaseCall<unknown> = { cmd, row, fields: decoded.fields, header: decoded.header, ctx };
    try {
      const faulted = row.family === 'dlms' ? faultIndex(row as DlmsCommandRow, decoded, device) : -1;
      if (faulted >= 0) return this.faultAnswer(row as DlmsCommandRow, call, faulted, handler, device);
      const r = handler(call as UseCaseCall<never>, device);
      return {
        content: encodeResponse(row, r.response, { header: r.header ?? responseHeader(row, decoded.header) }),
        outcome: r.outcome,
        ...(r.commit === undefined ? {} : { commit: r.commit }),
        ...(r.detail ? { detail: r.detail } : {}),
        ...(r.alerts ? { alerts: r.alerts } : {}),
      };
    } catch (err) {
      if (err instanceof CommandContentError || err instanceof UseCaseShapeError)
        return malformed(device, family, content, counter, err);
      throw err;
    }
  }

  /**
   * A DLMS command touching a faulted attribute: accesses before it answer as
   * the handler would for a read (gets) or success (sets, actions, which are
   * not applied), the faulted one hardware-fault, every later one
   * other-reason. Nothing changes (a handler only runs when every access
   * before the fault is a get: reads do not change state).
   */
  private faultAnswer(
    row: DlmsCommandRow,
    call: UseCaseCall<unknown>,
    at: number,
    handler: UseCaseHandler<D>,
    device: D,
  ): Execution {
    const fields = call.fields as Record<string, Record<string, unknown>>;
    const wire = row.accesses.filter((a) => fields[a.object]?.[a.member] !== undefined);
    const readsFirst = wire.slice(0, at).every((a) => a.kind === 'get' || a.kind === 'get-range');
    const values =
      readsFirst && at > 0
        ? (handler(call as UseCaseCall<never>, device).response as Record<string, Record<string, unknown>>)
        : {};
    const response: Record<string, Record<string, unknown>> = {};
    wire.forEach((a, i) => {
      const r =
        i < at
          ? (values[a.object]?.[a.member] ?? { result: 'success' })
          : { result: i === at ? FAULT : AFTER_FAULT };
      response[a.object] ??= {};
      response[a.object]![a.member] = r;
    });
    const failed = wire[at]!;
    return {
      content: encodeResponse(row, response, { header: responseHeader(row, call.header) }),
      outcome: 'failed',
      detail: { hardwareFault: `${failed.object}.${failed.member}` },
    };
  }
}

function targets(row: UseCaseRow, type: DeviceType): boolean {
  return row.targets.includes('ANY') || (row.targets as readonly string[]).includes(type);
}

/** The response header a command's header gives: DLMS echoes the invoke-id with no date-time, GBZ the sequence numbers. */
function responseHeader(row: UseCaseRow, commandHeader: unknown): unknown {
  if (row.family === 'dlms') return { invoke: (commandHeader as DlmsHeader).invoke, dateTime: '' };
  if (row.family === 'asn1') return {};
  // GBZ: each component answers with its command component's sequence number; the frame control is the response row's
  const comps = (commandHeader as { components?: Array<{ sequence?: number }> }).components ?? [];
  return { components: comps.map((c, i) => ({ sequence: c.sequence ?? i })) };
}

/** Wire index of the first access on a faulted attribute, or -1. */
function faultIndex(row: DlmsCommandRow, decoded: NamedPayload, device: RegistryDevice): number {
  const faults = device.hardwareFaults();
  if (faults.size === 0) return -1;
  const fields = decoded.fields as Record<string, Record<string, unknown>>;
  const wire = row.accesses.filter((a) => fields[a.object]?.[a.member] !== undefined);
  return wire.findIndex((a) => faults.has(`${a.object}.${a.member}`));
}

function unsupported(
  family: UseCaseRow['family'] | undefined,
  content: Uint8Array,
  counter: bigint,
  useCase: string | null,
): Execution {
  return {
    content: structuralAnswer(family, 'unsupported', content, counter),
    outcome: 'unsupported',
    detail: { useCase, note: 'use case not run by this device' },
  };
}

function malformed(
  device: RegistryDevice,
  family: UseCaseRow['family'] | undefined,
  content: Uint8Array,
  counter: bigint,
  err: Error,
): Execution {
  return {
    content: structuralAnswer(family, 'malformed', content, counter),
    outcome: 'failed',
    detail: { error: err.message },
    alerts: [device.simpleAlert(0x8f1e)],
  };
}

/** Every access of a decoded DLMS command answered with one result (sets and actions). */
export function allResults(
  fields: object,
  result: string,
): Record<string, Record<string, { result: string }>> {
  return Object.fromEntries(
    Object.entries(fields as Record<string, Record<string, unknown>>).map(([o, ms]) => [
      o,
      Object.fromEntries(Object.keys(ms).map((m) => [m, { result }])),
    ]),
  );
}
