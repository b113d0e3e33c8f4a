/**
 * JSON text for `json` columns. Plain JSON plus two tagged forms so that
 * domain values survive a round trip: a bigint (e.g. an Originator Counter,
 * uint64) as `{"$bigint":"<decimal>"}` and bytes as `{"$hex":"<HEX>"}`.
 */
import { fromHex, toHex } from '../../runtime/bytes.ts';

export function toJsonText(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    // `v` is after toJSON; look at the raw holder value for Uint8Array (Buffers have toJSON).
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (raw instanceof Uint8Array) return { $hex: toHex(raw) };
    return v;
  });
}

export function fromJsonText<T = unknown>(text: string): T {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$bigint' && typeof v.$bigint === 'string')
        return BigInt(v.$bigint);
      if (keys.length === 1 && keys[0] === '$hex' && typeof v.$hex === 'string') return fromHex(v.$hex);
    }
    return v;
  }) as T;
}
