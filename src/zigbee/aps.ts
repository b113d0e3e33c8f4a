/**
 * ZigBee APS frames (ZigBee spec 2.2.5): header, extended header (used for
 * fragmentation), auxiliary security header (4.5.1) and APS link-key
 * security (4.4.1, SECMP0038 CH-9).
 *
 * Frame control: bits 0-1 frame type (0 data, 1 command, 2 ack, 3 inter-PAN),
 * bits 2-3 delivery mode (0 unicast, 2 broadcast, 3 group), bit 4 ack format,
 * bit 5 security, bit 6 ack request, bit 7 extended header present.
 */
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import { ZigbeeMalformedError, ZigbeeUnknownKeyError, ZigbeeUnsupportedError } from './errors.ts';
import {
  ccmStarDecrypt,
  ccmStarEncryptInto,
  keyLoadKey,
  keyTransportKey,
  micLength,
  SecurityLevel,
} from './security.ts';
import { ByteWriter, checkUint, need, readU8, readU16le, readU32le } from './wire.ts';

export type ApsFrameType = 'data' | 'command' | 'ack';
export type ApsDeliveryMode = 'unicast' | 'broadcast' | 'group';

/** The APS extended header (ZigBee spec 2.2.5.1.8). */
export interface ApsExtendedHeader {
  /** `first`: first block of a fragmented ASDU, whose block number field holds the TOTAL block count. */
  fragmentation: 'first' | 'subsequent';
  /** First block: total number of blocks; subsequent blocks: this block's number (1..total-1); acks: first block of the window. */
  blockNumber: number;
  /** Ack frames only: bit i set = block (blockNumber + i) received. */
  ackBitfield?: number;
}

export interface ApsHeader {
  frameType: ApsFrameType;
  deliveryMode: ApsDeliveryMode;
  /** Ack frames only: true = acknowledgement of an APS command (no endpoint/cluster/profile fields). */
  ackFormat?: boolean;
  security: boolean;
  ackRequest: boolean;
  /** Data and data-ack frames, except group delivery. */
  destinationEndpoint?: number;
  /** Group delivery only. */
  groupAddress?: number;
  clusterId?: number;
  profileId?: number;
  sourceEndpoint?: number;
  /** APS counter (u8): the same for every block of one fragmented ASDU. */
  counter: number;
  extended?: ApsExtendedHeader;
}

const FT = { data: 0, command: 1, ack: 2 } as const;
const DM = { unicast: 0, broadcast: 2, group: 3 } as const;

function hasEndpointFields(h: Pick<ApsHeader, 'frameType' | 'ackFormat'>): boolean {
  return h.frameType === 'data' || (h.frameType === 'ack' && !h.ackFormat);
}

/** `secured`: set the security bit whatever `h.security` says (secureApsFrame). */
export function encodeApsHeader(h: ApsHeader, secured = false): Uint8Array {
  const out = new Uint8Array(apsHeaderLength(h));
  writeApsHeader(h, secured, out, 0);
  return out;
}

/** Bytes `encodeApsHeader(h)` writes. */
function apsHeaderLength(h: ApsHeader): number {
  let n = 2; // frame control, APS counter
  if (hasEndpointFields(h)) n += (h.deliveryMode === 'group' && h.frameType === 'data' ? 2 : 1) + 5;
  if (h.extended) n += h.frameType === 'ack' ? 3 : 2;
  return n;
}

/**
 * Writes the APS header into `out` at `o` (exactly `apsHeaderLength(h)`
 * bytes; a secured frame is built in one buffer) and returns the offset
 * after it. Ranges are checked as the fields are written (RangeError).
 */
function writeApsHeader(h: ApsHeader, secured: boolean, out: Uint8Array, o: number): number {
  let fc = FT[h.frameType] | (DM[h.deliveryMode] << 2);
  if (h.frameType === 'ack' && h.ackFormat) fc |= 0x10;
  if (h.security || secured) fc |= 0x20;
  if (h.ackRequest) fc |= 0x40;
  if (h.extended) fc |= 0x80;
  out[o++] = fc;
  if (hasEndpointFields(h)) {
    if (h.deliveryMode === 'group' && h.frameType === 'data') {
      o = putU16(out, o, req(h.groupAddress, 'groupAddress'), 'u16');
    } else o = putU8(out, o, req(h.destinationEndpoint, 'destinationEndpoint'), 'destinationEndpoint');
    o = putU16(out, o, req(h.clusterId, 'clusterId'), 'clusterId');
    o = putU16(out, o, req(h.profileId, 'profileId'), 'profileId');
    o = putU8(out, o, req(h.sourceEndpoint, 'sourceEndpoint'), 'sourceEndpoint');
  }
  o = putU8(out, o, h.counter, 'APS counter');
  if (h.extended) {
    const e = h.extended;
    out[o++] = e.fragmentation === 'first' ? 1 : 2;
    o = putU8(out, o, e.blockNumber, 'block number');
    if (h.frameType === 'ack') o = putU8(out, o, req(e.ackBitfield, 'ackBitfield'), 'ackBitfield');
    else if (e.ackBitfield !== undefined) throw new RangeError('ackBitfield only belongs in ack frames');
  }
  return o;
}

function putU8(out: Uint8Array, o: number, v: number, what: string): number {
  checkUint(v, 8, what);
  out[o] = v;
  return o + 1;
}

function putU16(out: Uint8Array, o: number, v: number, what: string): number {
  checkUint(v, 16, what);
  out[o] = v & 0xff;
  out[o + 1] = v >>> 8;
  return o + 2;
}

function req<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new RangeError(`APS header needs ${what}`);
  return v;
}

export function decodeApsHeader(data: Uint8Array, offset = 0): { value: ApsHeader; offset: number } {
  const start = offset;
  const fc = readU8(data, offset++, 'APS frame control');
  const ft = fc & 3;
  if (ft === 3) throw new ZigbeeUnsupportedError('inter-PAN APS frames are not carried on the SMHAN', start);
  const dm = (fc >> 2) & 3;
  if (dm === 1) throw new ZigbeeMalformedError('APS delivery mode 1 (indirect) is reserved', start);
  const frameType: ApsFrameType = ft === 0 ? 'data' : ft === 1 ? 'command' : 'ack';
  const h: ApsHeader = {
    frameType,
    deliveryMode: dm === 0 ? 'unicast' : dm === 2 ? 'broadcast' : 'group',
    security: (fc & 0x20) !== 0,
    ackRequest: (fc & 0x40) !== 0,
    counter: 0,
  };
  if (frameType === 'ack') h.ackFormat = (fc & 0x10) !== 0;
  else if (fc & 0x10) throw new ZigbeeMalformedError('APS ack format bit set on a non-ack frame', start);
  if (hasEndpointFields(h)) {
    if (h.deliveryMode === 'group' && frameType === 'data') {
      h.groupAddress = readU16le(data, offset, 'APS group address');
      offset += 2;
    } else h.destinationEndpoint = readU8(data, offset++, 'APS destination endpoint');
    h.clusterId = readU16le(data, offset, 'APS cluster id');
    h.profileId = readU16le(data, offset + 2, 'APS profile id');
    h.sourceEndpoint = readU8(data, offset + 4, 'APS source endpoint');
    offset += 5;
  }
  h.counter = readU8(data, offset++, 'APS counter');
  if (fc & 0x80) {
    const efc = readU8(data, offset, 'APS extended frame control');
    const frag = efc & 3;
    if (frag === 0 || frag === 3 || efc & 0xfc)
      throw new ZigbeeMalformedError(
        `APS extended frame control 0x${efc.toString(16).padStart(2, '0')} is not a fragmentation header`,
        offset,
      );
    offset++;
    const e: ApsExtendedHeader = {
      fragmentation: frag === 1 ? 'first' : 'subsequent',
      blockNumber: readU8(data, offset++, 'APS block number'),
    };
    if (frameType === 'ack') e.ackBitfield = readU8(data, offset++, 'APS ack bitfield');
    h.extended = e;
  }
  return { value: h, offset };
}

/** Key identifier of the auxiliary security header (bits 3-4 of security control). */
export type ApsKeyId = 'data' | 'network' | 'keyTransport' | 'keyLoad';
const KEY_ID: Record<ApsKeyId, number> = { data: 0, network: 1, keyTransport: 2, keyLoad: 3 };
const KEY_NAME: ApsKeyId[] = ['data', 'network', 'keyTransport', 'keyLoad'];

/** Auxiliary security header (ZigBee spec 4.5.1). */
export interface AuxSecurityHeader {
  /** On air this is 0 (ZigBee overwrites it); after `unsecureApsFrame` it is the level actually applied. */
  securityLevel: number;
  keyId: ApsKeyId;
  frameCounter: number;
  /** Present when the extended-nonce bit is set: the sender's EUI (printed, big-endian form; reversed on air). */
  sourceAddress?: Eui;
  /** Present only for network-key frames. */
  keySequenceNumber?: number;
}

export function encodeAuxSecurityHeader(a: AuxSecurityHeader): Uint8Array {
  if (!Number.isInteger(a.securityLevel) || a.securityLevel < 0 || a.securityLevel > 7)
    throw new RangeError(`security level ${a.securityLevel}`);
  const sc = securityControl(a, a.securityLevel);
  const w = new ByteWriter(14).u8(sc).u32le(a.frameCounter, 'frameCounter');
  if (a.sourceAddress !== undefined) w.bytes(euiOnAir(a.sourceAddress));
  if (a.keyId === 'network') w.u8(req(a.keySequenceNumber, 'keySequenceNumber'), 'keySequenceNumber');
  else if (a.keySequenceNumber !== undefined)
    throw new RangeError('key sequence number only belongs with the network key');
  return w.finish();
}

export function decodeAuxSecurityHeader(
  data: Uint8Array,
  offset = 0,
): { value: AuxSecurityHeader; offset: number } {
  const sc = readU8(data, offset, 'security control');
  if (sc & 0xc0) throw new ZigbeeMalformedError('security control sets reserved bits 6-7', offset);
  const a: AuxSecurityHeader = {
    securityLevel: sc & 7,
    keyId: KEY_NAME[(sc >> 3) & 3],
    frameCounter: readU32le(data, offset + 1, 'frame counter'),
  };
  offset += 5;
  if (sc & 0x20) {
    need(data, offset, 8, 'source address');
    a.sourceAddress = euiFromOnAir(data, offset);
    offset += 8;
  }
  if (a.keyId === 'network') a.keySequenceNumber = readU8(data, offset++, 'key sequence number');
  return { value: a, offset };
}

function securityControl(a: Pick<AuxSecurityHeader, 'keyId' | 'sourceAddress'>, level: number): number {
  return level | (KEY_ID[a.keyId] << 3) | (a.sourceAddress !== undefined ? 0x20 : 0);
}

/** The 8 bytes of an EUI, in printed (big-endian) order or reversed; read from the canonical hex digits. */
function euiBytes(eui: Eui, reversed: boolean): Uint8Array {
  const s = normaliseEui(eui);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    const hi = s.charCodeAt(2 * i);
    const lo = s.charCodeAt(2 * i + 1);
    // canonical: 0-9 (48-57) or A-F (65-70)
    out[reversed ? 7 - i : i] = ((hi <= 57 ? hi - 48 : hi - 55) << 4) | (lo <= 57 ? lo - 48 : lo - 55);
  }
  return out;
}

/** An EUI in the printed (big-endian) form, reversed to the little-endian order ZigBee sends. */
export function euiOnAir(eui: Eui): Uint8Array {
  return euiBytes(eui, true);
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

export function euiFromOnAir(data: Uint8Array, offset: number): Eui {
  let s = '';
  for (let i = 7; i >= 0; i--) s += HEX_BYTE[data[offset + i] ?? 0];
  return s;
}

/** An unsecured APS frame: header then payload. */
export function encodeApsFrame(header: ApsHeader, payload: Uint8Array): Uint8Array {
  if (header.security) throw new RangeError('use secureApsFrame for a secured frame');
  const h = encodeApsHeader(header);
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

/** A decoded frame; when `header.security` is set, `aux` is present and `payload` is still ciphertext || MIC. */
export interface ApsFrame {
  header: ApsHeader;
  aux?: AuxSecurityHeader;
  payload: Uint8Array;
}

export function decodeApsFrame(data: Uint8Array, offset = 0): { value: ApsFrame; offset: number } {
  const h = decodeApsHeader(data, offset);
  let o = h.offset;
  const frame: ApsFrame = { header: h.value, payload: new Uint8Array(0) };
  if (h.value.security) {
    const a = decodeAuxSecurityHeader(data, o);
    frame.aux = a.value;
    o = a.offset;
  }
  frame.payload = data.slice(o);
  return { value: frame, offset: data.length };
}

export interface SecureApsFrameInput {
  header: ApsHeader;
  payload: Uint8Array;
  /** The link key shared with the peer (for keyTransport / keyLoad the derived key is computed here). */
  linkKey: Uint8Array;
  /** The sender's EUI: always part of the nonce; also sent in the header when `extendedNonce`. */
  sourceEui: Eui;
  frameCounter: number;
  keyId?: ApsKeyId;
  /** Default true: carry the source address so the receiver can build the nonce without an address map. */
  extendedNonce?: boolean;
  /** Default 5 (ENC-MIC-32), as ZigBee PRO uses. */
  securityLevel?: SecurityLevel;
  /**
   * `euiOnAir(sourceEui)`, when the caller keeps it (a radio knows its own
   * address bytes): saves parsing the EUI's hex on every frame.
   */
  sourceOnAir?: Uint8Array;
}

/** The key CCM* uses for a key identifier (ZigBee spec 4.4.1.1). */
export function apsKeyFor(linkKey: Uint8Array, keyId: ApsKeyId): Uint8Array {
  if (keyId === 'keyTransport') return keyTransportKey(linkKey);
  if (keyId === 'keyLoad') return keyLoadKey(linkKey);
  if (keyId === 'network') throw new ZigbeeUnsupportedError('APS frames secured with the network key');
  return linkKey;
}

/**
 * Secures an APS frame (ZigBee spec 4.4.1.1): a = APS header || auxiliary
 * header with the real security level; m = the payload; nonce from the
 * source EUI, frame counter and security control. On air the security level
 * bits are overwritten with 0, as ZigBee does; the receiver restores them.
 */
export function secureApsFrame(i: SecureApsFrameInput): Uint8Array {
  const level = i.securityLevel ?? SecurityLevel.EncMic32;
  if (level === SecurityLevel.None) throw new RangeError('security level 0 does not secure anything');
  if (!Number.isInteger(level) || level < 0 || level > 7) throw new RangeError(`security level ${level}`);
  const keyId = i.keyId ?? 'data';
  if (keyId === 'network') throw new RangeError('key sequence number only belongs with the network key');
  checkUint(i.frameCounter, 32, 'frameCounter');
  const extended = i.extendedNonce ?? true;
  const sourceOnAir = i.sourceOnAir ?? euiOnAir(i.sourceEui);
  if (sourceOnAir.length !== 8) throw new RangeError('sourceOnAir must be 8 bytes');
  // one buffer: APS header || auxiliary header (with the real level: the AAD) || ciphertext || MIC
  const hLen = apsHeaderLength(i.header);
  const sc = level | (KEY_ID[keyId] << 3) | (extended ? 0x20 : 0);
  const auxEnd = hLen + 5 + (extended ? 8 : 0);
  const m = micLength(level);
  const out = new Uint8Array(auxEnd + i.payload.length + m);
  writeApsHeader(i.header, true, out, 0);
  out[hLen] = sc;
  writeU32le(out, hLen + 1, i.frameCounter);
  if (extended) out.set(sourceOnAir, hLen + 5);
  const nonce = apsNonce(sourceOnAir, i.frameCounter, sc);
  const key = apsKeyFor(i.linkKey, keyId);
  if (level >= 4)
    ccmStarEncryptInto(
      { key, nonce, aad: out.subarray(0, auxEnd), plaintext: i.payload, micLength: m },
      out,
      auxEnd,
    );
  else {
    // MIC only: the payload is authenticated with the headers and sent in the clear
    out.set(i.payload, auxEnd);
    const end = auxEnd + i.payload.length;
    ccmStarEncryptInto(
      { key, nonce, aad: out.subarray(0, end), plaintext: NO_BYTES, micLength: m },
      out,
      end,
    );
  }
  // on air the security level bits are 0
  out[hLen] &= 0xf8;
  return out;
}

const NO_BYTES = new Uint8Array(0);

function writeU32le(out: Uint8Array, o: number, v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = (v >>> 8) & 0xff;
  out[o + 2] = (v >>> 16) & 0xff;
  out[o + 3] = v >>> 24;
}

/**
 * The CCM* nonce (ZigBee spec 4.5.2.2, as `zigbeeNonce`) from the source
 * address already in on-air order, written into one module buffer: CCM*
 * reads it during the call that builds or checks a frame and keeps nothing.
 */
const nonceBuf = new Uint8Array(13);
function apsNonce(sourceOnAir: Uint8Array, frameCounter: number, securityControl: number): Uint8Array {
  nonceBuf.set(sourceOnAir);
  writeU32le(nonceBuf, 8, frameCounter);
  nonceBuf[12] = securityControl;
  return nonceBuf;
}

export interface UnsecureOptions {
  /** The link key shared with `source`, or undefined when none is known. */
  linkKeyFor: (source: Eui) => Uint8Array | undefined;
  /** The frame's source as the network layer saw it; required when the frame has no extended nonce. */
  sourceEui?: Eui;
  /** The security level in force on this network (nwkSecurityLevel); default 5. */
  securityLevel?: SecurityLevel;
}

export interface UnsecuredApsFrame {
  header: ApsHeader;
  aux: AuxSecurityHeader;
  /** The sender whose key and nonce verified the frame. */
  source: Eui;
  payload: Uint8Array;
}

/**
 * Verifies and decrypts a secured APS frame. Throws ZigbeeMicInvalidError
 * (tampered, wrong key or spoofed source), ZigbeeUnknownKeyError, or a
 * malformed/truncated error. Replay checks are the caller's (see
 * FrameCounterGuard), since only the caller knows what it accepted before.
 */
export function unsecureApsFrame(data: Uint8Array, opts: UnsecureOptions): UnsecuredApsFrame {
  const h = decodeApsHeader(data, 0);
  if (!h.value.security) throw new ZigbeeMalformedError('APS frame is not secured', 0);
  const auxStart = h.offset;
  const a = decodeAuxSecurityHeader(data, auxStart);
  const level = opts.securityLevel ?? SecurityLevel.EncMic32;
  const source = a.value.sourceAddress ?? opts.sourceEui;
  if (source === undefined)
    throw new ZigbeeMalformedError('secured frame has no extended nonce and no source was given', auxStart);
  if (opts.sourceEui !== undefined && opts.sourceEui !== source && normaliseEui(opts.sourceEui) !== source)
    throw new ZigbeeMalformedError(
      `auxiliary header source ${source} differs from the network source ${opts.sourceEui}`,
      auxStart,
    );
  const linkKey = opts.linkKeyFor(source);
  if (!linkKey) throw new ZigbeeUnknownKeyError(`no link key for ${source}`, source);
  const key = apsKeyFor(linkKey, a.value.keyId);
  const bodyStart = a.offset;
  const sc = (data[auxStart] & 0xf8) | level;
  const sourceOnAir =
    a.value.sourceAddress === undefined ? euiOnAir(source) : data.subarray(auxStart + 5, auxStart + 13);
  const nonce = apsNonce(sourceOnAir, a.value.frameCounter, sc);
  const m = micLength(level);
  const n = data.length - bodyStart - m;
  let payload: Uint8Array;
  if (level >= 4) {
    // AAD: the APS header and auxiliary header as received, with the real security level
    const aad = data.slice(0, bodyStart);
    aad[auxStart] = sc;
    payload = ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: data.subarray(bodyStart), micLength: m });
  } else {
    if (n < 0) throw new ZigbeeMalformedError('secured payload is shorter than its MIC', bodyStart);
    const aad = data.slice(0, bodyStart + n);
    aad[auxStart] = sc;
    ccmStarDecrypt({ key, nonce, aad, ciphertextAndMic: data.subarray(bodyStart + n), micLength: m });
    payload = data.slice(bodyStart, bodyStart + n);
  }
  a.value.securityLevel = level;
  return { header: h.value, aux: a.value, source, payload };
}

/** Bytes a secured frame adds to its payload: auxiliary header + MIC (ZigBee spec 4.5.1). */
export function apsSecurityOverhead(opts: { extendedNonce?: boolean; securityLevel?: number } = {}): number {
  return 5 + ((opts.extendedNonce ?? true) ? 8 : 0) + micLength(opts.securityLevel ?? 5);
}
