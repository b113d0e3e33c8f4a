/**
 * The supplier's DUIS client: builds Service Requests, signs them with the
 * supplier's XML-signing key (DUIS: the signer is the RequestID originator),
 * sends each to the DSP endpoint its Command Variant belongs to, and verifies
 * the DSP's XML signature on everything that comes back, synchronously or
 * through the Receive Response Service (receive.ts).
 *
 * Endpoints (the DCC test system's convention, DUIS.md): `POST
 * /api/v1/serviceS` for CV 1, 3, 5, 7 (sent to a device over the WAN, with or
 * without a local copy), `/api/v1/serviceT` for CV 4 (transform to a
 * Pre-Command), `/api/v1/serviceD` for CV 2, 6, 8 (answered by the DCC
 * alone: local delivery only, or non-device). `Content-Type:
 * application/xml` both ways.
 */

import {
  ACB_EUI,
  buildDuisRequestDocument,
  type CommandVariant,
  DuisError,
  type DuisNode,
  type DuisResponse,
  DuisSignatureError,
  DuisUnknownSignerError,
  formatRequestId,
  type RequestId,
  sameRequestId,
  signBuiltDuis,
  verifyAndParseDuisResponse,
  type XmlSigner,
  type XmlSigningTrustStore,
} from '../duis/index.ts';
import type { Eui } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { Logger } from '../runtime/logger.ts';
import { Metrics } from '../runtime/metrics.ts';
import { SupplierError } from './errors.ts';
import { policyOpenedCv } from './no-wan.ts';

const log = Logger.get('supplier:duis');

export type DuisEndpoint = 'serviceS' | 'serviceT' | 'serviceD';

/** The DSP endpoint of a Command Variant (DUIS.md "The DCC test system's HTTP conventions"). */
export function endpointOf(cv: CommandVariant): DuisEndpoint {
  switch (cv) {
    case 1:
    case 3:
    case 5:
    case 7:
      return 'serviceS';
    case 4:
      return 'serviceT';
    case 2:
    case 6:
    case 8:
      return 'serviceD';
  }
}

export interface DuisHttpAnswer {
  status: number;
  body: string;
}

/** The DuisTransport port (ARCHITECTURE "Ports and adapters"): how DUIS XML reaches the DSP. */
export interface DuisTransport {
  post(endpoint: DuisEndpoint, xml: string): Promise<DuisHttpAnswer>;
}

/** DUIS over HTTP(S) to a DSP at `baseUrl` (e.g. `http://127.0.0.1:8079`). */
export class HttpDuisTransport implements DuisTransport {
  private readonly base: URL;
  constructor(
    baseUrl: string,
    private readonly opts: {
      timeoutMs?: number;
      /** The DCC User Interface client (https with the user's TLS certificate, runtime/https-client.ts). */
      fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
    } = {},
  ) {
    try {
      this.base = new URL(baseUrl);
    } catch {
      throw new SupplierError('SUPPLIER_CONFIG', `DSP URL ${JSON.stringify(baseUrl)} is not a URL`);
    }
  }

  async post(endpoint: DuisEndpoint, xml: string): Promise<DuisHttpAnswer> {
    const url = new URL(`/api/v1/${endpoint}`, this.base);
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new SupplierError(
        'SUPPLIER_DSP_UNREACHABLE',
        `POST ${url.href} failed: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
        { cause: err },
      );
    }
    return { status: res.status, body: await res.text() };
  }
}

export interface DuisRequestSpec {
  requestId: RequestId;
  commandVariant: CommandVariant;
  srv: string;
  body: DuisNode;
}

/** One request and what the DSP answered synchronously. */
export type DuisExchange =
  | {
      kind: 'answer';
      endpoint: DuisEndpoint;
      requestXml: string;
      httpStatus: number;
      responseXml: string;
      /** Verified (the DSP's XML signature) and parsed. */
      response: DuisResponse;
    }
  | {
      /** The DSP refused at the HTTP level (400, 401, 409, 413, 5xx: no DUIS Response it could address). */
      kind: 'refused';
      endpoint: DuisEndpoint;
      requestXml: string;
      httpStatus: number;
      detail: string;
    };

export interface DuisClientOptions {
  supplierEui: Eui;
  /** The supplier's XML-signing key and certificate. */
  signer: XmlSigner;
  /** Certificates of the DSP's XML-signing keys. */
  dspTrust: XmlSigningTrustStore;
  /** Who must have signed what the DSP sends: the DCC's EUI (default the ACB EUI 90B3D51F30000002). */
  dspEui?: Eui;
  transport: DuisTransport;
  clock: Pick<Clock, 'now'>;
  metrics?: Metrics;
}

export class DuisClient {
  readonly supplierEui: Eui;
  readonly dspEui: Eui;
  readonly metrics: Metrics;
  private readonly signer: XmlSigner;
  private readonly trust: XmlSigningTrustStore;
  private readonly transport: DuisTransport;
  private readonly clock: Pick<Clock, 'now'>;

  constructor(o: DuisClientOptions) {
    this.supplierEui = o.supplierEui;
    this.dspEui = o.dspEui ?? ACB_EUI;
    this.signer = o.signer;
    this.trust = o.dspTrust;
    this.transport = o.transport;
    this.clock = o.clock;
    this.metrics = o.metrics ?? new Metrics('supplier.duis.');
    if (o.signer.certificate.subjectEui !== undefined && o.signer.certificate.subjectEui !== o.supplierEui)
      throw new SupplierError(
        'SUPPLIER_CONFIG',
        `the XML-signing certificate identifies ${o.signer.certificate.subjectEui}, not the supplier ${o.supplierEui}`,
      );
  }

  /** The signed XML of a Service Request (the supplier is the RequestID originator). */
  buildSigned(spec: DuisRequestSpec): string {
    if (spec.requestId.originator !== this.supplierEui)
      throw new SupplierError(
        'SUPPLIER_STATE',
        `RequestID originator ${spec.requestId.originator} is not this supplier`,
      );
    const doc = buildDuisRequestDocument(
      {
        header: {
          requestId: spec.requestId,
          commandVariant: spec.commandVariant,
          serviceReferenceVariant: spec.srv,
        },
        body: spec.body,
      },
      // a CV a DSP user policy opens (8.1.1 CV 6/7, no-WAN commissioning): the DSP checks the policy
      { checkCommandVariant: !policyOpenedCv(spec.srv, spec.commandVariant) },
    );
    return signBuiltDuis(doc, this.signer);
  }

  /** Signs and sends one request; verifies the synchronous answer. */
  async send(spec: DuisRequestSpec): Promise<DuisExchange> {
    const requestXml = this.buildSigned(spec);
    return this.sendSigned(spec, requestXml);
  }

  /** Sends an already signed request (a restart re-sends the same bytes). */
  async sendSigned(spec: DuisRequestSpec, requestXml: string): Promise<DuisExchange> {
    const endpoint = endpointOf(spec.commandVariant);
    this.metrics.inc(`sent{cv=${spec.commandVariant}}`);
    const answer = await this.transport.post(endpoint, requestXml);
    if (answer.status !== 200) {
      this.metrics.inc(`refused{http=${answer.status}}`);
      log.warn('DSP refused a request at the HTTP level', {
        requestId: formatRequestId(spec.requestId),
        endpoint,
        status: answer.status,
      });
      return {
        kind: 'refused',
        endpoint,
        requestXml,
        httpStatus: answer.status,
        detail: answer.body.slice(0, 500),
      };
    }
    const response = this.verifyResponse(answer.body, 'synchronous answer');
    const rid = response.header.requestId;
    if (rid && !sameRequestId(rid, spec.requestId))
      throw new SupplierError(
        'SUPPLIER_DSP_PROTOCOL',
        `the DSP answered ${formatRequestId(spec.requestId)} with a Response for ${formatRequestId(rid)}`,
      );
    return { kind: 'answer', endpoint, requestXml, httpStatus: 200, responseXml: answer.body, response };
  }

  /**
   * Verifies the DSP's XML signature on a DUIS Response (synchronous answer,
   * or a Receive Response Service POST) and parses it. Unsigned, forged or
   * signed by anyone but the DSP: SUPPLIER_DSP_SIGNATURE (counted, logged).
   * Not a DUIS Response: SUPPLIER_DSP_PROTOCOL.
   */
  verifyResponse(xml: string | Uint8Array, what = 'Response'): DuisResponse {
    try {
      const { response } = verifyAndParseDuisResponse(xml, this.trust, {
        at: new Date(this.clock.now()),
        expectedSignerEui: this.dspEui,
      });
      this.metrics.inc('verified');
      return response;
    } catch (err) {
      if (err instanceof DuisSignatureError || err instanceof DuisUnknownSignerError) {
        this.metrics.inc(`signature-refused{code=${err.code}}`);
        log.warn(`refused a ${what} from the DSP: its XML signature does not verify`, {
          code: err.code,
          error: err.message,
        });
        throw new SupplierError('SUPPLIER_DSP_SIGNATURE', `${what} refused: ${err.message}`, { cause: err });
      }
      if (err instanceof DuisError) {
        this.metrics.inc(`protocol-refused{code=${err.code}}`);
        log.warn(`refused a ${what} from the DSP: not a DUIS Response`, {
          code: err.code,
          error: err.message,
        });
        throw new SupplierError('SUPPLIER_DSP_PROTOCOL', `${what} refused: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
}
