/**
 * The GBCS use-case catalogue (docs/use-cases.md): one row per Message Code,
 * assembled from one file per family/target under rows/, and the generic
 * engine that encodes and decodes every payload by named fields from its row:
 * encodeCommand / decodeCommand / encodeResponse / decodeResponse (and the
 * alert pair). Field types are derived from the rows (CommandFieldsOf<'ECS17a'>).
 *
 * Families: DLMS rows (ESME, CHF) are here; GBZ and ASN.1 rows register
 * their codecs with registerFamilyCodec and append their rows to ROW_SETS.
 */

import type { Asn1Value } from '../payload/der-schema.ts';
import { type Asn1AlertRow, type Asn1CommandRow, asn1Family } from './asn1-row.ts';
import { rolesOfRow, rowMayOriginate } from './authority.ts';
import {
  type DlmsHeader,
  decodeDlmsAlert,
  decodeDlmsCommand,
  decodeDlmsResponse,
  dlmsHeaderFor,
  encodeDlmsAlert,
  encodeDlmsCommand,
  encodeDlmsResponse,
} from './dlms-codec.ts';
import type {
  DlmsAlertFields,
  DlmsAlertRow,
  DlmsCommandFields,
  DlmsCommandRow,
  DlmsResponseFields,
} from './dlms-row.ts';
import { schemaLeaves } from './dlms-schema.ts';
import { UseCaseShapeError, UseCaseUnknownError } from './errors.ts';
import {
  type GbzAlertFields,
  type GbzCommandFields,
  type GbzCommandRow,
  type GbzResponseFields,
  gbzFamily,
} from './gbz-row.ts';
import type { Originator, PayloadFormat, RemotePartyRole, UseCaseRowBase } from './row.ts';
import { ASN1_ROWS } from './rows/asn1.ts';
import { CHF_ROWS } from './rows/chf.ts';
import { DLMS_ALERT_ROWS } from './rows/dlms-alerts.ts';
import { ESME_ROWS } from './rows/esme.ts';
import { ESME_GBCS_ROWS } from './rows/esme-gbcs.ts';
import { GSME_ALERT_ROWS, GSME_ROWS } from './rows/gsme.ts';

export * from './alcs-scripts.ts';
export * from './asn1-row.ts';
export * from './authority.ts';
export * from './cosem-objects.ts';
export * from './dlms-codec.ts';
export * from './dlms-row.ts';
export * from './dlms-schema.ts';
export * from './errors.ts';
export * from './gbz-row.ts';
export * from './protected-objects.ts';
export * from './row.ts';

/** Every catalogued row (DLMS families; GBZ and ASN.1 rows are added by their own files). */
export const USE_CASES = [
  ...ESME_ROWS,
  ...CHF_ROWS,
  ...DLMS_ALERT_ROWS,
  ...ESME_GBCS_ROWS,
  ...GSME_ROWS,
  ...GSME_ALERT_ROWS,
  ...ASN1_ROWS,
] as const;

type Catalogue = (typeof USE_CASES)[number];
export type UseCaseId = Catalogue['useCase'];
type RowById = { [R in Catalogue as R['useCase']]: R };
type RowOf<U extends UseCaseId> = RowById[U];
/** Named command fields of a use case, derived from its row. */
export type CommandFieldsOf<U extends UseCaseId> =
  RowOf<U> extends DlmsCommandRow
    ? DlmsCommandFields<RowOf<U>>
    : RowOf<U> extends GbzCommandRow
      ? GbzCommandFields<RowOf<U>>
      : RowOf<U> extends Asn1CommandRow
        ? Asn1Value<RowOf<U>['command']>
        : never;
/** Named response fields of a use case, derived from its row. */
export type ResponseFieldsOf<U extends UseCaseId> =
  RowOf<U> extends DlmsCommandRow
    ? DlmsResponseFields<RowOf<U>>
    : RowOf<U> extends GbzCommandRow
      ? GbzResponseFields
      : RowOf<U> extends Asn1CommandRow
        ? Asn1Value<RowOf<U>['response']>
        : never;
/** Named alert fields of an alert use case, derived from its row. */
export type AlertFieldsOf<U extends UseCaseId> =
  RowOf<U> extends DlmsAlertRow
    ? DlmsAlertFields<RowOf<U>>
    : RowOf<U> extends { family: 'gbz'; kind: 'alert' }
      ? GbzAlertFields
      : RowOf<U> extends Asn1AlertRow
        ? Asn1Value<RowOf<U>['alert']>
        : never;

/** Any row of the catalogue, by its common part. */
export type UseCaseRow = UseCaseRowBase;

// ---------------------------------------------------------------- family codecs

export type PayloadKindOfUseCase = 'command' | 'response' | 'alert';

/** What a payload family provides to the engine (DLMS here; GBZ and ASN.1 register their own). */
export interface FamilyCodec {
  decode(
    row: UseCaseRow,
    kind: PayloadKindOfUseCase,
    bytes: Uint8Array,
    command?: unknown,
  ): { header: unknown; fields: unknown };
  encode(row: UseCaseRow, kind: PayloadKindOfUseCase, fields: unknown, header: unknown): Uint8Array;
  /** The header a fresh command gets from its Originator Counter. */
  headerFor(originatorCounter: bigint): unknown;
  /** Leaf fields of a row's payload of that kind, for listings. */
  leaves(
    row: UseCaseRow,
    kind: PayloadKindOfUseCase,
  ): { path: string; type: string; unit?: string; scaler?: number }[];
}

type Fields = Record<string, Record<string, unknown>>;

/** `row` as an alert row, or the typed error of asking a command row for an alert payload. */
function dlmsAlertRow(row: UseCaseRow): DlmsAlertRow {
  if (row.kind !== 'alert')
    throw new UseCaseUnknownError(`${row.useCase} is a command: it has no alert payload`);
  return row as DlmsAlertRow;
}

const dlmsFamily: FamilyCodec = {
  decode(row, kind, bytes, command) {
    if (kind === 'alert') return decodeDlmsAlert(dlmsAlertRow(row), bytes);
    if (row.kind !== 'command')
      throw new UseCaseUnknownError(`${row.useCase} is an alert: it has no ${kind}`);
    return kind === 'command'
      ? decodeDlmsCommand(row as DlmsCommandRow, bytes)
      : decodeDlmsResponse(row as DlmsCommandRow, bytes, command as Fields | undefined);
  },
  encode(row, kind, fields, header) {
    const h = header as DlmsHeader;
    if (kind === 'alert') return encodeDlmsAlert(dlmsAlertRow(row), fields, h);
    if (row.kind !== 'command')
      throw new UseCaseUnknownError(`${row.useCase} is an alert: it has no ${kind}`);
    return kind === 'command'
      ? encodeDlmsCommand(row as DlmsCommandRow, fields as Fields, h)
      : encodeDlmsResponse(row as DlmsCommandRow, fields as Fields, h);
  },
  headerFor: dlmsHeaderFor,
  leaves(row, kind) {
    if (row.kind === 'alert') return kind === 'alert' ? schemaLeaves((row as DlmsAlertRow).body, '') : [];
    if (kind === 'alert') return [];
    return (row as DlmsCommandRow).accesses.flatMap((a) => {
      const base = `${a.object}.${a.member}`;
      if (kind === 'command') {
        if (a.kind === 'get') return [];
        if (a.kind === 'get-range') return [{ path: `${base}.range`, type: 'range (UTC seconds)' }];
        return schemaLeaves(a.schema, base);
      }
      const r = [{ path: `${base}.result`, type: 'result' }];
      const value = a.kind === 'get' || a.kind === 'get-range' ? a.schema : a.returns;
      return value ? [...r, ...schemaLeaves(value, `${base}.value`)] : r;
    });
  },
};

const FAMILIES: Partial<Record<PayloadFormat, FamilyCodec>> = {
  dlms: dlmsFamily,
  gbz: gbzFamily,
  asn1: asn1Family,
};

/** Registers the codec of a payload family (the GBZ and ASN.1 rows do this). */
export function registerFamilyCodec(family: PayloadFormat, codec: FamilyCodec): void {
  FAMILIES[family] = codec;
}

// ---------------------------------------------------------------- lookups

const ROWS: UseCaseRow[] = [...USE_CASES];
const BY_CODE = new Map<number, UseCaseRow>();
const BY_ID = new Map<string, UseCaseRow>();
function index(r: UseCaseRow): void {
  if (BY_CODE.has(r.code)) throw new Error(`catalogue: Message Code 0x${r.code.toString(16)} twice`);
  BY_CODE.set(r.code, r);
  for (const id of [r.useCase, ...(r.aliases ?? [])]) BY_ID.set(id.toUpperCase(), r);
}
for (const r of ROWS) index(r);

/** Adds rows of another family (GBZ, ASN.1) to the catalogue. */
export function addUseCaseRows(rows: readonly UseCaseRow[]): void {
  for (const r of rows) {
    index(r);
    ROWS.push(r);
  }
}

/** Every row, in catalogue order. */
export function useCaseRows(): readonly UseCaseRow[] {
  return ROWS;
}

export function useCaseByCode(code: number): UseCaseRow | undefined {
  return BY_CODE.get(code);
}

/** By use-case id (`ECS17b`) or RTDS alias (`ECS47Activate`), case-insensitive. */
export function useCaseById(id: string): UseCaseRow | undefined {
  return BY_ID.get(id.toUpperCase());
}

/**
 * Who may send a use case (by Message Code or use-case id): `direct` the
 * roles whose own party may originate it, `viaAcb` the roles the ACB may
 * originate it for. Undefined when the catalogue has no such command.
 */
export function rolesForUseCase(
  code: number | string,
): { direct: readonly Originator[]; viaAcb: readonly RemotePartyRole[] } | undefined {
  const r = typeof code === 'number' ? BY_CODE.get(code) : BY_ID.get(code.toUpperCase());
  return r && r.kind === 'command' ? rolesOfRow(r) : undefined;
}

/** Whether a party of `role` may be the business originator of the use case, directly or through the ACB. */
export function mayOriginate(code: number | string, role: Originator): boolean {
  const r = typeof code === 'number' ? BY_CODE.get(code) : BY_ID.get(code.toUpperCase());
  return r !== undefined && rowMayOriginate(r, role);
}

function rowOf(uc: string | number | UseCaseRow): UseCaseRow {
  if (typeof uc === 'object') return uc;
  const r = typeof uc === 'number' ? BY_CODE.get(uc) : BY_ID.get(uc.toUpperCase());
  if (!r)
    throw new UseCaseUnknownError(
      `no catalogue row for use case ${typeof uc === 'number' ? `0x${uc.toString(16)}` : uc}`,
    );
  return r;
}

function familyOf(row: UseCaseRow, bytes?: Uint8Array): FamilyCodec {
  if (row.noPayloadByGbcs)
    throw new UseCaseUnknownError(
      `${row.useCase}: GBCS defines no payload for this Message Code (it is only logged by the device)`,
    );
  if (row.payloadUnknown)
    throw new UseCaseUnknownError(
      `${row.useCase}: payload shape not catalogued (no RTDS example, not confirmed from GBCS text)`,
    );
  let fam: PayloadFormat = row.family;
  // generic alerts come from both DLMS and GBZ devices: the first bytes tell which
  if (bytes && row.altFamily && bytes[0] === 0x01 && bytes[1] === 0x09) fam = row.altFamily;
  const c = FAMILIES[fam];
  if (!c) throw new UseCaseUnknownError(`${row.useCase}: no codec for the ${fam} family yet`);
  return c;
}

// ---------------------------------------------------------------- engine

/** A payload decoded to named fields. */
export interface NamedPayload<F = unknown> {
  useCase: string;
  code: number;
  kind: PayloadKindOfUseCase;
  family: PayloadFormat;
  /** APDU header (DLMS: invoke-id and date-time), so the bytes re-encode exactly. */
  header: unknown;
  fields: F;
}

export interface EncodeOptions {
  /** The APDU header; for a command it defaults to the one the Originator Counter gives. */
  header?: unknown;
  originatorCounter?: bigint;
}

function headerOr(fam: FamilyCodec, opts: EncodeOptions, what: string): unknown {
  if (opts.header !== undefined) return opts.header;
  if (opts.originatorCounter !== undefined) return fam.headerFor(opts.originatorCounter);
  throw new UseCaseShapeError('needs a header or an originatorCounter', what);
}

function decodeAs(
  kind: PayloadKindOfUseCase,
  uc: string | number | UseCaseRow,
  bytes: Uint8Array,
  command?: unknown,
): NamedPayload {
  const row = rowOf(uc);
  const fam = familyOf(row, bytes);
  const { header, fields } = fam.decode(row, kind, bytes, command);
  return {
    useCase: row.useCase,
    code: row.code,
    kind,
    family: fam === FAMILIES[row.family] ? row.family : (row.altFamily as PayloadFormat),
    header,
    fields,
  };
}

export function encodeCommand<U extends UseCaseId>(
  useCase: U,
  fields: CommandFieldsOf<U>,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeCommand(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeCommand(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts: EncodeOptions = {},
): Uint8Array {
  const row = rowOf(useCase);
  const fam = familyOf(row);
  return fam.encode(row, 'command', fields, headerOr(fam, opts, 'command.header'));
}

export function decodeCommand<U extends UseCaseId>(
  useCase: U,
  bytes: Uint8Array,
): NamedPayload<CommandFieldsOf<U>>;
export function decodeCommand(useCase: string | number | UseCaseRow, bytes: Uint8Array): NamedPayload;
export function decodeCommand(useCase: string | number | UseCaseRow, bytes: Uint8Array): NamedPayload {
  return decodeAs('command', useCase, bytes);
}

export function encodeResponse<U extends UseCaseId>(
  useCase: U,
  fields: ResponseFieldsOf<U>,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeResponse(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeResponse(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts: EncodeOptions = {},
): Uint8Array {
  const row = rowOf(useCase);
  const fam = familyOf(row);
  return fam.encode(row, 'response', fields, headerOr(fam, opts, 'response.header'));
}

/**
 * Decodes a response. `command` (the command's decoded fields) tells which
 * optional accesses were asked; without it they are assumed in row order.
 */
export function decodeResponse<U extends UseCaseId>(
  useCase: U,
  bytes: Uint8Array,
  command?: CommandFieldsOf<U>,
): NamedPayload<ResponseFieldsOf<U>>;
export function decodeResponse(
  useCase: string | number | UseCaseRow,
  bytes: Uint8Array,
  command?: unknown,
): NamedPayload;
export function decodeResponse(
  useCase: string | number | UseCaseRow,
  bytes: Uint8Array,
  command?: unknown,
): NamedPayload {
  return decodeAs('response', useCase, bytes, command);
}

export function encodeAlert<U extends UseCaseId>(
  useCase: U,
  fields: AlertFieldsOf<U>,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeAlert(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts?: EncodeOptions,
): Uint8Array;
export function encodeAlert(
  useCase: string | number | UseCaseRow,
  fields: unknown,
  opts: EncodeOptions = {},
): Uint8Array {
  const row = rowOf(useCase);
  const fam = familyOf(row);
  return fam.encode(row, 'alert', fields, headerOr(fam, opts, 'alert.header'));
}

export function decodeAlert<U extends UseCaseId>(
  useCase: U,
  bytes: Uint8Array,
): NamedPayload<AlertFieldsOf<U>>;
export function decodeAlert(useCase: string | number | UseCaseRow, bytes: Uint8Array): NamedPayload;
export function decodeAlert(useCase: string | number | UseCaseRow, bytes: Uint8Array): NamedPayload {
  return decodeAs('alert', useCase, bytes);
}

/** Re-encodes a named payload (the inverse of decodeCommand/decodeResponse/decodeAlert). */
export function encodeNamed(p: NamedPayload): Uint8Array {
  const row = rowOf(p.code);
  const fam = FAMILIES[p.family];
  if (!fam) throw new UseCaseUnknownError(`no codec for the ${p.family} family yet`);
  return fam.encode(row, p.kind, p.fields, p.header);
}

/**
 * Named decode of a message's payload by its Message Code and CRA flag (the
 * CLI and the tests use this). Throws UseCaseUnknownError when the code has
 * no row or its family no codec, UseCaseShapeError / GbcsError on bad bytes.
 */
export function decodeNamedPayload(
  messageCode: number,
  cra: 'command' | 'response' | 'alert',
  bytes: Uint8Array,
): NamedPayload {
  const row = rowOf(messageCode);
  // an alert message with a command's code does not occur; a command-code alert row answers 'alert'
  const kind: PayloadKindOfUseCase = row.kind === 'alert' ? 'alert' : cra;
  return decodeAs(kind, row, bytes);
}

/** The leaf fields of a row's payloads (command, response, alert), for listings. */
export function useCaseFieldList(
  row: UseCaseRow,
): Record<PayloadKindOfUseCase, ReturnType<FamilyCodec['leaves']>> | undefined {
  const fam = FAMILIES[row.family];
  if (!fam) return undefined;
  return {
    command: fam.leaves(row, 'command'),
    response: fam.leaves(row, 'response'),
    alert: fam.leaves(row, 'alert'),
  };
}

/** Units of the leaf fields (path -> unit), for the named-field views. */
export function useCaseUnits(row: UseCaseRow, kind: PayloadKindOfUseCase): Record<string, string> {
  const fam = FAMILIES[row.family];
  const out: Record<string, string> = {};
  for (const l of fam?.leaves(row, kind) ?? []) if (l.unit) out[l.path] = l.unit;
  return out;
}

export { ESME_VARIANTS, type EsmeVariant } from './rows/esme.ts';
