/**
 * What the estate needs from the parties outside the homes, as ports (one
 * in-process adapter and one network adapter each, src/system):
 *
 * - `SupplierPort`: the supplier's provisioning of enhanced PPMIDs (SU-3) and
 *   its command intake (the workload): the supplier service in process, or
 *   its HTTP API (`/api/v1/...`) from another process.
 * - `PpmidInternetPort`: how a PPMID gets onto the internet leg (PP-1): an
 *   MQTT/TLS client with its own certificate from the provisioning bundle,
 *   or the in-process internet under virtual time.
 */
import type { InternetLink } from '../adapters/mqtt/index.ts';
import type { Eui } from '../runtime/bytes.ts';

/** SU-3 states of an enhanced PPMID at its supplier (supplier/model.ts PpmidState). */
export type ProvisioningState = 'registered' | 'device-log-pending' | 'relay-enabled' | 'failed' | 'revoked';

/** What a PPMID is configured with (the supplier's ProvisioningBundle, the fields the device needs). */
export interface PpmidBundle {
  ppmid: Eui;
  supplierId: Eui;
  mqttClientId: string;
  deliveryPublicKeyPem: string;
  /** The MQTT client certificate issued for the PPMID's CSR (PP-1), when the supplier has a PKI. */
  mqtt?: { certPem: string; caCertPem: string };
}

/** A PPMID's TLS client credentials: its own key and the certificate issued for it. */
export interface PpmidTlsCredentials {
  certPem: string;
  keyPem: string;
  /** The broker's CA (default: the one the internet leg trusts). */
  caCertPem?: string;
}

/** An order the workload places (the supplier's CommandOrder subset it uses). */
export type WorkloadOrder =
  | { kind: 'top-up'; value: number; valueClass?: 'pennies' | 'pounds' }
  | { kind: 'read-registers' }
  /** an auxiliary load order: a DUIS 7.5 / 7.6 body for one switch (workload.ts `auxLoadOrder`) */
  | { kind: 'duis'; srv: '7.5' | '7.6'; body: AuxLoadBody };

/** The DUIS body of a 7.5 Activate / 7.6 Deactivate Auxiliary Load (XSD ActivateDeactivateALCSHCALCS). */
export type AuxLoadBody = {
  [element: string]: { [inner: string]: { '@index': number; Duration: number } };
};

export interface SubmittedCommand {
  id: string;
  state: string;
  route?: string;
}

export interface SupplierPort {
  readonly supplierEui: Eui;
  /** The supplier's record of a PPMID, if it knows it. */
  ppmidState(ppmid: Eui): Promise<{ state: ProvisioningState; failure?: string } | undefined>;
  /** SU-3: registers the PPMID (with its own reporting public key) and sends 8.11 Add to the CHF. */
  provisionPpmid(req: {
    premisesId: string;
    eui: Eui;
    installCode: string;
    reportingPublicKeyPem: string;
    /** PKCS#10 for the PPMID's own MQTT/TLS key (issue 13: only the request leaves the device). */
    csrPem?: string;
    /** installed in a home without WAN: the 8.11 goes through this PPMID (supplier/no-wan.ts) */
    noWan?: boolean;
  }): Promise<PpmidBundle>;
  /** The supplier's delivery public key (a PPMID provisioned before a restart is configured with it again). */
  deliveryPublicKeyPem(): Promise<string>;
  /** Resolves once the PPMID's 8.11 was answered (`relay-enabled`), rejects if provisioning failed. */
  whenRelayEnabled(ppmid: Eui): Promise<void>;
  /** Places an order (the workload). */
  submit(req: {
    premisesId: string;
    order: WorkloadOrder;
    route?: 'wan' | 'race' | 'ppmid';
  }): Promise<SubmittedCommand>;
}

export interface PpmidInternetPort {
  /** 'mqtt' (MQTT over TLS, or plain TCP for an external mqtt:// broker) or 'in-process'. */
  readonly kind: 'mqtt' | 'in-process';
  /** Whether PPMID links use TLS with a per-device client certificate. */
  readonly tlsClientCertificates: boolean;
  /**
   * Opens the PPMID's link with its inbox subscription in place before any
   * session message can arrive (persistent session, QoS 1). `tls`: the
   * PPMID's own key and the certificate the supplier issued for it.
   */
  connectPpmid(
    eui: Eui,
    handlers: import('../adapters/mqtt/index.ts').HandlerRegistration[],
    tls?: PpmidTlsCredentials,
  ): Promise<InternetLink>;
}
