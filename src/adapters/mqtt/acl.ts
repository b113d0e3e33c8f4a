/**
 * Who may publish and subscribe where on the internet leg (SECMP0038 PP-1):
 * one rule set, applied by the embedded broker (broker.ts) and by the
 * in-process internet (in-process.ts), so both behave the same.
 *
 * - A PPMID may subscribe only to its own inbox, and publish only its own
 *   status reports and presence.
 * - A supplier may publish to the inbox of a PPMID it serves, and subscribe to
 *   status/presence of one PPMID or of all (`+`); messages of PPMIDs it does not
 *   serve are not forwarded to it. It may never publish as a PPMID.
 * - In `strict` mode a client id outside the scheme is refused. In `open`
 *   mode (the unauthenticated local development listener, where any client
 *   could claim any id anyway) such ids (tools, monitors, tests) may use any
 *   topic except `$…`, while the rules above still bind ids that claim a
 *   role, so a PPMID emulator behaves as it would in production.
 */
import type { Eui } from '../../runtime/bytes.ts';
import { type ClientRole, parseClientId, parsePpmidTopic, TOPIC_ROOT } from './topics.ts';

export type Authorization = 'strict' | 'open';

export interface AccessPolicy {
  /** Whether supplier `supplierEui` serves PPMID `ppmidEui`. Default: every supplier serves every PPMID (demo estates). */
  supplierServes?(supplierEui: Eui, ppmidEui: Eui): boolean;
}

const serves = (policy: AccessPolicy, supplier: Eui, ppmid: Eui): boolean =>
  policy.supplierServes ? policy.supplierServes(supplier, ppmid) : true;

/** Whether `clientId` may connect at all under `mode`. */
export function mayConnect(clientId: string, mode: Authorization): boolean {
  return mode === 'open' ? clientId.length > 0 : parseClientId(clientId) !== undefined;
}

export function mayPublish(
  clientId: string,
  topic: string,
  mode: Authorization,
  policy: AccessPolicy = {},
): boolean {
  if (topic.startsWith('$')) return false;
  const who = parseClientId(clientId);
  if (!who) return mode === 'open';
  const t = parsePpmidTopic(topic);
  if (!t) return false;
  if (who.role === 'ppmid')
    return t.ppmidEui === who.eui && (t.channel === 'status' || t.channel === 'presence');
  return t.channel === 'inbox' && serves(policy, who.eui, t.ppmidEui);
}

const SUPPLIER_FILTER = new RegExp(
  `^${TOPIC_ROOT.replace('/', '\\/')}\\/([0-9A-F]{16}|\\+)\\/(status|presence)$`,
);

export function maySubscribe(
  clientId: string,
  filter: string,
  mode: Authorization,
  policy: AccessPolicy = {},
): boolean {
  if (filter.startsWith('$')) return false;
  const who = parseClientId(clientId);
  if (!who) return mode === 'open';
  if (who.role === 'ppmid') return filter === `${TOPIC_ROOT}/${who.eui}/inbox`;
  const m = SUPPLIER_FILTER.exec(filter);
  if (!m) return false;
  return m[1] === '+' || serves(policy, who.eui, m[1]);
}

/** Whether a message on `topic` may be delivered to `clientId` (a supplier sees only the PPMIDs it serves). */
export function mayReceive(clientId: string, topic: string, policy: AccessPolicy = {}): boolean {
  const who: ClientRole | undefined = parseClientId(clientId);
  if (!who || who.role === 'ppmid') return true; // their subscriptions are already exact
  const t = parsePpmidTopic(topic);
  return !t || serves(policy, who.eui, t.ppmidEui);
}
