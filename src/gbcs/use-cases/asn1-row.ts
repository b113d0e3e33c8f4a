/**
 * ASN.1 rows (GBCS DER payloads: security credentials, join/unjoin,
 * firmware, GSME clock, GPF device log): the command, the response and the
 * alert are each one ASN.1 structure (payload/der-schema.ts). Named fields
 * are the structure's value (typed from the schema: Asn1Value); the header
 * holds the length forms of elements a device sent in non-minimal form
 * (RTDS device responses), so that decode then encode gives the same bytes.
 */
import {
  type Asn1LengthForms,
  type Asn1Schema,
  type Asn1Value,
  decodeAsn1Detailed,
  encodeAsn1,
} from '../payload/der-schema.ts';
import { GbcsFieldError } from '../payload/zcl-fields.ts';
import { UseCaseShapeError, UseCaseUnknownError } from './errors.ts';
import type { UseCaseRowBase } from './row.ts';

export interface Asn1CommandRow extends UseCaseRowBase {
  readonly family: 'asn1';
  readonly kind: 'command';
  readonly command: Asn1Schema;
  readonly response: Asn1Schema;
}

export interface Asn1AlertRow extends UseCaseRowBase {
  readonly family: 'asn1';
  readonly kind: 'alert';
  readonly alert: Asn1Schema;
}

/** A DER use case whose structure could not be established here (`payloadUnknown`: the engine refuses it). */
export interface Asn1UnknownPayloadRow extends UseCaseRowBase {
  readonly family: 'asn1';
  readonly payloadUnknown: true;
}

export type Asn1Row = Asn1CommandRow | Asn1AlertRow | Asn1UnknownPayloadRow;

export type Asn1CommandFields<R extends Asn1CommandRow> = Asn1Value<R['command']>;
export type Asn1ResponseFields<R extends Asn1CommandRow> = Asn1Value<R['response']>;
export type Asn1AlertFields<R extends Asn1AlertRow> = Asn1Value<R['alert']>;

export interface Asn1Header {
  /** elements received with a non-minimal length: field path -> length octets */
  lengthForms?: Asn1LengthForms;
}

export function asn1Command<const R extends Omit<Asn1CommandRow, 'family' | 'kind'>>(r: R) {
  return { ...r, family: 'asn1', kind: 'command' } as const;
}

export function asn1Alert<const R extends Omit<Asn1AlertRow, 'family' | 'kind'>>(r: R) {
  return { ...r, family: 'asn1', kind: 'alert' } as const;
}

export function asn1PayloadUnknown<const R extends Omit<Asn1UnknownPayloadRow, 'family' | 'payloadUnknown'>>(
  r: R,
) {
  return { ...r, family: 'asn1', payloadUnknown: true } as const;
}

type Kind = 'command' | 'response' | 'alert';

function schemaOf(row: Asn1Row, kind: Kind): Asn1Schema {
  if ('payloadUnknown' in row)
    throw new UseCaseUnknownError(`${row.useCase}: its ASN.1 structure is not catalogued`);
  if (row.kind === 'alert') {
    if (kind !== 'alert') throw new UseCaseUnknownError(`${row.useCase} is an alert: it has no ${kind}`);
    return row.alert;
  }
  if (kind === 'alert') throw new UseCaseUnknownError(`${row.useCase} is a command: it has no alert payload`);
  return kind === 'command' ? row.command : row.response;
}

function shape(e: unknown): never {
  if (e instanceof GbcsFieldError) throw new UseCaseShapeError(e.detail, e.path, [], e.offset);
  throw e;
}

export function decodeAsn1Payload(
  row: Asn1Row,
  kind: Kind,
  bytes: Uint8Array,
): { header: Asn1Header; fields: unknown } {
  const schema = schemaOf(row, kind);
  try {
    const { value, lengthForms } = decodeAsn1Detailed(schema, bytes, kind);
    return { header: Object.keys(lengthForms).length ? { lengthForms } : {}, fields: value };
  } catch (e) {
    return shape(e);
  }
}

export function encodeAsn1Payload(
  row: Asn1Row,
  kind: Kind,
  fields: unknown,
  header?: Asn1Header,
): Uint8Array {
  const schema = schemaOf(row, kind);
  try {
    return encodeAsn1(schema, fields as never, kind, header?.lengthForms);
  } catch (e) {
    return shape(e);
  }
}

/** Leaf fields of an ASN.1 row, for listings. */
export function asn1Leaves(row: Asn1Row, kind: Kind): { path: string; type: string; unit?: string }[] {
  let schema: Asn1Schema;
  try {
    schema = schemaOf(row, kind);
  } catch {
    return [];
  }
  const out: { path: string; type: string }[] = [];
  const walk = (s: Asn1Schema, p: string) => {
    if (s.type === 'sequence') for (const f of s.fields) walk(f.schema, p ? `${p}.${f.name}` : f.name);
    else if (s.type === 'sequenceOf') walk(s.of, `${p}[]`);
    else if (s.type === 'choice')
      for (const f of s.alternatives) walk(f.schema, p ? `${p}.${f.name}` : f.name);
    else out.push({ path: p || '(value)', type: s.type === 'der' ? 'DER element' : s.type });
  };
  walk(schema, '');
  return out;
}

/** The ASN.1 family for the catalogue engine (index.ts FamilyCodec). */
export const asn1Family = {
  decode(row: UseCaseRowBase, kind: Kind, bytes: Uint8Array): { header: unknown; fields: unknown } {
    return decodeAsn1Payload(row as Asn1Row, kind, bytes);
  },
  encode(row: UseCaseRowBase, kind: Kind, fields: unknown, header: unknown): Uint8Array {
    return encodeAsn1Payload(row as Asn1Row, kind, fields, (header ?? {}) as Asn1Header);
  },
  /** DER has no header derived from the counter (a command's counter, where it has one, is a field: CS06). */
  headerFor(_originatorCounter: bigint): Asn1Header {
    return {};
  },
  leaves(row: UseCaseRowBase, kind: Kind) {
    return asn1Leaves(row as Asn1Row, kind);
  },
};
