/**
 * The PPMID's internet side (SECMP0038 PP-1): its inbox subscription and its
 * status publisher on the `InternetLink` port (adapters/mqtt: the in-process
 * adapter in tests and the simulator, MQTT over TLS in the running system).
 *
 *   ppmid/v1/<EUI>/inbox   supplier -> PPMID  delivery envelopes (QoS 1)
 *   ppmid/v1/<EUI>/status  PPMID -> supplier  signed status reports (QoS 1)
 *
 * The inbox handler calls `Ppmid.deliverEnvelope`, which never throws for bad
 * input, so every message is acknowledged once decided; a QoS 1 redelivery of
 * the same envelope is answered idempotently (its latest report again).
 */
import {
  type HandlerRegistration,
  type InternetLink,
  inboxTopic,
  statusTopic,
} from '../../adapters/mqtt/index.ts';
import { Logger } from '../../runtime/logger.ts';
import type { Ppmid } from './ppmid.ts';

const log = Logger.get('ppmid:internet');

/** The inbox subscription to pass to `Internet.connect(..., { handlers: [...] })` (subscribed before the session's messages arrive). */
export function ppmidInboxHandler(ppmid: Ppmid): HandlerRegistration {
  return {
    filter: inboxTopic(ppmid.eui),
    qos: 1,
    handler: (msg) => {
      ppmid.deliverEnvelope(msg.payload);
    },
  };
}

/**
 * Publishes every status report of `ppmid` on its status topic (QoS 1). Reports
 * made before this is attached are published first, in order. Returns a
 * function that stops publishing. A failed publication is logged and counted
 * (`ppmid.report.publish-failed`); the link itself queues while it is down.
 */
export function attachStatusPublisher(ppmid: Ppmid, link: InternetLink): () => void {
  const topic = statusTopic(ppmid.eui);
  return ppmid.onStatusReport((bytes, report) => {
    link.publish(topic, bytes, { qos: 1 }).then(
      () => ppmid.metrics.inc('ppmid.report.published'),
      (err: unknown) => {
        ppmid.metrics.inc('ppmid.report.publish-failed');
        log.warn('status report not published', { envelopeId: report.envelopeId, error: String(err) });
      },
    );
  });
}

/**
 * Both at once on an open link: subscribes the inbox (if the link was not
 * opened with `ppmidInboxHandler`) and attaches the status publisher.
 */
export async function connectPpmidInternet(ppmid: Ppmid, link: InternetLink): Promise<() => Promise<void>> {
  const reg = ppmidInboxHandler(ppmid);
  await link.subscribe(reg.filter, reg.handler, { qos: 1 });
  const detach = attachStatusPublisher(ppmid, link);
  return async () => {
    detach();
    await link.unsubscribe(reg.filter);
  };
}
