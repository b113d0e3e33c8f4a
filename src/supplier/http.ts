/**
 * The supplier's HTTP side (fastify): the Receive Response Service the DSP
 * POSTs asynchronous DUIS Responses and Alerts to, and the JSON API for
 * premises, commands, PPMID provisioning and live updates (Server-Sent
 * Events), described by the OpenAPI document at `/openapi.json`.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Logger } from '../runtime/logger.ts';
import {
  type IndexEntry,
  indexPage,
  registerSharedWebAssets,
  SHARED_WEB_PUBLIC_PATHS,
} from '../runtime/web-assets.ts';
import { ROUTES, WAN_CLASSES } from './config.ts';
import { DuisOrderError, orderableSrvs } from './duis-order.ts';
import { SupplierError } from './errors.ts';
import { COMMAND_STATES, commandView, hopView, ORDER_KINDS, type Premises } from './model.ts';
import {
  attachReceiveTls,
  type ReceiveTlsOptions,
  refuseReceiveOverPlainHttp,
  registerReceiveRoute,
  tlsReceiveUrl,
} from './receive-tls.ts';
import type { PremisesView, SupplierEvent, SupplierService } from './service.ts';

const log = Logger.get('supplier:http');

export const DEFAULT_SUPPLIER_PORT = 8070;
export const DEFAULT_RECEIVE_PATH = '/duis/receive-response';

export interface SupplierHttpOptions {
  host?: string;
  /** Default 8070; 0 for an ephemeral port. */
  port?: number;
  /** Path of the Receive Response Service (register `<base><path>` with the DSP). */
  receivePath?: string;
  /** Largest body accepted (default 1 MiB, as the DUIS codec). */
  bodyLimit?: number;
  /** SSE keep-alive comment period (ms, default 15 000; real time: it is a socket concern). */
  sseKeepAliveMs?: number;
  /** Installs the operator guard (src/adapters/http/guard.ts) before the routes. */
  guard?: (app: FastifyInstance) => void;
  /**
   * The Receive Response Service over mutual TLS on the same port (issue 13,
   * receive-tls.ts): the receive URL is then `https://`, and a plain POST is refused.
   */
  receiveTls?: ReceiveTlsOptions;
}

/** What the supplier serves without an operator: the Receive Response Service (DSP-signed DUIS) and the OpenAPI. */
export function supplierPublicPaths(receivePath = DEFAULT_RECEIVE_PATH): string[] {
  return [receivePath, '/openapi.json', ...SHARED_WEB_PUBLIC_PATHS];
}

export interface SupplierHttp {
  readonly app: FastifyInstance;
  /** `http://host:port` */
  readonly url: string;
  /** The URL to register with the DSP as this user's Receive Response Service. */
  readonly receiveUrl: string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- schemas (validation and OpenAPI)

const EUI = { type: 'string', pattern: '^[0-9A-Fa-f]{2}([-:]?[0-9A-Fa-f]{2}){7}$' } as const;
const DEVICE_TYPES = ['ESME', 'GSME', 'CHF', 'GPF', 'HCALCS', 'PPMID', 'Type2'];

/** The order schema; `srv` of a `duis` order: the SRVs the SRV table says the DSP answers (duis-order.ts). */
const orderSchema = () => ({
  type: 'object',
  required: ['kind'],
  description:
    'What to do at the device. duis: any SRV the DSP answers, `srv` + `body` (JSON mirroring the DUIS body, checked against DUIS Schema V5.4; a refusal names the field). top-up (2.2): utrn, or value + valueClass (UTRN generated with the supplier prepayment key); read-registers (4.1.1); price (1.2.1, electricity TOU); payment-mode (1.6); supply (7.1/7.2/7.3: action Enable|Disable|Arm); device-log (8.11, target the CHF); ch-time (PROVISIONAL Set CH Time, PPMID only); commission-device (8.1.1, target a meter: currentDateTime defaults to now, tolerancePeriod in seconds; through the PPMID for a premises installed without WAN, decision C8).',
  properties: {
    kind: { type: 'string', enum: ORDER_KINDS.filter((k) => k !== 'return-local-response') },
    utrn: { type: 'string', pattern: '^[0-9]{20}$' },
    value: { type: 'integer', minimum: 0, maximum: 8191 },
    valueClass: { type: 'string', enum: ['pennies', 'pounds'] },
    executionDateTime: { type: 'string', format: 'date-time' },
    standingCharge: { type: 'integer' },
    standingChargeScale: { type: 'integer' },
    priceScale: { type: 'integer' },
    touPrices: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 48 },
    mode: { type: 'string', enum: ['Credit', 'Prepayment'] },
    suspendDebtDisabled: { type: 'boolean' },
    suspendDebtEmergency: { type: 'boolean' },
    disablementThreshold: { type: 'integer' },
    action: { type: 'string', enum: ['Enable', 'Disable', 'Arm'] },
    requestType: { type: 'string', enum: ['Add', 'Remove'] },
    deviceId: EUI,
    installCode: { type: 'string', pattern: '^[0-9A-Fa-f]{12,32}$' },
    joinTimePeriod: { type: 'integer', minimum: 1, maximum: 3600 },
    currentDateTime: { type: 'string', format: 'date-time' },
    tolerancePeriod: { type: 'integer', minimum: 0, maximum: 86400 },
    srv: {
      type: 'string',
      description: 'duis: the Service Reference Variant (GET /api/v1/service-requests lists them)',
      enum: orderableSrvs().map((o) => o.srv),
    },
    body: {
      type: ['object', 'null'],
      additionalProperties: true,
      description:
        'duis: JSON mirroring the DUIS body: element names as keys in XSD order, text as string/number/boolean, null for an empty element, an array for a repeated one, "@attr" for attributes and "#text" beside them (docs/supplier.md "Any Service Request")',
    },
  },
  additionalProperties: false,
});

const HOP = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    kind: { type: 'string' },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const COMMAND = {
  type: 'object',
  description: 'A command (one DUIS RequestID) and its state (SECMP0038 SU-2).',
  properties: {
    id: { type: 'string', description: 'the RequestID counter, decimal' },
    requestId: { type: 'string' },
    premisesId: { type: 'string' },
    target: { type: 'string' },
    srv: { type: 'string' },
    order: { type: 'object', additionalProperties: true },
    state: { type: 'string', enum: COMMAND_STATES },
    version: {
      type: 'integer',
      description:
        'hops recorded so far: grows with every change; of two views of a command, the larger is newer',
    },
    terminal: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    route: { type: ['string', 'null'], enum: [...ROUTES, null] },
    wanClass: { type: ['string', 'null'], enum: [...WAN_CLASSES, null] },
    commandVariants: { type: 'array', items: { type: 'integer' } },
    routeReasons: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    expiresAt: { type: 'string' },
    terminalAt: { type: ['string', 'null'] },
    response: { type: ['object', 'null'], additionalProperties: true },
    responses: { type: 'integer' },
    ppmid: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const PREMISES = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    chf: { type: 'string' },
    devices: { type: 'array', items: { type: 'object', additionalProperties: true } },
    ppmid: { type: ['string', 'null'] },
    lastWanResponseAt: { type: ['string', 'null'] },
    installation: {
      type: ['object', 'null'],
      properties: { smWan: { type: 'string', enum: ['connected', 'none'] }, at: { type: 'string' } },
    },
    wanClass: { type: 'string', enum: WAN_CLASSES },
    wanReasons: { type: 'array', items: { type: 'string' } },
    wanStats: { type: 'object', additionalProperties: true },
    ppmidState: { type: ['string', 'null'] },
    relayEnabled: { type: 'boolean' },
  },
} as const;

const ERROR = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the order field at fault (duis orders), e.g. body.ReadLogPeriod' },
  },
} as const;

interface RouteDoc {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  summary: string;
  tags: string[];
  params?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  body?: Record<string, unknown>;
  requestContentType?: string;
  responses: Record<string, { description: string; schema?: unknown; contentType?: string }>;
}

function routes(receivePath: string): RouteDoc[] {
  const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
  return [
    {
      method: 'POST',
      url: receivePath,
      summary:
        'Receive Response Service: the DSP POSTs asynchronous DUIS Responses (I0 device responses) and Alerts here. The DSP XML signature is verified; unsigned or forged documents are refused (401), counted and logged.',
      tags: ['DUIS'],
      requestContentType: 'application/xml',
      responses: {
        '200': {
          description: 'verified and recorded',
          schema: { type: 'object', additionalProperties: true },
        },
        '400': { description: 'not a DUIS Response', schema: ERROR },
        '401': { description: 'XML signature missing, not the DSP, or not verifying', schema: ERROR },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/premises',
      summary: 'Premises with their WAN class (SU-1) and enhanced PPMID (SU-3).',
      tags: ['premises'],
      responses: { '200': { description: 'list', schema: { type: 'array', items: PREMISES } } },
    },
    {
      method: 'PUT',
      url: '/api/v1/premises/:id',
      summary: 'Adds or replaces a premises: its Communications Hub and devices.',
      tags: ['premises'],
      params: idParam,
      body: {
        type: 'object',
        required: ['chf', 'devices'],
        properties: {
          name: { type: 'string' },
          chf: EUI,
          devices: {
            type: 'array',
            items: {
              type: 'object',
              required: ['eui', 'type'],
              properties: { eui: EUI, type: { type: 'string', enum: DEVICE_TYPES } },
              additionalProperties: false,
            },
          },
          smWanAtInstall: {
            type: 'string',
            enum: ['connected', 'none'],
            description:
              'the CH installation outcome reported to the DCC: DUIS 8.14.1 Install Success (connected) or 8.14.2 Install Success No SM WAN (none); SU-1 starts from it',
          },
        },
        additionalProperties: false,
      },
      responses: {
        '200': { description: 'the premises', schema: PREMISES },
        '409': { description: 'conflict', schema: ERROR },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/premises/:id',
      summary: 'One premises with its WAN classification and the reasons for it.',
      tags: ['premises'],
      params: idParam,
      responses: {
        '200': { description: 'the premises', schema: PREMISES },
        '404': { description: 'unknown', schema: ERROR },
      },
    },
    {
      method: 'POST',
      url: '/api/v1/premises/:id/commands',
      summary:
        'Sends a Service Request to a device of the premises. The route planner chooses the Command Variants (SU-1) unless `route` forces one; the command is tracked to one terminal state (SU-2).',
      tags: ['commands'],
      params: idParam,
      body: {
        type: 'object',
        required: ['order'],
        properties: {
          order: orderSchema(),
          target: EUI,
          route: { type: 'string', enum: ['wan', 'race', 'ppmid'] },
          expiresInMs: { type: 'integer', minimum: 1 },
        },
        additionalProperties: false,
      },
      responses: {
        '202': { description: 'accepted and queued', schema: COMMAND },
        '400': { description: 'invalid', schema: ERROR },
        '404': { description: 'unknown premises', schema: ERROR },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/service-requests',
      summary:
        'The Service Requests a `duis` order may name: every SRV the DSP answers (its SRV table), with its body element, class, target device types, Command Variants and whether it may go through a PPMID.',
      tags: ['commands'],
      responses: {
        '200': {
          description: 'list, in DUIS order',
          schema: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/commands',
      summary: 'Commands, newest first, filtered.',
      tags: ['commands'],
      querystring: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: [...COMMAND_STATES, 'open', 'terminal'] },
          premises: { type: 'string' },
          srv: { type: 'string' },
          route: { type: 'string', enum: ROUTES },
          target: EUI,
          before: { type: 'string', pattern: '^[0-9]{1,20}$' },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        },
        additionalProperties: false,
      },
      responses: { '200': { description: 'list', schema: { type: 'array', items: COMMAND } } },
    },
    {
      method: 'GET',
      url: '/api/v1/commands/:id',
      summary: 'A command with its timeline of hops.',
      tags: ['commands'],
      params: idParam,
      responses: {
        '200': {
          description: 'the command',
          schema: {
            type: 'object',
            properties: { command: COMMAND, timeline: { type: 'array', items: HOP } },
          },
        },
        '404': { description: 'unknown', schema: ERROR },
      },
    },
    {
      method: 'POST',
      url: '/api/v1/commands/:id/local-response',
      summary: 'Returns a locally obtained device response for the command to the DCC (SR 8.13, CV 8).',
      tags: ['commands'],
      params: idParam,
      body: {
        type: 'object',
        required: ['deviceGbcsResponse'],
        properties: { deviceGbcsResponse: { type: 'string', pattern: '^[0-9A-Fa-f]+$' } },
        additionalProperties: false,
      },
      responses: { '202': { description: 'the 8.13 command', schema: COMMAND } },
    },
    {
      method: 'POST',
      url: '/api/v1/premises/:id/ppmid',
      summary:
        "Provisions an enhanced PPMID (SU-3): the PPMID's own reporting public key, its MQTT client certificate issued for its CSR (the PPMID keeps its private keys), the delivery public key it must trust, and the relay flag in the CHF Device Log (DSP relay registration, then DUIS 8.11 Add). A PPMID registered already is refused (409) unless `replace` is true (an operator's replacement, logged). The install code is write-only.",
      tags: ['provisioning'],
      params: idParam,
      body: {
        type: 'object',
        required: ['eui', 'installCode', 'reportingPublicKeyPem'],
        properties: {
          eui: EUI,
          installCode: { type: 'string', pattern: '^[0-9A-Fa-f]{12,32}$' },
          reportingPublicKeyPem: { type: 'string', maxLength: 4096 },
          csrPem: { type: 'string', maxLength: 8192 },
          joinTimePeriod: { type: 'integer', minimum: 1, maximum: 3600 },
          issueClientCertificate: { type: 'boolean' },
          replace: { type: 'boolean' },
          noWan: {
            type: 'boolean',
            description:
              'PROVISIONAL: the installer found no WAN and paired the PPMID; the 8.11 goes as CV 2 through it (docs/supplier.md)',
          },
        },
        additionalProperties: false,
      },
      responses: {
        '201': { description: 'provisioning bundle', schema: { type: 'object', additionalProperties: true } },
        '409': { description: 'another PPMID, or this one registered already (no replace)', schema: ERROR },
      },
    },
    {
      method: 'POST',
      url: '/api/v1/ppmids/:eui/revoke',
      summary:
        'Revokes an enhanced PPMID (issue 13): its MQTT certificate is revoked at the CA, its reports refused, no relay through it.',
      tags: ['provisioning'],
      params: { type: 'object', required: ['eui'], properties: { eui: EUI } },
      body: {
        type: 'object',
        properties: { reason: { type: 'string', maxLength: 500 } },
        additionalProperties: false,
      },
      responses: {
        '200': { description: 'the PPMID, revoked', schema: { type: 'object', additionalProperties: true } },
        '404': { description: 'not registered here', schema: ERROR },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/ppmids',
      summary: 'Enhanced PPMIDs and their provisioning state.',
      tags: ['provisioning'],
      responses: {
        '200': {
          description: 'list',
          schema: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/delivery-key',
      summary: "The supplier's delivery public key (PEM) and key id, as provisioned into PPMIDs.",
      tags: ['provisioning'],
      responses: {
        '200': { description: 'the key', schema: { type: 'object', additionalProperties: true } },
      },
    },
    {
      method: 'GET',
      url: '/api/v1/events',
      summary:
        'Live updates as Server-Sent Events: `command` (a hop, with the command), `premises`, `ppmid`, `refused`, `alert`.',
      tags: ['live'],
      responses: { '200': { description: 'an event stream', contentType: 'text/event-stream' } },
    },
    {
      method: 'GET',
      url: '/api/v1/metrics',
      summary: 'Counters (DUIS sent/refused, signatures refused, envelopes, reports, terminal states).',
      tags: ['live'],
      responses: {
        '200': { description: 'metrics', schema: { type: 'object', additionalProperties: true } },
      },
    },
  ];
}

/** The OpenAPI 3.1 document of the supplier's HTTP API. */
export function supplierOpenApi(receivePath = DEFAULT_RECEIVE_PATH): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes(receivePath)) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [name] of Object.entries((r.params as { properties?: object })?.properties ?? {}))
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    for (const [name, schema] of Object.entries((r.querystring as { properties?: object })?.properties ?? {}))
      parameters.push({ name, in: 'query', required: false, schema });
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: r.tags,
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([code, d]) => [
          code,
          {
            description: d.description,
            ...(d.schema || d.contentType
              ? { content: { [d.contentType ?? 'application/json']: d.schema ? { schema: d.schema } : {} } }
              : {}),
          },
        ]),
      ),
    };
    if (parameters.length) op.parameters = parameters;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.body } } };
    if (r.requestContentType)
      op.requestBody = {
        required: true,
        content: { [r.requestContentType]: { schema: { type: 'string' } } },
      };
    paths[path] = { ...(paths[path] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ppmid-relay supplier service',
      version: '1',
      description:
        'SECMP0038 supplier (Service User): WAN classification and route planning (SU-1), command tracking (SU-2), enhanced PPMID provisioning (SU-3), and the DUIS Receive Response Service.',
    },
    paths,
  };
}

// ---------------------------------------------------------------- views

function premisesJson(v: PremisesView): Record<string, unknown> {
  const { wan, ppmidRecord, lastWanResponseAt, ...p } = v;
  return {
    ...(p as Omit<Premises, 'lastWanResponseAt'>),
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    ppmid: p.ppmid ?? null,
    lastWanResponseAt: lastWanResponseAt === undefined ? null : new Date(lastWanResponseAt).toISOString(),
    installation: p.installation
      ? { smWan: p.installation.smWan, at: new Date(p.installation.at).toISOString() }
      : null,
    wanClass: wan.wanClass,
    wanReasons: wan.reasons,
    wanStats: wan.stats,
    ppmidState: ppmidRecord?.state ?? null,
    relayEnabled: ppmidRecord?.relayEnabled ?? false,
  };
}

function eventJson(e: SupplierEvent): { event: string; data: unknown } {
  switch (e.type) {
    case 'command':
      return { event: 'command', data: { command: commandView(e.command), hop: hopView(e.hop) } };
    case 'ppmid': {
      const { reportingPublicKeyPem: _r, clientCertificatePem: _c, installCode: _i, ...rest } = e.ppmid;
      return { event: 'ppmid', data: rest };
    }
    default:
      return { event: e.type, data: e };
  }
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof DuisOrderError)
    return reply.code(err.httpStatus).send({ error: err.code, message: err.message, field: err.field });
  if (err instanceof SupplierError)
    return reply.code(err.httpStatus).send({ error: err.code, message: err.message });
  const v = err as { validation?: unknown; statusCode?: number; message?: string; code?: string };
  if (v.validation || (v.statusCode && v.statusCode >= 400 && v.statusCode < 500))
    return reply
      .code(v.statusCode ?? 400)
      .send({ error: v.code ?? 'BAD_REQUEST', message: v.message ?? 'bad request' });
  log.error('unexpected error in a request', { error: String(err) });
  return reply.code(500).send({ error: 'INTERNAL', message: 'internal error' });
}

// ---------------------------------------------------------------- app

/** Builds the fastify app (not listening): `app.inject` in tests, or `startSupplierHttp`. */
export function buildSupplierApp(service: SupplierService, opts: SupplierHttpOptions = {}): FastifyInstance {
  const receivePath = opts.receivePath ?? DEFAULT_RECEIVE_PATH;
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 1024 * 1024, logger: false });
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err, _req, reply) => sendError(reply, err));
  opts.guard?.(app);
  const openapi = supplierOpenApi(receivePath);
  const docs = new Map(routes(receivePath).map((r) => [`${r.method} ${r.url}`, r]));
  const schemaOf = (method: string, url: string) => {
    const d = docs.get(`${method} ${url}`)!;
    return {
      ...(d.params ? { params: d.params } : {}),
      ...(d.querystring ? { querystring: d.querystring } : {}),
      ...(d.body ? { body: d.body } : {}),
    };
  };

  app.get('/openapi.json', async () => openapi);

  // Index pages: the root, the API base and the Receive Response Service answer a GET usefully.
  registerSharedWebAssets(app);
  const apiEntries = (): IndexEntry[] => [
    ...[...docs.values()].map((d) => ({ method: d.method, href: d.url, what: d.summary })),
    { method: 'GET', href: '/openapi.json', what: 'the OpenAPI document of this API' },
  ];
  app.get('/', (_req, reply) => {
    const console = app.hasRoute({ method: 'GET', url: '/console/' });
    return reply.type('text/html; charset=utf-8').send(
      indexPage({
        title: `Supplier service ${service.supplierEui}`,
        intro:
          'The DCC Service User of SECMP0038: DUIS Service Requests to the DSP, the route planner (SU-1), command tracking (SU-2), enhanced PPMID provisioning (SU-3) and its Receive Response Service.',
        sections: [
          {
            heading: 'Pages',
            entries: [
              ...(console
                ? [
                    {
                      href: '/console/',
                      what: 'the supplier console: homes, commands, live timelines, charts',
                    },
                  ]
                : []),
              { href: '/api/v1/', what: 'the API index (JSON)' },
              { href: '/openapi.json', what: 'OpenAPI document' },
            ],
          },
          { heading: 'API', entries: apiEntries() },
        ],
      }),
    );
  });
  const apiIndex = async () => ({
    service: 'supplier',
    supplierId: service.supplierEui,
    openapi: '/openapi.json',
    routes: apiEntries().map((e) => ({ method: e.method, path: e.href, summary: e.what })),
  });
  app.get('/api/v1', apiIndex);
  app.get('/api/v1/', apiIndex);
  app.get(receivePath, (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(
      indexPage({
        title: 'Receive Response Service',
        intro: `The DSP POSTs signed DUIS Responses, Device Alerts and DCC Alerts here (application/xml, XML-signed by the DCC); a GET only shows this page. Register ${receivePath} as the user's receive URL at the DSP.`,
        sections: [
          {
            heading: 'Route',
            entries: [
              {
                method: 'POST',
                href: receivePath,
                what: 'a DUIS Response (verified against the DSP XML-signing certificates)',
              },
              { href: '/', what: 'the supplier service' },
            ],
          },
        ],
      }),
    ),
  );

  if (opts.receiveTls) refuseReceiveOverPlainHttp(app, service, receivePath);
  else registerReceiveRoute(app, service, receivePath);

  app.get('/api/v1/premises', async () => (await service.premisesViews()).map(premisesJson));

  app.put('/api/v1/premises/:id', { schema: schemaOf('PUT', '/api/v1/premises/:id') }, async (req) => {
    const { id } = req.params as { id: string };
    const b = req.body as {
      chf: string;
      devices: Premises['devices'];
      name?: string;
      smWanAtInstall?: 'connected' | 'none';
    };
    await service.putPremises({
      id,
      chf: b.chf,
      devices: b.devices,
      ...(b.name !== undefined ? { name: b.name } : {}),
      ...(b.smWanAtInstall !== undefined ? { smWanAtInstall: b.smWanAtInstall } : {}),
    });
    return premisesJson(await service.premisesView(id));
  });

  app.get('/api/v1/premises/:id', { schema: schemaOf('GET', '/api/v1/premises/:id') }, async (req) => {
    const { id } = req.params as { id: string };
    return premisesJson(await service.premisesView(id));
  });

  app.post(
    '/api/v1/premises/:id/commands',
    { schema: schemaOf('POST', '/api/v1/premises/:id/commands') },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body as {
        order: never;
        target?: string;
        route?: 'wan' | 'race' | 'ppmid';
        expiresInMs?: number;
      };
      const c = await service.submit({
        premisesId: id,
        order: b.order,
        ...(b.target !== undefined ? { target: b.target } : {}),
        ...(b.route !== undefined ? { route: b.route } : {}),
        ...(b.expiresInMs !== undefined ? { expiresInMs: b.expiresInMs } : {}),
      });
      return reply.code(202).send(commandView(c));
    },
  );

  app.get('/api/v1/service-requests', async () => orderableSrvs());

  app.get('/api/v1/commands', { schema: schemaOf('GET', '/api/v1/commands') }, async (req) => {
    const q = req.query as Record<string, string | number | undefined>;
    const list = await service.commands({
      ...(q.state !== undefined ? { state: q.state as never } : {}),
      ...(q.premises !== undefined ? { premisesId: String(q.premises) } : {}),
      ...(q.srv !== undefined ? { srv: String(q.srv) } : {}),
      ...(q.route !== undefined ? { route: String(q.route) } : {}),
      ...(q.target !== undefined ? { target: String(q.target).replace(/[-:]/g, '').toUpperCase() } : {}),
      ...(q.before !== undefined ? { before: String(q.before) } : {}),
      ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
    });
    return list.map(commandView);
  });

  app.get('/api/v1/commands/:id', { schema: schemaOf('GET', '/api/v1/commands/:id') }, async (req) => {
    const { id } = req.params as { id: string };
    const r = await service.command(id);
    if (!r) throw new SupplierError('SUPPLIER_NOT_FOUND', `no command ${id}`);
    return { command: commandView(r.command), timeline: r.timeline.map(hopView) };
  });

  app.post(
    '/api/v1/commands/:id/local-response',
    { schema: schemaOf('POST', '/api/v1/commands/:id/local-response') },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body as { deviceGbcsResponse: string };
      return reply.code(202).send(commandView(await service.returnLocalResponse(id, b.deviceGbcsResponse)));
    },
  );

  app.post(
    '/api/v1/premises/:id/ppmid',
    { schema: schemaOf('POST', '/api/v1/premises/:id/ppmid') },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body as Omit<Parameters<SupplierService['provisionPpmid']>[0], 'premisesId' | 'operator'>;
      return reply
        .code(201)
        .send(
          await service.provisionPpmid({ ...b, premisesId: id, operator: req.operator?.name ?? 'anonymous' }),
        );
    },
  );

  app.post(
    '/api/v1/ppmids/:eui/revoke',
    { schema: schemaOf('POST', '/api/v1/ppmids/:eui/revoke') },
    async (req) => {
      const { eui } = req.params as { eui: string };
      const b = (req.body ?? {}) as { reason?: string };
      const { installCode: _i, ...r } = await service.revokePpmid(eui, {
        operator: req.operator?.name ?? 'anonymous',
        ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
      });
      return r;
    },
  );

  // Install codes are write-only (issue 13): never listed.
  app.get('/api/v1/ppmids', async () =>
    service.ppmidRecords().map(({ installCode: _i, ...r }) => ({
      ...r,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    })),
  );

  app.get('/api/v1/delivery-key', async () => ({
    supplierId: service.supplierEui,
    keyId: service.deliveryKey.keyId,
    publicKeyPem: service.deliveryKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }));

  app.get('/api/v1/metrics', async () => ({
    supplier: service.metrics.snapshot(),
    commandsByState: await service.repo.countByState(),
  }));

  app.get('/api/v1/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    let n = 0;
    const write = (event: string, data: unknown) =>
      res.write(
        `id: ${++n}\nevent: ${event}\ndata: ${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n\n`,
      );
    write('hello', { supplierId: service.supplierEui, at: new Date().toISOString() });
    const off = service.subscribe((e) => {
      const { event, data } = eventJson(e);
      write(event, data);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.sseKeepAliveMs ?? 15_000);
    keepAlive.unref();
    req.raw.on('close', () => {
      off();
      clearInterval(keepAlive);
    });
  });

  return app;
}

/** Starts the supplier's HTTP server. */
export async function startSupplierHttp(
  service: SupplierService,
  opts: SupplierHttpOptions = {},
): Promise<SupplierHttp> {
  const app = buildSupplierApp(service, opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? DEFAULT_SUPPLIER_PORT });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? DEFAULT_SUPPLIER_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const receivePath = opts.receivePath ?? DEFAULT_RECEIVE_PATH;
  const tls = opts.receiveTls
    ? await attachReceiveTls(app, service, {
        ...opts.receiveTls,
        path: receivePath,
        bodyLimit: opts.bodyLimit,
      })
    : undefined;
  log.info('supplier HTTP listening', { url, receiveTls: !!tls });
  return {
    app,
    url,
    receiveUrl: tls ? tlsReceiveUrl(url, receivePath) : `${url}${receivePath}`,
    close: async () => {
      await tls?.close();
      // SSE streams are hijacked: end them so close() does not wait for clients.
      app.server.closeAllConnections?.();
      await app.close();
    },
  };
}
