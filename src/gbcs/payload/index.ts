/**
 * GBCS payload codecs (GBCS 7.2; GBCS.md section 4): the content of a Remote
 * Party Message is DLMS/COSEM (ESME and CHF), GBZ (ZigBee SE: GSME, GPF) or
 * ASN.1 DER (security, join, firmware, device-log use cases). The Message
 * Code decides the format; the first bytes confirm it.
 *
 * decodePayload never throws: a payload that cannot be decoded comes back
 * with `error` set (a typed GbcsError with the offset where decoding stopped).
 * Each format has a byte-exact encoder (encodeDlmsApdu, encodeGbz, encodeDer).
 */

import { toHex } from '../../runtime/bytes.ts';
import { lookupAlertCode } from '../codes/alert-codes.ts';
import { lookupMessageCode } from '../codes/message-codes.ts';
import { decodeProvisionalAlert, type ProvisionalAlert } from '../codes/provisional.ts';
import { type GbcsError, GbcsMalformedError, GbcsTruncatedError, GbcsUnsupportedError } from '../errors.ts';
import { type DerNode, decodeDer, renderDer } from './der.ts';
import {
  type DlmsApdu,
  type DlmsData,
  decodeDlmsApdu,
  decodeDlmsData,
  renderDlmsApdu,
  renderDlmsData,
} from './dlms.ts';
import { decodeGbz, type GbzPayload, renderGbz } from './gbz.ts';
import { decodeZclView, describeZclValue, type ZclView } from './zcl.ts';

export * from './der.ts';
export * from './der-schema.ts';
export * from './dlms.ts';
export * from './gbz.ts';
export * from './gbz-named.ts';
export * from './zcl.ts';
export * from './zcl-fields.ts';
export * from './zcl-se.ts';

export type PayloadKind = 'dlms' | 'gbz' | 'asn1' | 'unknown';

export interface DecodedPayload {
  kind: PayloadKind;
  dlms?: DlmsApdu;
  gbz?: GbzPayload;
  asn1?: DerNode;
  /** Set when decoding failed part-way, or when the content contradicts the Message Code's format. */
  error?: GbcsError;
  /** For an alert payload: its Alert Code and name (PROVISIONAL SECMP0038 codes included). */
  alert?: { code: number; name?: string; provisional?: boolean };
  /** For a PROVISIONAL SECMP0038 alert: its decoded payload. */
  provisionalAlert?: ProvisionalAlert;
}

const DER_FIRST_BYTES = new Set([
  0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x30, 0x31,
]);

/** The format the first bytes announce: D9/DA/0F DLMS, 01 09 GBZ, a universal DER tag ASN.1. */
export function sniffPayloadKind(content: Uint8Array): PayloadKind {
  const b0 = content[0];
  if (b0 === undefined) return 'unknown';
  if (b0 === 0xd9 || b0 === 0xda || b0 === 0x0f) return 'dlms';
  if (b0 === 0x01 && content[1] === 0x09) return 'gbz';
  if (DER_FIRST_BYTES.has(b0)) return 'asn1';
  return 'unknown';
}

function asGbcsError(e: unknown): GbcsError {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const code = (e as { code: string }).code;
    if (code.startsWith('GBCS_')) return e as GbcsError;
  }
  // Defensive: decoders only throw GbcsErrors; anything else is reported, never rethrown.
  return new GbcsMalformedError(`payload decoder failed: ${e instanceof Error ? e.message : String(e)}`);
}

function alertInfo(code: number): DecodedPayload['alert'] {
  const a = lookupAlertCode(code);
  if (!a) return { code };
  return a.provisional ? { code, name: a.name, provisional: true } : { code, name: a.name };
}

function extractAlert(p: DecodedPayload): void {
  let code: number | undefined;
  if (p.dlms?.apdu === 'data-notification' && p.dlms.body.type === 'structure') {
    const first = p.dlms.body.items[0];
    if (first?.type === 'long-unsigned') code = first.value;
  } else if (p.gbz?.alert) {
    code = p.gbz.alert.code;
  } else if (p.asn1?.children?.[0]?.decoded?.kind === 'integer') {
    const v = p.asn1.children[0].decoded.value;
    if (v >= 0x8000n && v <= 0xffffn) code = Number(v);
  }
  if (code !== undefined) p.alert = alertInfo(code);
}

/**
 * Decodes a payload. `messageCode` (from other-information) selects the
 * format and tells a GBZ alert from a GBZ command; without it the first bytes
 * decide. Never throws.
 */
export function decodePayload(content: Uint8Array, messageCode?: number): DecodedPayload {
  try {
    if (content.length === 0) return { kind: 'unknown', error: new GbcsTruncatedError('empty payload', 0) };
    const info = messageCode === undefined ? undefined : lookupMessageCode(messageCode);
    const sniffed = sniffPayloadKind(content);
    let kind: PayloadKind = sniffed;
    let mismatch: GbcsError | undefined;
    if (info) {
      const allowed: PayloadKind[] = info.altPayload ? [info.payload, info.altPayload] : [info.payload];
      if (!allowed.includes(sniffed)) {
        mismatch = new GbcsMalformedError(
          `Message Code 0x${info.code.toString(16).toUpperCase().padStart(4, '0')} (${info.useCase}) carries ${allowed.join(' or ')}, content starts 0x${toHex(content.subarray(0, 2))}`,
          0,
        );
        if (sniffed === 'unknown') kind = info.payload;
      }
    }
    if (kind === 'unknown') {
      return {
        kind,
        error: new GbcsUnsupportedError(
          `payload starting 0x${toHex(content.subarray(0, 2))} is no GBCS payload format`,
          0,
        ),
      };
    }
    const out: DecodedPayload = { kind };
    try {
      if (kind === 'dlms') out.dlms = decodeDlmsApdu(content);
      else if (kind === 'gbz') out.gbz = decodeGbz(content, info ? info.kind === 'alert' : undefined);
      else out.asn1 = decodeDer(content);
    } catch (e) {
      out.error = asGbcsError(e);
      return out;
    }
    if (mismatch) out.error = mismatch;
    if (!info || info.kind === 'alert') extractAlert(out);
    if (out.alert?.provisional && out.dlms) {
      try {
        out.provisionalAlert = decodeProvisionalAlert(content).alert;
      } catch (e) {
        out.error ??= asGbcsError(e);
      }
    }
    const zclError = out.gbz?.components.find((c) => c.zclError)?.zclError;
    if (zclError) out.error ??= zclError;
    return out;
  } catch (e) {
    return { kind: 'unknown', error: asGbcsError(e) };
  }
}

function alertLine(a: NonNullable<DecodedPayload['alert']>): string {
  const hex = `0x${a.code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `alert ${hex}${a.name ? ` ${a.name}` : ' (unknown alert code)'}`;
}

/** Human-readable tree, two spaces per level. Never empty. */
export function renderPayload(p: DecodedPayload): string[] {
  const lines: string[] = [];
  if (p.alert && !p.gbz) lines.push(alertLine(p.alert));
  if (p.dlms) lines.push(...renderDlmsApdu(p.dlms));
  if (p.gbz) {
    lines.push(
      ...renderGbz(p.gbz, 0, (code) => {
        const a = lookupAlertCode(code);
        return alertLine(a ? { code, name: a.name } : { code }).slice('alert '.length);
      }),
    );
  }
  if (p.asn1) lines.push(...renderDer(p.asn1));
  if (p.provisionalAlert)
    lines.push(`provisional alert ${JSON.stringify(payloadToJson(p.provisionalAlert))}`);
  if (p.error) lines.push(`error ${p.error.code}: ${p.error.message}`);
  if (lines.length === 0) lines.push(`${p.kind} payload`);
  return lines;
}

/** JSON-safe copy: bigint -> decimal string, bytes -> upper-case hex, errors -> {code, message, offset}. */
export function payloadToJson(p: unknown): unknown {
  return toJson(p, 0);
}

function toJson(v: unknown, depth: number): unknown {
  if (depth > 200) return '[too deep]';
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (v instanceof Error) {
    const e = v as Error & { code?: string; offset?: number };
    const o: Record<string, unknown> = { code: e.code ?? e.name, message: e.message };
    if (typeof e.offset === 'number') o.offset = e.offset;
    return o;
  }
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJson(x, depth + 1);
    return out;
  }
  return undefined;
}

export interface DecryptedBlock {
  /** DLMS: the Data items the plaintext holds (GBCS protected reads return the attribute values). */
  dlms?: DlmsData[];
  /** GBZ: the ZCL view of the encrypted component's plaintext payload. */
  zcl?: ZclView;
  lines: string[];
  error?: GbcsError;
}

/**
 * Decodes the plaintext of a payload-encrypted block (GBCS.md 3, security
 * header 0x31) that the security core decrypted. `blockOffset` is the offset
 * of the `31` byte in the content. DLMS: the plaintext is a sequence of Data;
 * GBZ: the plaintext is the ZCL payload of the encrypted component there.
 * Never throws.
 */
export function decodeDecryptedBlock(
  p: DecodedPayload,
  blockOffset: number,
  plaintext: Uint8Array,
): DecryptedBlock {
  try {
    if (p.gbz) {
      const comp = p.gbz.components.find((c) => c.encrypted?.offset === blockOffset);
      if (!comp) {
        return {
          lines: [],
          error: new GbcsMalformedError('no encrypted GBZ component at that offset', blockOffset),
        };
      }
      const zcl = decodeZclView(comp.clusterId, comp.header, plaintext);
      const lines = [`decrypted ZCL payload (${zcl.kind})`];
      if (zcl.kind === 'read-attributes-response' || zcl.kind === 'write-attributes') {
        for (const a of zcl.records) {
          lines.push(
            `  attribute 0x${a.attributeId.toString(16).toUpperCase().padStart(4, '0')}${a.name ? ` ${a.name}` : ''}${a.status ? ` status ${a.status}` : ''}${a.value ? ` = ${describeZclValue(a.value)}` : ''}`,
          );
        }
      } else if (zcl.kind === 'cluster-command' || zcl.kind === 'global-command') {
        lines.push(`  payload ${toHex(zcl.payload)}`);
      }
      return { zcl, lines };
    }
    const items: DlmsData[] = [];
    let o = 0;
    while (o < plaintext.length) {
      const r = decodeDlmsData(plaintext, o);
      items.push(r.value);
      o = r.offset;
    }
    const lines = ['decrypted DLMS data'];
    items.forEach((d, i) => {
      lines.push(...renderDlmsData(d, 1, `[${i}] `));
    });
    return { dlms: items, lines };
  } catch (e) {
    return { lines: [], error: asGbcsError(e) };
  }
}
