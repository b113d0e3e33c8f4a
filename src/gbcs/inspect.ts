/**
 * Full inspection of one GBCS frame: decode, check MAC and signature, decrypt
 * payload-encrypted blocks when the key is held, and decode the payload and
 * the decrypted plaintexts (src/gbcs/payload), giving a JSON-safe summary and
 * a readable tree. Used by the CLI and by anything that shows messages to
 * people (dashboards, logs). Never throws.
 */
import { toHex } from '../runtime/bytes.ts';
import { lookupMessageCode } from './codes/message-codes.ts';
import { findProtectedBlocks } from './crypto.ts';
import { decode } from './decode.ts';
import { GbcsError } from './errors.ts';
import { REMOTE_PARTY_ROLES } from './keystore.ts';
import {
  type DecodedPayload,
  type DecryptedBlock,
  decodeDecryptedBlock,
  decodePayload,
  type PayloadKind,
  payloadToJson,
  renderPayload,
} from './payload/index.ts';
import { ENVELOPE_GBT, ENVELOPE_GENERAL_CIPHERING, peekRouting } from './peek.ts';
import type { CheckResult, SecurityContext } from './security.ts';
import type { GbcsMessage, GbtFragment } from './types.ts';
import {
  decodeNamedPayload,
  decodeProtectedPlaintext,
  type NamedPayload,
  protectedReadObjects,
  protectedReadUnits,
  UseCaseShapeError,
  UseCaseUnknownError,
  useCaseByCode,
  useCaseUnits,
} from './use-cases/index.ts';

/** A payload-encrypted block the key store could open. */
export interface DecryptedPayloadBlock {
  /** offset of the `31` security header in the content */
  offset: number;
  length: number;
  plaintext: Uint8Array;
  /** the plaintext decoded by the payload codec (DLMS Data items or a ZCL view) */
  decoded: DecryptedBlock;
  /** A protected read's plaintext named by its use case's objects (use-cases/protected-objects.ts). */
  fields?: Record<string, unknown>;
  /** Why a protected read's plaintext has no names: it does not match the objects' shapes (path, offset in the plaintext). */
  fieldsError?: GbcsError;
}

/** The routing header of a message that did not decode whole (e.g. truncated), when it could be read. */
export interface InspectHeader {
  envelope: 'general-ciphering' | 'general-signing' | 'gbt';
  cra: string;
  originatorCounter: bigint;
  originator: string;
  recipient: string;
  messageCode: number;
}

export interface InspectResult {
  frame: GbcsMessage | GbtFragment | null;
  /** `not-checked` when the frame did not decode (there was nothing to check) */
  mac: CheckResult | 'not-checked';
  signature: CheckResult | 'not-checked';
  /** bytes given */
  length: number;
  /** set when the frame did not decode but its routing header did */
  header: InspectHeader | null;
  payloadKind: PayloadKind;
  payload: DecodedPayload | null;
  decrypted: DecryptedPayloadBlock[];
  /** The payload as named fields of its use-case row (docs/use-cases.md), when the catalogue has the row. */
  named: NamedPayload | null;
  /** Why the payload has no named fields: no row / no codec for its family yet (pending), or a shape mismatch. */
  namedError: GbcsError | null;
  /** set when decoding failed */
  error: GbcsError | null;
}

function asGbcsError(err: unknown): GbcsError {
  if (err instanceof GbcsError) return err;
  return new GbcsError('GBCS_MALFORMED', err instanceof Error ? err.message : String(err));
}

/** Decodes and checks one frame; never throws (a failure is in `error`). */
export function inspect(bytes: Uint8Array, security?: SecurityContext): InspectResult {
  const r: InspectResult = {
    frame: null,
    mac: 'not-checked',
    signature: 'not-checked',
    length: bytes.length,
    header: null,
    payloadKind: 'unknown',
    payload: null,
    decrypted: [],
    named: null,
    namedError: null,
    error: null,
  };
  try {
    r.frame = decode(bytes);
  } catch (err) {
    r.error = asGbcsError(err);
    r.header = readableHeader(bytes);
    return r;
  }
  const f = r.frame;
  r.mac = 'absent';
  r.signature = 'absent';
  if (f.envelope === 'gbt') return r;
  try {
    r.mac = security ? security.verifyMac(f) : f.mac ? 'no-key' : 'absent';
    r.signature = security ? security.verifySignature(f) : f.signature ? 'no-key' : 'absent';
  } catch (err) {
    r.error = asGbcsError(err);
  }
  const payload = decodePayload(f.content, f.messageCode);
  r.payload = payload;
  r.payloadKind = payload.kind;
  try {
    r.named = decodeNamedPayload(f.messageCode, f.cra, f.content);
  } catch (err) {
    r.namedError = asGbcsError(err);
  }
  if (security) {
    for (const blk of findProtectedBlocks(f.content)) {
      let plaintext: Uint8Array;
      try {
        plaintext = security.decryptPayload(f.content.subarray(blk.offset, blk.offset + blk.length), f);
      } catch {
        continue; // a candidate that does not authenticate is not an encrypted block (or the key is missing)
      }
      r.decrypted.push({
        ...blk,
        plaintext,
        decoded: decodeDecryptedBlock(payload, blk.offset, plaintext),
        ...nameProtectedRead(r.named, plaintext),
      });
    }
  }
  return r;
}

/** A protected read response's plaintext named by its use case's objects, or why not (nothing for other messages). */
function nameProtectedRead(
  named: NamedPayload | null,
  plaintext: Uint8Array,
): Pick<DecryptedPayloadBlock, 'fields' | 'fieldsError'> {
  if (named?.kind !== 'response' || !protectedReadObjects(named.useCase)) return {};
  try {
    return { fields: decodeProtectedPlaintext(named.useCase, plaintext) };
  } catch (err) {
    return { fieldsError: asGbcsError(err) };
  }
}

/** `payload.useCase`, `payload.fields` (named, JSON-safe) and `payload.units` (field path -> unit), or why not. */
function namedJson(r: InspectResult): Record<string, unknown> {
  if (r.named) {
    const row = useCaseByCode(r.named.code);
    const units = row ? useCaseUnits(row, r.named.kind) : {};
    return {
      useCase: r.named.useCase,
      fields: payloadToJson(r.named.fields),
      header: payloadToJson(r.named.header),
      ...(Object.keys(units).length ? { units } : {}),
    };
  }
  if (!r.namedError) return {};
  const pending = r.namedError instanceof UseCaseUnknownError;
  return {
    fieldsError: {
      code: r.namedError.code,
      message: r.namedError.message,
      offset: r.namedError.offset,
      pending,
    },
  };
}

/** The routing header (GBCS 7.2.8-7.2.10) of bytes that did not decode whole, if it can be read. */
function readableHeader(bytes: Uint8Array): InspectHeader | null {
  try {
    const h = peekRouting(bytes);
    return {
      envelope:
        h.envelope === ENVELOPE_GBT
          ? 'gbt'
          : h.envelope === ENVELOPE_GENERAL_CIPHERING
            ? 'general-ciphering'
            : 'general-signing',
      cra: h.cra,
      originatorCounter: h.originatorCounter,
      originator: h.originatorEui,
      recipient: h.targetEui,
      messageCode: h.messageCode,
    };
  } catch {
    return null;
  }
}

const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

/** The CLI's `--json` object for one input (field names are a public contract). */
export function inspectToJson(source: string, r: InspectResult): Record<string, unknown> {
  const f = r.frame;
  const base: Record<string, unknown> = {
    source,
    envelope: f?.envelope ?? null,
    cra: null,
    originatorCounter: null,
    originator: null,
    recipient: null,
    messageCode: null,
    useCase: null,
    payloadKind: r.payloadKind,
    mac: r.mac,
    signature: r.signature,
    length: r.length,
  };
  if (!f && r.header) {
    const h = r.header;
    Object.assign(base, {
      envelope: h.envelope,
      cra: h.cra,
      originatorCounter: h.originatorCounter.toString(),
      originator: h.originator,
      recipient: h.recipient,
      messageCode: hex4(h.messageCode),
      useCase: lookupMessageCode(h.messageCode)?.useCase ?? null,
    });
  }
  if (f && f.envelope !== 'gbt') {
    const info = lookupMessageCode(f.messageCode);
    Object.assign(base, {
      cra: f.cra,
      originatorCounter: f.originatorCounter.toString(),
      originator: f.originator,
      recipient: f.recipient,
      messageCode: hex4(f.messageCode),
      useCase: info?.useCase ?? null,
      messageName: info?.name ?? null,
      dateTime: f.dateTime ? cosemToIso(f.dateTime.raw) : null,
      supplementaryRemotePartyId: f.otherInfo.supplementaryRemotePartyId,
      supplementaryRemotePartyCounter: f.otherInfo.supplementaryRemotePartyCounter?.toString() ?? null,
      supplementaryOriginatorCounter: f.otherInfo.supplementaryOriginatorCounter?.toString() ?? null,
      certificateBytes: f.otherInfo.certificate?.length ?? null,
      contentLength: f.content.length,
      signatureField: f.signatureField,
    });
    if (r.decrypted.length)
      base.decrypted = r.decrypted.map((d) => ({
        offset: d.offset,
        length: d.length,
        plaintext: toHex(d.plaintext),
        decoded: payloadToJson({ dlms: d.decoded.dlms, zcl: d.decoded.zcl, error: d.decoded.error }),
        ...decryptedFieldsJson(r, d),
      }));
    if (r.payload) base.payload = { ...(payloadToJson(r.payload) as object), ...namedJson(r) };
  } else if (f && f.envelope === 'gbt') {
    Object.assign(base, {
      cra: f.routing?.cra ?? null,
      originatorCounter: f.routing?.originatorCounter.toString() ?? null,
      originator: f.routing?.originator ?? null,
      recipient: f.routing?.recipient ?? null,
      messageCode: f.routing ? hex4(f.routing.messageCode) : null,
      useCase: f.routing ? (lookupMessageCode(f.routing.messageCode)?.useCase ?? null) : null,
      gbt: {
        blockNumber: f.blockNumber,
        blockNumberAck: f.blockNumberAck,
        lastBlock: f.lastBlock,
        streaming: f.streaming,
        window: f.window,
        blockDataLength: f.blockData.length,
      },
    });
  }
  if (r.error) {
    base.error = r.error.message;
    base.errorCode = r.error.code;
    if (r.error.offset !== undefined) base.errorOffset = r.error.offset;
    if (r.error.code === 'GBCS_TRUNCATED') base.truncated = true;
  }
  return base;
}

/** `fields` and `units` of a named protected-read plaintext, or `fieldsError` (code, message, path, offset). */
function decryptedFieldsJson(r: InspectResult, d: DecryptedPayloadBlock): Record<string, unknown> {
  if (d.fields) {
    const units = r.named ? protectedReadUnits(r.named.useCase) : {};
    return { fields: payloadToJson(d.fields), ...(Object.keys(units).length ? { units } : {}) };
  }
  const e = d.fieldsError;
  if (!e) return {};
  return {
    fieldsError: {
      code: e.code,
      message: e.message,
      offset: e.offset,
      ...(e instanceof UseCaseShapeError ? { path: e.path } : {}),
    },
  };
}

function describeCode(code: number): string {
  const info = lookupMessageCode(code);
  return info ? ` ${info.useCase} ${info.name}` : '';
}

/** ISO-like text of a COSEM date-time, with unspecified fields as `*`. */
export function cosemToIso(raw: Uint8Array): string {
  const year = (raw[0] << 8) | raw[1];
  const f = (v: number, n: number, unspecified: number) =>
    v === unspecified ? '*'.repeat(n) : String(v).padStart(n, '0');
  const dev = (raw[9] << 8) | raw[10];
  const devText = dev === 0x8000 ? '' : dev === 0 ? 'Z' : `${dev > 0x7fff ? dev - 0x10000 : dev}min`;
  return `${f(year, 4, 0xffff)}-${f(raw[2], 2, 0xff)}-${f(raw[3], 2, 0xff)}T${f(raw[5], 2, 0xff)}:${f(raw[6], 2, 0xff)}:${f(raw[7], 2, 0xff)}${devText}`;
}

function roleText(security: SecurityContext | undefined, eui: string): string {
  if (!security) return '';
  const role = security.keyStore.role(eui);
  if (role === undefined) return '';
  if (role === null) return ' (device)';
  return ` (${REMOTE_PARTY_ROLES[role] ?? `role ${role}`})`;
}

/** A readable tree of the frame, its checks and its payload. */
export function renderInspect(source: string, r: InspectResult, security?: SecurityContext): string[] {
  const out: string[] = [`${source}`];
  const f = r.frame;
  if (!f) {
    out.push(`  ERROR ${r.error?.code}: ${r.error?.message}`);
    if (r.error?.code === 'GBCS_TRUNCATED')
      out.push(`  The message is truncated: ${r.length} byte(s) given.`);
    const h = r.header;
    if (h)
      out.push(
        `  Routing header: ${h.envelope}, ${h.cra}, counter ${h.originatorCounter}, ${h.originator} -> ${h.recipient}, Message Code ${hex4(h.messageCode)}${describeCode(h.messageCode)}`,
      );
    out.push('  MAC and signature: not checked (the message did not decode)');
    return out;
  }
  if (f.envelope === 'gbt') {
    out.push('  General Block Transfer fragment (GBCS 7.2.11)');
    if (f.routing) {
      const rt = f.routing;
      out.push(
        `    Routing header: ${rt.cra}, counter ${rt.originatorCounter}, ${rt.originator} -> ${rt.recipient}, Message Code ${hex4(rt.messageCode)}`,
      );
    }
    out.push(
      `    Block ${f.blockNumber}${f.lastBlock ? ' (last)' : ''}, ack ${f.blockNumberAck}, window ${f.window}${f.streaming ? ', streaming' : ''}, ${f.blockData.length} byte(s) of block data`,
    );
    return out;
  }
  const ciphering = f.envelope === 'general-ciphering';
  const ind = ciphering ? '      ' : '    ';
  if (f.envelope === 'general-ciphering') {
    out.push(
      `  General Ciphering (DD): security control 0x${f.layout.securityControl.toString(16).padStart(2, '0')}, invocation counter ${f.layout.invocationCounter}`,
    );
  }
  out.push(`${ind.slice(2)}General Signing (DF)`);
  out.push(`${ind}CRA: ${f.craFlag} ${f.cra}`);
  out.push(
    `${ind}Originator Counter: ${f.originatorCounter} (0x${f.originatorCounter.toString(16).toUpperCase().padStart(16, '0')})`,
  );
  out.push(`${ind}Originator: ${f.originator}${roleText(security, f.originator)}`);
  out.push(`${ind}Recipient: ${f.recipient}${roleText(security, f.recipient)}`);
  out.push(`${ind}Date-time: ${f.dateTime ? cosemToIso(f.dateTime.raw) : 'none'}`);
  const info = lookupMessageCode(f.messageCode);
  out.push(`${ind}Message Code: ${hex4(f.messageCode)}${info ? ` ${info.useCase} ${info.name}` : ''}`);
  const oi = f.otherInfo;
  if (oi.supplementaryRemotePartyId)
    out.push(
      `${ind}Supplementary Remote Party ID: ${oi.supplementaryRemotePartyId}${roleText(security, oi.supplementaryRemotePartyId)}`,
    );
  if (oi.supplementaryRemotePartyCounter !== null)
    out.push(`${ind}Supplementary Remote Party Counter: ${oi.supplementaryRemotePartyCounter}`);
  if (oi.supplementaryOriginatorCounter !== null)
    out.push(`${ind}Supplementary Originator Counter: ${oi.supplementaryOriginatorCounter}`);
  if (oi.certificate) out.push(`${ind}Certificate: ${oi.certificate.length} bytes (DER)`);
  out.push(`${ind}Content: ${f.content.length} bytes, ${r.payloadKind}`);
  if (r.payload) for (const line of renderPayload(r.payload)) out.push(`${ind}  ${line}`);
  if (r.named) {
    const row = useCaseByCode(r.named.code);
    const units = row ? useCaseUnits(row, r.named.kind) : {};
    out.push(`${ind}Named fields (${r.named.useCase} ${r.named.kind}):`);
    for (const line of renderFields(r.named.fields, units)) out.push(`${ind}  ${line}`);
  } else if (r.namedError) {
    out.push(
      `${ind}Named fields: ${r.namedError instanceof UseCaseUnknownError ? 'not catalogued' : 'payload does not match its use case'}: ${r.namedError.message}`,
    );
  }
  for (const d of r.decrypted) {
    out.push(`${ind}  Encrypted block at ${d.offset} (${d.length} bytes) decrypts to: ${toHex(d.plaintext)}`);
    for (const line of d.decoded.lines) out.push(`${ind}    ${line}`);
    if (d.decoded.error) out.push(`${ind}    error ${d.decoded.error.code}: ${d.decoded.error.message}`);
    if (d.fields) {
      out.push(`${ind}    Named plaintext (${r.named?.useCase} objects read):`);
      const units = r.named ? protectedReadUnits(r.named.useCase) : {};
      for (const line of renderFields(d.fields, units)) out.push(`${ind}      ${line}`);
    } else if (d.fieldsError) {
      out.push(
        `${ind}    Named plaintext: does not match its objects: ${d.fieldsError.message}${d.fieldsError.offset !== undefined ? ` (offset ${d.fieldsError.offset})` : ''}`,
      );
    }
  }
  out.push(
    `${ind}Signature: ${f.signatureField === 'absent' ? 'no field (Pre-Command)' : f.signatureField === 'null' ? 'null' : 'present'} -> ${r.signature}`,
  );
  if (f.envelope === 'general-ciphering') out.push(`  MAC: ${toHex(f.mac!)} -> ${r.mac}`);
  if (r.error) out.push(`  ERROR ${r.error.code}: ${r.error.message}`);
  return out;
}

/** `path = value [unit]` lines of a named-field object (unit keys ignore array indexes). */
export function renderFields(fields: unknown, units: Record<string, string> = {}): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string, unitPath: string) => {
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(`${path} = []`);
        v.forEach((x, i) => {
          walk(x, `${path}[${i}]`, `${unitPath}[]`);
        });
        return;
      }
      const entries = Object.entries(v);
      if (entries.length === 0) out.push(`${path} = {}`);
      for (const [k, x] of entries) walk(x, path ? `${path}.${k}` : k, unitPath ? `${unitPath}.${k}` : k);
      return;
    }
    const unit = units[unitPath];
    const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
    out.push(`${path} = ${text}${unit ? ` ${unit}` : ''}`);
  };
  walk(fields, '', '');
  return out;
}
