/**
 * DUIS Request IDs and Response IDs: `originatorEUI:targetEUI:counter`, each
 * EUI as eight hex pairs joined by `-`, the counter a decimal uint64 without
 * leading zeros (DUIS XSD RequestIDType / ResponseIDType). For device
 * Service Requests the counter becomes the GBCS Originator Counter.
 */
import { type Eui, euiToDuis, normaliseEui, u64be } from '../runtime/bytes.ts';
import { DuisSchemaError } from './errors.ts';

/** Target EUI of non-device Service Requests: the DCC Access Control Broker (DUIS). */
export const ACB_EUI: Eui = '90B3D51F30000002';

export const MAX_COUNTER = 0xffffffffffffffffn;

export interface RequestId {
  /** Business originator (e.g. a supplier), canonical 16 upper-case hex digits. */
  originator: Eui;
  /** Target device, or the ACB EUI for non-device requests. */
  target: Eui;
  /** Unsigned 64-bit counter. */
  counter: bigint;
}

/** A Response ID has the same three parts; for device responses `originator` is the device, `target` the user. */
export type ResponseId = RequestId;

const EUI_DUIS = '[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}';
const ID_RE = new RegExp(`^(${EUI_DUIS}):(${EUI_DUIS}):(0|[1-9][0-9]{0,19})$`);

/** Parses `90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:12884901888`. */
export function parseRequestId(s: string, path = 'RequestID'): RequestId {
  // xs:token: leading/trailing whitespace is collapsed away by schema processors.
  const m = ID_RE.exec(s.trim());
  if (!m) throw new DuisSchemaError(`"${s}" is not a DUIS request ID (EUI:EUI:counter)`, path);
  const counter = BigInt(m[3]);
  if (counter > MAX_COUNTER) throw new DuisSchemaError(`counter ${m[3]} is over 2^64-1`, path);
  return { originator: normaliseEui(m[1]), target: normaliseEui(m[2]), counter };
}

export const parseResponseId = (s: string, path = 'ResponseID'): ResponseId => parseRequestId(s, path);

/** Formats a RequestId the DUIS way (upper-case hex pairs). */
export function formatRequestId(id: RequestId): string {
  if (id.counter < 0n || id.counter > MAX_COUNTER) {
    throw new DuisSchemaError(`counter ${id.counter} is outside 0..2^64-1`, 'RequestID');
  }
  return `${euiToDuis(id.originator)}:${euiToDuis(id.target)}:${id.counter}`;
}

export const formatResponseId = formatRequestId;

/** The GBCS Originator Counter bytes for a device request's counter (GBCS: 8 bytes big-endian). */
export function originatorCounterBytes(id: RequestId): Uint8Array {
  return u64be(id.counter);
}

/** True if two request IDs name the same request. */
export function sameRequestId(a: RequestId, b: RequestId): boolean {
  return a.originator === b.originator && a.target === b.target && a.counter === b.counter;
}
