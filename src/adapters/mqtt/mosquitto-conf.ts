/**
 * Issue 13, an external broker: the Mosquitto (2.x) listener and ACL that
 * give an external broker the embedded broker's rules (PP-1): TLS with a
 * client certificate from the PKI's CA, the certificate's CN as the user
 * name, the CA's CRL (`crlfile`, re-read on SIGHUP), and the topic rules of
 * acl.ts (a PPMID reads only its inbox and writes only its status and
 * presence; a supplier writes inboxes and reads status and presence).
 * docs/running.md "An external broker and revocation" shows them in use;
 * test/integration/external-broker-crl.test.ts runs a real Mosquitto with them.
 *
 * Pure: paths and names in, configuration text out.
 */
import { TOPIC_ROOT } from './topics.ts';

export interface MosquittoListener {
  port: number;
  host?: string;
  /** The PKI directory (`<data-dir>/pki`): ca.crt, server.crt, server.key. */
  pkiDir: string;
  /** The CRL the supplier writes (`<data-dir>/pki/ca.crl` or `MQTT_CRL_FILE`). */
  crlFile: string;
  aclFile: string;
  /** Mosquitto's `user` (when started as root it otherwise switches to `mosquitto`). */
  runAs?: string;
  pidFile?: string;
}

export function mosquittoConf(o: MosquittoListener): string {
  return [
    '# ppmid-relay internet leg (SECMP0038 PP-1): TLS, a client certificate per PPMID / supplier',
    'per_listener_settings false',
    'allow_anonymous false',
    'persistence false',
    ...(o.runAs ? [`user ${o.runAs}`] : []),
    ...(o.pidFile ? [`pid_file ${o.pidFile}`] : []),
    `acl_file ${o.aclFile}`,
    `listener ${o.port} ${o.host ?? '127.0.0.1'}`,
    `cafile ${o.pkiDir}/ca.crt`,
    `certfile ${o.pkiDir}/server.crt`,
    `keyfile ${o.pkiDir}/server.key`,
    'require_certificate true',
    'use_identity_as_username true',
    '# revoked certificates (issue 13): re-read on SIGHUP after each revocation',
    `crlfile ${o.crlFile}`,
    '',
  ].join('\n');
}

/** The ACL of acl.ts for Mosquitto; `suppliers`: the client ids (`supplier-<EUI>`) of the suppliers. */
export function mosquittoAcl(suppliers: readonly string[]): string {
  return [
    '# a PPMID (user = its EUI, the certificate CN): its own inbox in, its own status and presence out',
    `pattern read ${TOPIC_ROOT}/%u/inbox`,
    `pattern write ${TOPIC_ROOT}/%u/status`,
    `pattern write ${TOPIC_ROOT}/%u/presence`,
    ...suppliers.flatMap((s) => [
      `user ${s}`,
      `topic write ${TOPIC_ROOT}/+/inbox`,
      `topic read ${TOPIC_ROOT}/+/status`,
      `topic read ${TOPIC_ROOT}/+/presence`,
    ]),
    '',
  ].join('\n');
}
