/**
 * What every GBZ handler of the GSME (and the GPF's mirror) shares: ZCL
 * Read Attributes answered from a table of attribute values, payload
 * encryption of protected reads (GBCS 7.2.13), and hardware faults as device
 * state (RTDS ERROR responses):
 * - a read of a faulted attribute (`cluster.AttributeName`) answers status
 *   HARDWARE_FAILURE (0xC0) in its record, the other records of that
 *   component as usual;
 * - a command on a faulted ZCL command (`cluster.command`) answers a Default
 *   Response HARDWARE_FAILURE and is not applied;
 * - every component after a failed one answers a Default Response FAILURE
 *   for command 0xFF (not run).
 */
import { encodeComponentFields } from '../../../gbcs/payload/gbz-named.ts';
import { zclCluster } from '../../../gbcs/payload/zcl-se.ts';
import type { GbzResponseComponent } from '../../../gbcs/use-cases/index.ts';
import { toHex } from '../../../runtime/bytes.ts';
import type { ExecutionContext } from '../../meter-common/meter-device.ts';
import type { HandlerResult } from '../../meter-common/use-case-registry.ts';

/** ZCL status codes (ZCL 2.5.3). */
export const ZCL = {
  success: 0x00,
  failure: 0x01,
  notFound: 0x8b,
  unsupportedAttribute: 0x86,
  hardwareFailure: 0xc0,
} as const;

/** ZCL data types of the attributes a GSME reports. */
export const ZT = {
  map8: 0x18,
  map16: 0x19,
  uint8: 0x20,
  uint16: 0x21,
  uint24: 0x22,
  uint32: 0x23,
  uint48: 0x25,
  int32: 0x2b,
  enum8: 0x30,
  octstr: 0x41,
  string: 0x42,
} as const;

export interface AttrValue {
  dataType: number;
  value: number | string;
}

/** Attribute values by id, of one cluster (functions: read at the time of the read). */
export type AttrTable = Record<number, () => AttrValue>;

function clusterId(name: string): number {
  const c = zclCluster(name);
  if (!c) throw new Error(`no ZCL cluster ${name}`);
  return c.id;
}

/** A GBZ component answer, and whether it failed (the later components are then not run). */
export interface ComponentAnswer {
  component: GbzResponseComponent;
  failed: boolean;
}

/** Read Attributes records from `table`; a faulted attribute answers HARDWARE_FAILURE. */
export function readRecords(
  cluster: string,
  attributes: ReadonlyArray<{ id: number; name?: string }>,
  table: AttrTable,
  faults: ReadonlySet<string>,
): { records: Array<Record<string, unknown>>; failed: boolean } {
  let failed = false;
  const records = attributes.map((a) => {
    const get = table[a.id];
    if (a.name && faults.has(`${cluster}.${a.name}`)) {
      failed = true;
      return { id: a.id, status: ZCL.hardwareFailure };
    }
    if (!get) return { id: a.id, status: ZCL.unsupportedAttribute };
    const v = get();
    return { id: a.id, status: ZCL.success, value: { dataType: v.dataType, typeName: '', value: v.value } };
  });
  return { records, failed };
}

/** A Read Attributes Response component, in clear or payload-encrypted for the business originator. */
export function readAttributesAnswer(
  cluster: string,
  attributes: ReadonlyArray<{ id: number; name?: string }>,
  table: AttrTable,
  faults: ReadonlySet<string>,
  encrypt: ExecutionContext['encrypt'] | null,
): ComponentAnswer {
  const { records, failed } = readRecords(cluster, attributes, table, faults);
  if (!encrypt)
    return { component: { cluster, command: 'readAttributesResponse', fields: { records } }, failed };
  return {
    component: encryptedComponent(cluster, 'readAttributesResponse', 0x18, { records }, encrypt),
    failed,
  };
}

/**
 * A response component whose ZCL payload is encrypted (GBCS 7.2.13),
 * `frameControl` the clear header's. `additionalFrameCounter`: the number
 * of encrypted components before it in the response (PROVISIONAL: the RTDS
 * responses with several, 4.4.2 / 4.4.3 / 4.6.1 / 4.14, number them 0, 1, 2).
 */
export function encryptedComponent(
  cluster: string,
  command: string,
  frameControl: number,
  fields: Record<string, unknown>,
  encrypt: ExecutionContext['encrypt'],
  additionalFrameCounter = 0,
): GbzResponseComponent {
  const plain = encodeComponentFields(clusterId(cluster), frameControl, command, fields).payload;
  const sealed = encrypt(plain);
  return {
    cluster,
    command,
    encrypted: {
      additionalHeaderControl: 0,
      additionalFrameCounter,
      securityControl: sealed[0]!,
      invocationCounter: ((sealed[1]! << 24) | (sealed[2]! << 16) | (sealed[3]! << 8) | sealed[4]!) >>> 0,
      ciphertext: toHex(sealed.subarray(5, sealed.length - 12)),
      mac: toHex(sealed.subarray(sealed.length - 12)),
    },
  };
}

/** A Default Response component. */
export function defaultResponse(cluster: string, commandId: number, status: number): GbzResponseComponent {
  return { cluster, command: 'defaultResponse', fields: { commandId, status } };
}

/** The answer of a component that is not run because an earlier one failed. */
export function notRun(cluster: string): GbzResponseComponent {
  return defaultResponse(cluster, 0xff, ZCL.failure);
}

/**
 * Runs the components of one command in order: each `step` answers its
 * component; after a failed one the rest answer `notRun`.
 */
export function inOrder(steps: ReadonlyArray<{ cluster: string; run: () => ComponentAnswer }>): {
  components: GbzResponseComponent[];
  failed: boolean;
} {
  const components: GbzResponseComponent[] = [];
  let failed = false;
  for (const s of steps) {
    if (failed) {
      components.push(notRun(s.cluster));
      continue;
    }
    const a = s.run();
    components.push(a.component);
    failed = a.failed;
  }
  return { components, failed };
}

/** A ZCL command of a use case: `cluster.command` names it for hardware faults, `commandId` for its Default Response. */
export interface ZclPart {
  cluster: string;
  command: string;
  commandId: number;
}

/**
 * The answer of a command one of whose ZCL commands has a hardware fault
 * (`cluster.command`): the components before it answer SUCCESS (not
 * applied), it HARDWARE_FAILURE, the later ones are not run; nothing
 * changes. Null when no component is faulted.
 */
export function faultedCommand(parts: readonly ZclPart[], faults: ReadonlySet<string>): HandlerResult | null {
  if (faults.size === 0) return null;
  const at = parts.findIndex((p) => faults.has(`${p.cluster}.${p.command}`));
  if (at < 0) return null;
  const { components } = inOrder(
    parts.map((p, i) => ({
      cluster: p.cluster,
      run: (): ComponentAnswer => ({
        component: defaultResponse(p.cluster, p.commandId, i === at ? ZCL.hardwareFailure : ZCL.success),
        failed: i === at,
      }),
    })),
  );
  return {
    response: { components },
    outcome: 'failed',
    detail: { hardwareFault: `${parts[at]!.cluster}.${parts[at]!.command}` },
  };
}
