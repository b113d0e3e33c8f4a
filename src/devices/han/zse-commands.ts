/**
 * ZigBee SE cluster-specific command frames between two devices on the HAN
 * (the PPMID's Consumer Top Up, Select Available Emergency Credit and Local
 * Change Supply to its ESME: GBCS V3.1 PECS01-03; an HC ALCS's Get Scheduled
 * Events to its ESME: HECS01). Pure: a ZCL header and the payload of the
 * command as the one SE command table declares it (gbcs/payload/zcl-se.ts),
 * by key (`prepayment.consumerTopUp`); no layout is spelt here again.
 */
import { GbcsError } from '../../gbcs/errors.ts';
import type { ZclFieldsOf } from '../../gbcs/payload/zcl-fields.ts';
import { decodeZclFields, encodeZclFields, type ZclField } from '../../gbcs/payload/zcl-fields.ts';
import {
  type ZclCommandFields,
  type ZclCommandKey,
  zclSeCommand,
  zclSeCommandByKey,
} from '../../gbcs/payload/zcl-se.ts';
import { ZigbeeMalformedError, ZigbeeUnsupportedError } from '../../zigbee/errors.ts';
import { decodeZclHeader, encodeZclHeader, type ZclHeader } from '../../zigbee/zcl.ts';

/** The named fields of the SE command `K`. */
export type ZseCommandFields<K extends ZclCommandKey> = ZclFieldsOf<ZclCommandFields<K>>;

export interface ZseCommandFrame {
  /** `cluster.command` (the SE table's key) */
  key: string;
  clusterId: number;
  header: ZclHeader;
  fields: Record<string, unknown>;
}

/**
 * The frame of SE command `key` (its direction from the table) with `fields`;
 * a Default Response is wanted unless `disableDefaultResponse`. Throws
 * GbcsFieldError for a missing, extra or out-of-range field.
 */
export function encodeZseCommand<K extends ZclCommandKey>(
  key: K,
  fields: ZseCommandFields<K>,
  opts: { tsn: number; disableDefaultResponse?: boolean },
): Uint8Array {
  const c = zclSeCommandByKey(key);
  if (!c) throw new ZigbeeUnsupportedError(`no SE command ${key}`);
  const head = encodeZclHeader({
    frameType: 'cluster',
    direction: c.serverToClient ? 's2c' : 'c2s',
    disableDefaultResponse: opts.disableDefaultResponse ?? false,
    transactionSequenceNumber: opts.tsn,
    commandId: c.command.id,
  });
  const body = encodeZclFields(c.command.fields as readonly ZclField[], fields as never, key);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** The cluster id of SE command `key`. */
export function zseClusterOf(key: ZclCommandKey): number {
  const c = zclSeCommandByKey(key);
  if (!c) throw new ZigbeeUnsupportedError(`no SE command ${key}`);
  return c.cluster.id;
}

/**
 * Decodes a cluster-specific SE command frame received on `clusterId`.
 * Throws ZigbeeMalformedError (not a cluster command, a payload that does not
 * have the command's fields, with the offset) or ZigbeeUnsupportedError (a
 * command the SE table does not hold, manufacturer specific).
 */
export function decodeZseCommand(clusterId: number, asdu: Uint8Array): ZseCommandFrame {
  const h = decodeZclHeader(asdu);
  if (h.value.frameType !== 'cluster') throw new ZigbeeMalformedError('not a cluster-specific command', 0);
  if (h.value.manufacturerCode !== undefined)
    throw new ZigbeeUnsupportedError('manufacturer-specific command', 0);
  const c = zclSeCommand(clusterId, h.value.direction === 's2c', h.value.commandId);
  if (!c)
    throw new ZigbeeUnsupportedError(
      `SE command 0x${h.value.commandId.toString(16).padStart(2, '0')} (${h.value.direction}) on cluster 0x${clusterId.toString(16).padStart(4, '0')}`,
      h.offset - 1,
    );
  const key = `${c.cluster.name}.${c.command.name}`;
  let fields: Record<string, unknown>;
  try {
    fields = decodeZclFields(c.command.fields, asdu.subarray(h.offset), key, h.offset) as Record<
      string,
      unknown
    >;
  } catch (e) {
    if (e instanceof GbcsError) throw new ZigbeeMalformedError(`${key}: ${e.message}`, e.offset);
    throw e;
  }
  return { key, clusterId, header: h.value, fields };
}
