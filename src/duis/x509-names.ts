/**
 * Just enough X.509 DER reading for XML signatures: the issuer and subject
 * Distinguished Names as RFC 4514 strings (the form `X509IssuerName` carries,
 * e.g. `CN=Z1,OU=07`: last RDN of the DER sequence first), the serial number
 * as a bigint, and the EUI in a Smart Metering certificate's subject
 * `x500UniqueIdentifier` (BIT STRING holding the 8-byte entity identifier).
 * Pure; malformed DER gives a DuisSignatureError.
 */
import { type Eui, toHex } from '../runtime/bytes.ts';
import { DuisSignatureError } from './errors.ts';

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  end: number;
}

function readTlv(b: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new DuisSignatureError('certificate DER truncated');
  const tag = b[offset];
  let len = b[offset + 1];
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new DuisSignatureError('certificate DER length invalid');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i];
    p += n;
  }
  if (p + len > limit) throw new DuisSignatureError('certificate DER truncated');
  return { tag, start: offset, contentStart: p, end: p + len };
}

function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.contentStart; p < t.end; ) {
    const c = readTlv(b, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oidToString(b: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (parts.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        parts.push(first, v - first * 40);
      } else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const X500_UNIQUE_IDENTIFIER = '2.5.4.45';

function escapeRdnValue(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

interface Attribute {
  oid: string;
  /** The full TLV of the value. */
  value: Uint8Array;
  tag: number;
}

function nameAttributes(b: Uint8Array, name: Tlv): Attribute[][] {
  return children(b, name).map((set) =>
    children(b, set).map((seq) => {
      const [oid, value] = children(b, seq);
      if (oid?.tag !== 0x06 || !value) throw new DuisSignatureError('certificate name attribute malformed');
      return {
        oid: oidToString(b.subarray(oid.contentStart, oid.end)),
        value: b.subarray(value.start, value.end),
        tag: value.tag,
      };
    }),
  );
}

function attributeString(a: Attribute): string {
  const type = SHORT_NAMES[a.oid] ?? a.oid;
  const content = a.value.subarray(readTlv(a.value, 0, a.value.length).contentStart);
  // UTF8String, PrintableString, T61String, IA5String as text; anything else as #hex of the DER (RFC 4514 2.4).
  if (SHORT_NAMES[a.oid] && [0x0c, 0x13, 0x14, 0x16].includes(a.tag)) {
    return `${type}=${escapeRdnValue(Buffer.from(content).toString(a.tag === 0x0c ? 'utf8' : 'latin1'))}`;
  }
  return `${type}=#${toHex(a.value)}`;
}

function formatName(b: Uint8Array, name: Tlv): string {
  return nameAttributes(b, name)
    .reverse()
    .map((rdn) => rdn.map(attributeString).join('+'))
    .join(',');
}

export interface CertificateNames {
  /** RFC 4514, e.g. `CN=Z1,OU=07`. */
  issuer: string;
  subject: string;
  serialNumber: bigint;
  /** Entity EUI from the subject's x500UniqueIdentifier, if present and 8 bytes. */
  subjectEui: Eui | undefined;
}

/** Reads issuer, subject, serial and subject EUI from a DER certificate. */
export function certificateNames(der: Uint8Array): CertificateNames {
  const cert = readTlv(der, 0, der.length);
  const [tbs] = children(der, cert);
  if (tbs?.tag !== 0x30) throw new DuisSignatureError('certificate DER malformed');
  const f = children(der, tbs);
  const i = f[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
  const serial = f[i];
  const issuer = f[i + 2];
  const subject = f[i + 4];
  if (serial?.tag !== 0x02 || !issuer || !subject) throw new DuisSignatureError('certificate DER malformed');
  const serialNumber = BigInt(`0x${toHex(der.subarray(serial.contentStart, serial.end)) || '0'}`);
  let subjectEui: Eui | undefined;
  for (const rdn of nameAttributes(der, subject)) {
    for (const a of rdn) {
      if (a.oid !== X500_UNIQUE_IDENTIFIER || a.tag !== 0x03) continue;
      const bits = a.value.subarray(readTlv(a.value, 0, a.value.length).contentStart);
      if (bits.length === 9 && bits[0] === 0) subjectEui = toHex(bits.subarray(1));
    }
  }
  return { issuer: formatName(der, issuer), subject: formatName(der, subject), serialNumber, subjectEui };
}

/** Splits an RFC 4514 string into RDN strings (on unescaped commas), each normalised: type upper-case, no spaces around `=`. */
export function normaliseDistinguishedName(dn: string): string[] {
  const rdns: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) {
      cur += c + dn[i + 1];
      i++;
    } else if (c === ',' || c === ';') {
      rdns.push(cur);
      cur = '';
    } else cur += c;
  }
  rdns.push(cur);
  return rdns.map((r) => {
    const eq = r.indexOf('=');
    if (eq < 0) return r.trim();
    return `${r.slice(0, eq).trim().toUpperCase()}=${r.slice(eq + 1).trim()}`;
  });
}

/**
 * True if two DNs name the same issuer: same RDNs after normalisation, in
 * RFC 4514 order or in reverse (some implementations print DER order).
 */
export function sameDistinguishedName(a: string, b: string): boolean {
  if (a === b) return true; // the usual case (the name as the certificate store wrote it): nothing to normalise
  const x = normaliseDistinguishedName(a);
  const y = normaliseDistinguishedName(b);
  if (x.length !== y.length) return false;
  const eq = (p: string[], q: string[]) => p.every((v, i) => v === q[i]);
  return eq(x, y) || eq(x, [...y].reverse());
}
