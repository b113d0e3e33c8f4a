/**
 * Adapters for the ports the composition wires (ARCHITECTURE "Ports and
 * adapters": each port has an in-process adapter and a network adapter):
 *
 * - DUIS supplier -> DSP: `HttpDuisTransport` (supplier/duis-client.ts) over
 *   the network; `inProcessDuisTransport` calls `DspService.handleRequest`.
 * - DUIS DSP -> supplier's Receive Response Service: `fetchResponseTransport`
 *   (dcc/dsp) over the network; `inProcessResponseTransport` calls
 *   `SupplierService.receive`.
 * - The estate's view of the supplier (sim/ports.ts SupplierPort): the
 *   service in process, or its HTTP API.
 * - A PPMID's internet link (sim/ports.ts PpmidInternetPort): MQTT (TLS with
 *   the client certificate of its provisioning bundle), or the in-process
 *   internet.
 */
import {
  connectMqttLink,
  type HandlerRegistration,
  type Internet,
  type InternetLink,
  type MqttInternet,
} from '../adapters/mqtt/index.ts';
import type { DspService, ResponseTransport } from '../dcc/dsp/index.ts';
import { type Eui, normaliseEui } from '../runtime/bytes.ts';
import type { Clock } from '../runtime/clock.ts';
import { PpmidRelayError } from '../runtime/errors.ts';
import type {
  PpmidBundle,
  PpmidInternetPort,
  PpmidTlsCredentials,
  ProvisioningState,
  SubmittedCommand,
  SupplierPort,
  WorkloadOrder,
} from '../sim/ports.ts';
import type { DuisHttpAnswer, DuisTransport } from '../supplier/duis-client.ts';
import { SupplierError } from '../supplier/errors.ts';
import type { SupplierService } from '../supplier/service.ts';

export class SystemError extends PpmidRelayError {
  constructor(
    code: 'SYSTEM_CONFIG' | 'SYSTEM_START' | 'SYSTEM_PROVISIONING' | 'SYSTEM_REMOTE' | 'SYSTEM_CHECK',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** DUIS to the DSP without a socket: the DSP's synchronous answer, once its store writes are committed. */
export function inProcessDuisTransport(dsp: () => DspService): DuisTransport {
  return {
    async post(endpoint, xml): Promise<DuisHttpAnswer> {
      const d = dsp();
      const out = d.handleRequest(endpoint, xml);
      await d.flush();
      return { status: out.httpStatus, body: out.body };
    },
  };
}

/** A transport whose target is known later (the DSP's URL once its server listens). */
export class DeferredDuisTransport implements DuisTransport {
  private resolveTarget!: (t: DuisTransport) => void;
  private readonly target = new Promise<DuisTransport>((r) => {
    this.resolveTarget = r;
  });
  resolve(t: DuisTransport): void {
    this.resolveTarget(t);
  }
  async post(endpoint: Parameters<DuisTransport['post']>[0], xml: string): Promise<DuisHttpAnswer> {
    return (await this.target).post(endpoint, xml);
  }
}

/** The DSP's asynchronous Responses straight into the supplier's Receive Response Service. */
export function inProcessResponseTransport(supplier: () => SupplierService | undefined): ResponseTransport {
  return {
    async post(_url, xml) {
      const s = supplier();
      if (!s) return { status: 503 };
      try {
        await s.receive(xml);
        return { status: 200 };
      } catch (err) {
        return { status: err instanceof SupplierError ? 400 : 500 };
      }
    },
  };
}

// ---------------------------------------------------------------- SupplierPort

function bundleOf(b: {
  ppmid: Eui;
  supplierId: Eui;
  mqttClientId: string;
  deliveryPublicKeyPem: string;
  mqtt?: { certPem: string; caCertPem: string };
}): PpmidBundle {
  return {
    ppmid: b.ppmid,
    supplierId: b.supplierId,
    mqttClientId: b.mqttClientId,
    deliveryPublicKeyPem: b.deliveryPublicKeyPem,
    ...(b.mqtt ? { mqtt: { certPem: b.mqtt.certPem, caCertPem: b.mqtt.caCertPem } } : {}),
  };
}

/** The supplier service in this process. */
export class InProcessSupplierPort implements SupplierPort {
  constructor(private readonly service: () => SupplierService) {}

  private get s(): SupplierService {
    return this.service();
  }

  get supplierEui(): Eui {
    return this.s.supplierEui;
  }

  async ppmidState(ppmid: Eui) {
    const r = this.s.ppmidRecord(normaliseEui(ppmid));
    return r ? { state: r.state, ...(r.failure ? { failure: r.failure } : {}) } : undefined;
  }

  async provisionPpmid(req: Parameters<SupplierPort['provisionPpmid']>[0]): Promise<PpmidBundle> {
    return bundleOf(await this.s.provisionPpmid(req));
  }

  async deliveryPublicKeyPem(): Promise<string> {
    return this.s.deliveryKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  whenRelayEnabled(ppmid: Eui): Promise<void> {
    const eui = normaliseEui(ppmid);
    return new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        const r = this.s.ppmidRecord(eui);
        if (r?.state === 'relay-enabled') resolve();
        else if (r?.state === 'failed')
          reject(
            new SystemError('SYSTEM_PROVISIONING', `PPMID ${eui}: ${r.failure ?? 'provisioning failed'}`),
          );
        else return false;
        return true;
      };
      if (check()) return;
      const off = this.s.subscribe((e) => {
        if (e.type === 'ppmid' && e.ppmid.eui === eui && check()) off();
      });
    });
  }

  async submit(req: { premisesId: string; order: WorkloadOrder; route?: 'wan' | 'race' | 'ppmid' }) {
    const c = await this.s.submit({
      premisesId: req.premisesId,
      order: req.order,
      ...(req.route ? { route: req.route } : {}),
    });
    return { id: c.id, state: c.state, route: c.route } satisfies SubmittedCommand;
  }
}

/** The supplier service of another process, through its HTTP API (supplier/http.ts). */
export class HttpSupplierPort implements SupplierPort {
  constructor(
    readonly supplierEui: Eui,
    private readonly baseUrl: string,
    private readonly clock: Clock,
    /** The operator token the estate's installer calls the supplier API with (issue 13). */
    private readonly token: string,
    private readonly pollMs = 500,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new SystemError('SYSTEM_REMOTE', `${method} ${url.href}: ${String(err)}`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new SystemError('SYSTEM_REMOTE', `${method} ${url.href}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async ppmidState(ppmid: Eui) {
    const list = await this.call<Array<{ eui: string; state: string; failure?: string }>>(
      'GET',
      '/api/v1/ppmids',
    );
    const r = list.find((x) => x.eui === normaliseEui(ppmid));
    return r
      ? {
          state: r.state as ProvisioningState,
          ...(r.failure ? { failure: r.failure } : {}),
        }
      : undefined;
  }

  async provisionPpmid(req: Parameters<SupplierPort['provisionPpmid']>[0]): Promise<PpmidBundle> {
    const { premisesId, ...body } = req;
    return bundleOf(
      await this.call('POST', `/api/v1/premises/${encodeURIComponent(premisesId)}/ppmid`, body),
    );
  }

  async deliveryPublicKeyPem(): Promise<string> {
    return (await this.call<{ publicKeyPem: string }>('GET', '/api/v1/delivery-key')).publicKeyPem;
  }

  whenRelayEnabled(ppmid: Eui): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const poll = () => {
        this.ppmidState(ppmid).then(
          (r) => {
            if (r?.state === 'relay-enabled') resolve();
            else if (r?.state === 'failed')
              reject(new SystemError('SYSTEM_PROVISIONING', `PPMID ${ppmid}: ${r.failure ?? 'failed'}`));
            else this.clock.setTimer(this.pollMs, poll, 'estate:poll-ppmid');
          },
          (err: unknown) => reject(err),
        );
      };
      poll();
    });
  }

  async submit(req: { premisesId: string; order: WorkloadOrder; route?: 'wan' | 'race' | 'ppmid' }) {
    const c = await this.call<{ id: string; state: string; route?: string }>(
      'POST',
      `/api/v1/premises/${encodeURIComponent(req.premisesId)}/commands`,
      { order: req.order, ...(req.route ? { route: req.route } : {}) },
    );
    return { id: c.id, state: c.state, ...(c.route ? { route: c.route } : {}) };
  }
}

// ---------------------------------------------------------------- PpmidInternetPort

/** PPMIDs on an MQTT broker: TLS with the bundle's client certificate when the URL is mqtts://. */
export class MqttPpmidInternet implements PpmidInternetPort {
  readonly kind = 'mqtt' as const;
  private readonly own = new Set<InternetLink>();
  constructor(private readonly internet: MqttInternet) {}

  get tlsClientCertificates(): boolean {
    return this.internet.url.startsWith('mqtts:');
  }

  async connectPpmid(
    eui: Eui,
    handlers: HandlerRegistration[],
    tls?: PpmidTlsCredentials,
  ): Promise<InternetLink> {
    if (tls && this.tlsClientCertificates) {
      // PP-1: the PPMID's own key, with the client certificate the supplier issued for its CSR (SU-3).
      const link = await connectMqttLink(normaliseEui(eui), {
        url: this.internet.url,
        protocolVersion: this.internet.protocolVersion,
        tls: {
          caPem: tls.caCertPem ?? this.internet.caCertPem ?? '',
          client: { certPem: tls.certPem, keyPem: tls.keyPem },
        },
        handlers,
      });
      this.own.add(link);
      return link;
    }
    return this.internet.connect(eui, { handlers });
  }

  async close(): Promise<void> {
    const links = [...this.own];
    this.own.clear();
    await Promise.all(links.map((l) => l.close().catch(() => {})));
  }
}

/** PPMIDs on the in-process internet (virtual time). */
export class InProcessPpmidInternet implements PpmidInternetPort {
  readonly kind = 'in-process' as const;
  readonly tlsClientCertificates = false;
  constructor(private readonly internet: Internet) {}
  connectPpmid(eui: Eui, handlers: HandlerRegistration[]): Promise<InternetLink> {
    return this.internet.connect(eui, { handlers });
  }
}
