/**
 * The test automation API over HTTP (fastify): the routes of openapi.ts, each
 * a thin call into the in-process Atps. Bodies are validated with the same
 * JSON schemas the OpenAPI document publishes; bigints and byte arrays are
 * sent as decimal strings and hex.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { DeviceType } from '../devices/contracts.ts';
import type { InboxTamper } from '../devices/ppmid/atps.ts';
import type { BufferFeedAction } from '../gbcs/codes/provisional.ts';
import type { UtrnValueClass } from '../gbcs/utrn.ts';
import { fromHex, normaliseEui, toHex } from '../runtime/bytes.ts';
import { PpmidRelayError } from '../runtime/errors.ts';
import {
  Atps,
  type AtpsInboxInput,
  type AtpsRoute,
  type BackchannelAction,
  type CreateHomeRequest,
  type InjectOptions,
} from './api.ts';
import { OPENAPI, SCHEMAS } from './openapi.ts';

export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  return v;
}

const STATUS: Record<string, number> = {
  ATPS_NO_SUCH_HOME: 404,
  ATPS_NO_SUCH_DEVICE: 404,
  ATPS_BAD_REQUEST: 400,
  ATPS_HHT_REFUSED: 409,
  ATPS_NO_PPMID_APP: 409,
  ATPS_UNSUPPORTED: 422,
  CONFIG: 400,
  DEVICE_LOG_FULL: 409,
  DEVICE_LOG_INVALID_ENTRY: 400,
  DEVICE_LOG_RESERVED_EUI: 400,
  ZIGBEE_INSTALL_CODE_INVALID: 400,
};

export interface AtpsServerOptions {
  atps?: Atps;
  /** Installs the operator guard (src/adapters/http/guard.ts) before the routes (`atps serve`). */
  guard?: (app: FastifyInstance) => void;
  /** fastify request logging (default off) */
  logger?: boolean;
}

export function buildAtpsServer(opts: AtpsServerOptions = {}): FastifyInstance {
  const atps = opts.atps ?? new Atps();
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 64 * 1024 * 1024 });
  app.setReplySerializer((payload) => JSON.stringify(payload, jsonReplacer));
  opts.guard?.(app);
  app.setErrorHandler((err, _req, reply) => {
    const e = err as Error & { code?: string; validation?: unknown; statusCode?: number };
    if (e.validation) return reply.status(400).send({ error: 'ATPS_BAD_REQUEST', message: e.message });
    if (e instanceof PpmidRelayError)
      return reply.status(STATUS[e.code] ?? 422).send({ error: e.code, message: e.message });
    if (e instanceof RangeError) return reply.status(400).send({ error: 'BAD_REQUEST', message: e.message });
    if (e.statusCode && e.statusCode < 500)
      return reply.status(e.statusCode).send({ error: e.code ?? 'BAD_REQUEST', message: e.message });
    return reply.status(500).send({ error: 'INTERNAL', message: e.message });
  });

  type Id = { Params: { id: string } };
  const since = (q: unknown) => {
    const s = (q as { since?: string }).since;
    return s === undefined ? undefined : Number.parseInt(s, 10);
  };

  app.get('/openapi.json', async () => OPENAPI);
  app.get('/health', async () => ({ ok: true }));
  app.post('/reset', async () => {
    atps.reset();
    return { ok: true };
  });
  app.get('/homes', async () => atps.homeIds().map((id) => atps.homeInfo(id)));
  app.post<{ Body: CreateHomeRequest }>(
    '/homes',
    { schema: { body: SCHEMAS.CreateHome } },
    async (req, reply) => {
      const info = await atps.createHome(req.body);
      return reply.status(201).send(info);
    },
  );
  app.get<Id>('/homes/:id', async (req) => atps.homeInfo(req.params.id));
  app.delete<Id>('/homes/:id', async (req, reply) => {
    if (!atps.deleteHome(req.params.id))
      return reply.status(404).send({ error: 'ATPS_NO_SUCH_HOME', message: `no home ${req.params.id}` });
    return { ok: true };
  });
  app.post<Id>('/homes/:id/reset', async (req) => atps.resetHome(req.params.id));

  app.post<
    Id & {
      Body: {
        route: AtpsRoute;
        hex?: string;
        gbcs?: string;
        messages?: string[];
        requestId?: string;
        ttlMs?: number;
        envelopeId?: string;
        tamper?: InboxTamper;
        envelope?: string;
      } & InjectOptions;
    }
  >('/homes/:id/inject', { schema: { body: SCHEMAS.Inject } }, async (req) => {
    const b = req.body;
    const list = [
      ...(b.hex !== undefined ? [b.hex] : []),
      ...(b.gbcs !== undefined ? [b.gbcs] : []),
      ...(b.messages ?? []),
    ];
    if (b.route === 'ppmid-inbox') {
      const extra = {
        ...(b.requestId !== undefined ? { requestId: b.requestId } : {}),
        ...(b.ttlMs !== undefined ? { ttlMs: b.ttlMs } : {}),
        ...(b.envelopeId !== undefined ? { envelopeId: b.envelopeId } : {}),
        ...(b.tamper !== undefined ? { tamper: b.tamper } : {}),
      };
      const inputs: AtpsInboxInput[] = [
        ...list.map((gbcs) => ({ ...extra, gbcs: gbcs.replace(/\s+/g, '') })),
        ...(b.envelope !== undefined ? [{ envelope: b.envelope.replace(/\s+/g, '') }] : []),
      ];
      if (inputs.length === 0) throw new RangeError('give gbcs (or hex, messages), or envelope');
      return { results: atps.injectInbox(req.params.id, inputs, { settleMs: b.settleMs }) };
    }
    if (list.length === 0) throw new RangeError('give hex or messages');
    if (
      b.requestId !== undefined ||
      b.ttlMs !== undefined ||
      b.envelopeId !== undefined ||
      b.tamper !== undefined ||
      b.envelope !== undefined
    )
      throw new RangeError('requestId, ttlMs, envelopeId, tamper and envelope are for route ppmid-inbox');
    const bytes = list.map((h) => fromHex(h));
    return { results: atps.inject(req.params.id, b.route, bytes, { gbt: b.gbt, settleMs: b.settleMs }) };
  });
  app.post<Id & { Body: { value: number; valueClass?: UtrnValueClass } }>(
    '/homes/:id/utrn',
    { schema: { body: SCHEMAS.Utrn } },
    async (req) => atps.issueUtrn(req.params.id, req.body),
  );
  app.get<Id>('/homes/:id/ppmid', async (req) =>
    atps.ppmidStatus(req.params.id, { since: since(req.query) }),
  );
  app.post<Id & { Body: BackchannelAction }>(
    '/homes/:id/backchannel',
    { schema: { body: SCHEMAS.Backchannel } },
    async (req) => atps.backchannel(req.params.id, req.body),
  );
  app.post<Id & { Body: { action: BufferFeedAction; route?: 'wan' | 'hht' } }>(
    '/homes/:id/chm/buffer-feed',
    { schema: { body: SCHEMAS.BufferFeed } },
    async (req) => atps.bufferFeed(req.params.id, req.body.action, req.body.route ?? 'wan'),
  );
  app.get<Id>('/homes/:id/device-log', async (req) => atps.home(req.params.id).chf.deviceLog.snapshot());
  app.post<
    Id & {
      Body: {
        eui: string;
        deviceType: Exclude<DeviceType, 'HHT' | 'CHF' | 'GPF'>;
        installCode: string;
        relayEnabled?: boolean;
        via?: string;
      };
    }
  >('/homes/:id/device-log', { schema: { body: SCHEMAS.DeviceLogAdd } }, async (req) => {
    const b = req.body;
    const entry = {
      eui: normaliseEui(b.eui),
      deviceType: b.deviceType,
      installCode: fromHex(b.installCode),
      relayEnabled: b.relayEnabled,
    };
    if (b.via === 'provisioning') {
      const e = atps.provision(req.params.id, entry);
      return {
        via: 'provisioning',
        entry: { eui: e.eui, deviceType: e.deviceType, relayEnabled: e.relayEnabled },
      };
    }
    return { via: 'ccs01', result: atps.deviceLogCommand(req.params.id, { add: entry }) };
  });
  app.delete<{ Params: { id: string; eui: string }; Querystring: { via?: string } }>(
    '/homes/:id/device-log/:eui',
    async (req) => {
      const eui = normaliseEui(req.params.eui);
      if (req.query.via === 'provisioning')
        return { via: 'provisioning', removed: atps.unprovision(req.params.id, eui) };
      return { via: 'ccs02', result: atps.deviceLogCommand(req.params.id, { remove: eui }) };
    },
  );
  app.get<Id & { Querystring: { kind?: string } }>('/homes/:id/ch/events', async (req) =>
    atps.chEvents(req.params.id, { since: since(req.query), kind: req.query.kind }),
  );
  app.get<Id>('/homes/:id/alerts', async (req) => atps.alerts(req.params.id, { since: since(req.query) }));
  app.get<Id>('/homes/:id/wan/uplink', async (req) =>
    atps.wanUplink(req.params.id, { since: since(req.query) }),
  );
  app.get<{ Params: { id: string; eui: string } }>('/homes/:id/devices/:eui/events', async (req) =>
    atps.deviceEvents(req.params.id, req.params.eui),
  );
  app.get<Id>('/homes/:id/metrics', async (req) => atps.metrics(req.params.id));
  return app;
}

/** What `atps serve` answers without an operator: its OpenAPI document and health. */
export const ATPS_PUBLIC_PATHS: readonly string[] = ['/openapi.json', '/health'];

/** Starts the server; resolves with the address it listens on. */
export async function startAtpsServer(
  o: AtpsServerOptions & { port?: number; host?: string } = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildAtpsServer(o);
  const url = await app.listen({ port: o.port ?? 8090, host: o.host ?? '127.0.0.1' });
  return { app, url };
}
