/**
 * Full inspection of one GBCS frame: decode, check MAC and signature, decrypt
 * payload-encrypted blocks when the key is held, and decode the payload,
 * giving a JSON-safe summary and a readable tree. Used by the CLI and by
 * anything that shows messages to people (dashboards, logs).
 *
 * The payload decoder and the Message Code table live in src/gbcs/payload and
 * src/gbcs/codes; they are passed in (`PayloadSupport`) so this module works
 * with or without them (without: the payload kind is inferred from the first
 * bytes, GBCS.md 4, and no payload tree is shown).
 */
import { toHex } from '../runtime/bytes.ts';
import { findProtectedBlocks } from './crypto.ts';
import { decode } from './decode.ts';
import { GbcsError } from './errors.ts';
import { REMOTE_PARTY_ROLES } from './keystore.ts';
import type { CheckResult, SecurityContext } from './security.ts';
import type { GbcsMessage, GbtFragment } from './types.ts';

export type PayloadKind = 'dlms' | 'gbz' | 'asn1' | 'unknown';

/** What the payload and codes modules provide (all optional). */
export interface PayloadSupport {
  decodePayload?: (content: Uint8Array, messageCode?: number) => { kind: PayloadKind; error?: GbcsError };
  renderPayload?: (p: never) => string[];
  payloadToJson?: (p: never) => unknown;
  lookupMessageCode?: (code: number) => { useCase: string; name: string } | undefined;
  lookupAlertCode?: (code: number) => { code: number; name: string } | undefined;
}

export interface DecryptedBlock {
  /** offset of the `31` security header in the content */
  offset: number;
  length: number;
  plaintext: Uint8Array;
}

export interface InspectResult {
  frame: GbcsMessage | GbtFragment | null;
  mac: CheckResult;
  signature: CheckResult;
  payloadKind: PayloadKind;
  payload: unknown;
  decrypted: DecryptedBlock[];
  /** set when decoding failed */
  error: GbcsError | null;
}

/** The payload kind from the first bytes (GBCS.md 4): a fallback when no payload decoder is available. */
export function sniffPayloadKind(content: Uint8Array): PayloadKind {
  if (content.length === 0) return 'unknown';
  const b = content[0];
  if (b === 0xd9 || b === 0xda || b === 0x0f) return 'dlms';
  if (b === 0x01 && content[1] === 0x09) return 'gbz';
  if (b === 0x30) return 'asn1';
  return 'unknown';
}

function asGbcsError(err: unknown): GbcsError {
  if (err instanceof GbcsError) return err;
  return new GbcsError('GBCS_MALFORMED', err instanceof Error ? err.message : String(err));
}

/** Decodes and checks one frame; never throws (a failure is in `error`). */
export function inspect(
  bytes: Uint8Array,
  security?: SecurityContext,
  support: PayloadSupport = {},
): InspectResult {
  const r: InspectResult = {
    frame: null,
    mac: 'absent',
    signature: 'absent',
    payloadKind: 'unknown',
    payload: null,
    decrypted: [],
    error: null,
  };
  try {
    r.frame = decode(bytes);
  } catch (err) {
    r.error = asGbcsError(err);
    return r;
  }
  const f = r.frame;
  if (f.envelope === 'gbt') return r;
  try {
    r.mac = security ? security.verifyMac(f) : f.mac ? 'no-key' : 'absent';
    r.signature = security ? security.verifySignature(f) : f.signature ? 'no-key' : 'absent';
  } catch (err) {
    r.error = asGbcsError(err);
  }
  if (security) {
    for (const blk of findProtectedBlocks(f.content)) {
      try {
        const plaintext = security.decryptPayload(f.content.subarray(blk.offset, blk.offset + blk.length), f);
        r.decrypted.push({ ...blk, plaintext });
      } catch {
        // a candidate that does not authenticate is not an encrypted block (or the key is missing)
      }
    }
  }
  if (support.decodePayload) {
    try {
      const p = support.decodePayload(f.content, f.messageCode);
      r.payloadKind = p.kind;
      r.payload = p;
    } catch (err) {
      r.payloadKind = sniffPayloadKind(f.content);
      r.payload = { kind: r.payloadKind, error: asGbcsError(err) };
    }
  } else r.payloadKind = sniffPayloadKind(f.content);
  return r;
}

const hex4 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;

/** The CLI's `--json` object for one input (field names are a public contract). */
export function inspectToJson(
  source: string,
  r: InspectResult,
  support: PayloadSupport = {},
): Record<string, unknown> {
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
  };
  if (f && f.envelope !== 'gbt') {
    const info = support.lookupMessageCode?.(f.messageCode);
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
      }));
    if (r.payload && support.payloadToJson) {
      try {
        base.payload = support.payloadToJson(r.payload as never);
      } catch (err) {
        base.payloadError = asGbcsError(err).message;
      }
    }
  } else if (f && f.envelope === 'gbt') {
    Object.assign(base, {
      cra: f.routing?.cra ?? null,
      originatorCounter: f.routing?.originatorCounter.toString() ?? null,
      originator: f.routing?.originator ?? null,
      recipient: f.routing?.recipient ?? null,
      messageCode: f.routing ? hex4(f.routing.messageCode) : null,
      useCase: f.routing ? (support.lookupMessageCode?.(f.routing.messageCode)?.useCase ?? null) : null,
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
  }
  return base;
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
export function renderInspect(
  source: string,
  r: InspectResult,
  security?: SecurityContext,
  support: PayloadSupport = {},
): string[] {
  const out: string[] = [`${source}`];
  const f = r.frame;
  if (!f) {
    out.push(`  ERROR ${r.error?.code}: ${r.error?.message}`);
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
  const info = support.lookupMessageCode?.(f.messageCode);
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
  if (r.payload && support.renderPayload) {
    try {
      for (const line of support.renderPayload(r.payload as never)) out.push(`${ind}  ${line}`);
    } catch (err) {
      out.push(`${ind}  (payload could not be rendered: ${asGbcsError(err).message})`);
    }
  }
  for (const d of r.decrypted)
    out.push(`${ind}  Encrypted block at ${d.offset} (${d.length} bytes) decrypts to: ${toHex(d.plaintext)}`);
  out.push(
    `${ind}Signature: ${f.signatureField === 'absent' ? 'no field (Pre-Command)' : f.signatureField === 'null' ? 'null' : 'present'} -> ${r.signature}`,
  );
  if (f.envelope === 'general-ciphering') out.push(`  MAC: ${toHex(f.mac!)} -> ${r.mac}`);
  if (r.error) out.push(`  ERROR ${r.error.code}: ${r.error.message}`);
  return out;
}
