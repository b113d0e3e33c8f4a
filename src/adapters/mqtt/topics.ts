/**
 * The internet leg's topic layout (SECMP0038 PP-1, SU-2), in one place:
 *
 *   ppmid/v1/<PPMID-EUI>/inbox     supplier → PPMID   delivery envelopes, QoS 1
 *   ppmid/v1/<PPMID-EUI>/status    PPMID → supplier   outcome reports (PP-2), QoS 1
 *   ppmid/v1/<PPMID-EUI>/presence  PPMID → anyone     retained online/offline (will message), QoS 1
 *
 * MQTT client ids: a PPMID connects as its EUI-64 (16 upper-case hex
 * digits, the form GBCS prints); a supplier as `supplier-<EUI>` (its Remote
 * Party Entity ID). With TLS, the client certificate's CN must equal the
 * client id (broker.ts).
 */
import { type Eui, normaliseEui } from '../../runtime/bytes.ts';
import { PpmidRelayError } from '../../runtime/errors.ts';

export const TOPIC_ROOT = 'ppmid/v1';
export type PpmidChannel = 'inbox' | 'status' | 'presence';
export const PPMID_CHANNELS: readonly PpmidChannel[] = ['inbox', 'status', 'presence'];

const EUI = /^[0-9A-F]{16}$/;

export class TopicError extends PpmidRelayError {
  constructor(message: string) {
    super('MQTT_TOPIC_INVALID', message);
  }
}

/** A canonical EUI-64 (16 upper-case hex digits); anything else is refused, not normalised. */
export function isCanonicalEui(s: string): boolean {
  return EUI.test(s);
}

function checkEui(eui: string): Eui {
  if (!EUI.test(eui))
    throw new TopicError(`not a canonical EUI-64 (16 upper-case hex digits): ${JSON.stringify(eui)}`);
  return eui;
}

export function ppmidTopic(ppmidEui: Eui, channel: PpmidChannel): string {
  return `${TOPIC_ROOT}/${checkEui(ppmidEui)}/${channel}`;
}
export const inboxTopic = (ppmidEui: Eui): string => ppmidTopic(ppmidEui, 'inbox');
export const statusTopic = (ppmidEui: Eui): string => ppmidTopic(ppmidEui, 'status');
export const presenceTopic = (ppmidEui: Eui): string => ppmidTopic(ppmidEui, 'presence');

/** Filters a supplier subscribes to: every PPMID's status reports / presence. */
export const ALL_STATUS_FILTER = `${TOPIC_ROOT}/+/status`;
export const ALL_PRESENCE_FILTER = `${TOPIC_ROOT}/+/presence`;

export interface ParsedPpmidTopic {
  ppmidEui: Eui;
  channel: PpmidChannel;
}

/** Parses a concrete topic of the layout; undefined if it is not one. */
export function parsePpmidTopic(topic: string): ParsedPpmidTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  if (!EUI.test(parts[2])) return undefined;
  if (!(PPMID_CHANNELS as readonly string[]).includes(parts[3])) return undefined;
  return { ppmidEui: parts[2], channel: parts[3] as PpmidChannel };
}

// ---- client ids ----

export type ClientRole = { role: 'ppmid'; eui: Eui } | { role: 'supplier'; eui: Eui };

export const ppmidClientId = (eui: Eui): string => checkEui(eui);
export const supplierClientId = (eui: Eui): string => `supplier-${checkEui(eui)}`;

/** Who a client id says it is; undefined for ids outside the scheme (tools, tests on an open listener). */
export function parseClientId(clientId: string): ClientRole | undefined {
  if (EUI.test(clientId)) return { role: 'ppmid', eui: clientId };
  if (clientId.startsWith('supplier-') && EUI.test(clientId.slice(9)))
    return { role: 'supplier', eui: clientId.slice(9) };
  return undefined;
}

/** Accepts any EUI spelling (`00-DB-…`, lower case) and returns the canonical one, for callers holding DUIS forms. */
export function canonicalEui(s: string): Eui {
  try {
    return normaliseEui(s);
  } catch (err) {
    throw new TopicError((err as Error).message);
  }
}

// ---- presence payload ----

export type PresenceState = 'online' | 'offline';

export interface Presence {
  state: PresenceState;
  clientId: string;
}

export function encodePresence(p: Presence): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ state: p.state, clientId: p.clientId }));
}

/** Undefined for a payload that is not a presence document (including the empty payload that clears a retained one). */
export function decodePresence(payload: Uint8Array): Presence | undefined {
  if (payload.length === 0) return undefined;
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as Record<
      string,
      unknown
    >;
    if ((v.state === 'online' || v.state === 'offline') && typeof v.clientId === 'string')
      return { state: v.state, clientId: v.clientId };
  } catch {
    // not UTF-8 JSON
  }
  return undefined;
}

// ---- MQTT topic syntax and matching (MQTT 3.1.1 §4.7, MQTT 5 §4.7) ----

/** A topic name a client may publish to: non-empty, no wildcards, no NUL, at most 65535 bytes. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !/[+#\u0000]/.test(topic) && Buffer.byteLength(topic, 'utf8') <= 65535;
}

/** A topic filter: `+` only as a whole level, `#` only as the whole last level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000') || Buffer.byteLength(filter, 'utf8') > 65535)
    return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l === '#') {
      if (i !== levels.length - 1) return false;
    } else if (l === '+') {
      // fine
    } else if (l.includes('+') || l.includes('#')) return false;
  }
  return true;
}

/**
 * MQTT wildcard match. `+` matches exactly one level (possibly empty), `#`
 * the parent level and any number below it; a filter starting with a
 * wildcard does not match topics starting with `$` (MQTT-4.7.2-1).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
