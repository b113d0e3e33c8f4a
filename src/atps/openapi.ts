/**
 * The OpenAPI 3.1 document of the test automation API's HTTP server, and the
 * JSON schemas its routes validate with (one source for both).
 */
const eui = { type: 'string', pattern: '^[0-9A-Fa-f]{16}$', description: 'EUI-64, 16 hex digits' } as const;
const hex = { type: 'string', pattern: '^[0-9A-Fa-f\\s]*$', description: 'hex bytes' } as const;
const OUTCOMES = ['accepted-queued', 'forwarded', 'delivery-failed', 'expired', 'rejected'] as const;
const TAMPERS = ['none', 'signature', 'unsigned', 'unknown-key', 'wrong-ppmid', 'expired', 'gbcs'] as const;

export const SCHEMAS = {
  CreateHome: {
    type: 'object',
    required: ['profile'],
    additionalProperties: false,
    properties: {
      profile: { type: 'string', enum: ['rtds', 'generated'] },
      seed: { type: ['string', 'integer'] },
      start: { type: 'integer', description: 'virtual start time, epoch ms' },
      chf: {
        type: 'object',
        description: 'CHF configuration overrides (ChfConfig)',
        additionalProperties: { type: 'number' },
      },
      han: {
        type: 'object',
        additionalProperties: false,
        properties: {
          band: { type: 'string', enum: ['2.4GHz', 'subGHz'] },
          lossProbability: { type: 'number', minimum: 0, maximum: 0.99 },
          txQueueCapacity: { type: 'integer', minimum: 1 },
          airtimeWindowMs: { type: 'integer', minimum: 1 },
        },
      },
      esmeVariant: {
        type: 'string',
        enum: ['single', 'twin', 'polyphase'],
        description: "the ESME's GBCS variant (default single): a polyphase ESME has the per-phase objects",
      },
      ppmidRelayEnabled: { type: 'boolean' },
      hht: { type: 'boolean' },
      hcalcs: {
        type: 'boolean',
        description:
          "the profile's HCALCS in the home, joined to the CH; the ESME's ALCS commands (ECS47/47a/47b) drive its switch over the HAN (default false)",
      },
      wan: {
        type: 'object',
        description: 'the home SM WAN (dcc/wan model)',
        additionalProperties: false,
        properties: {
          class: { type: 'string', enum: ['always', 'intermittent', 'none'] },
          lossUp: { type: 'number', minimum: 0, maximum: 0.99 },
          lossDown: { type: 'number', minimum: 0, maximum: 0.99 },
        },
      },
    },
  },
  Inject: {
    type: 'object',
    required: ['route'],
    additionalProperties: false,
    properties: {
      route: {
        type: 'string',
        enum: ['ppmid', 'wan', 'hht', 'ppmid-inbox'],
        description:
          'ppmid: raw bytes from the PPMID node (no checks); wan: through the CSP and the SM WAN; hht: from a joined HHT; ppmid-inbox: a supplier-signed envelope into the PPMID internet inbox, through its PP-2 checks',
      },
      hex: { ...hex, description: 'one GBCS message' },
      gbcs: { ...hex, description: 'ppmid-inbox: the Command for Local Delivery (same as hex)' },
      requestId: {
        type: 'string',
        description: 'ppmid-inbox: DUIS RequestID (originator:target:counter); default derived from the GBCS',
      },
      ttlMs: { type: 'integer', minimum: 1, description: 'ppmid-inbox: validity from now, default 1 hour' },
      envelopeId: {
        type: 'string',
        pattern: '^[0-9A-Fa-f]{32}$',
        description: 'ppmid-inbox: 16-byte envelope id; default derived from the RequestID',
      },
      envelope: {
        ...hex,
        description:
          "ppmid-inbox: exact envelope bytes to deliver again (an earlier result's envelope: a QoS 1 redelivery or supplier retry)",
      },
      tamper: {
        type: 'string',
        enum: TAMPERS,
        description:
          'ppmid-inbox: spoil the envelope to exercise PP-2 (signature: a flipped signature bit; unsigned: zero signature; unknown-key: another key id; wrong-ppmid: another PPMID; expired: validity in the past; gbcs: a changed GBCS byte after signing)',
      },
      messages: {
        type: 'array',
        items: hex,
        maxItems: 10_000,
        description: 'several GBCS messages, injected in order',
      },
      gbt: { type: 'string', enum: ['auto', 'never'] },
      settleMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
    },
  },
  Backchannel: {
    type: 'object',
    required: ['action'],
    additionalProperties: false,
    properties: {
      action: {
        type: 'string',
        enum: [
          'wan-down',
          'wan-up',
          'ch-reboot',
          'ppmid-offline',
          'ppmid-online',
          'device-offline',
          'device-online',
          'advance',
          'hht-join',
          'gsme-poll',
          'ppmid-ota',
          'ppmid-utrn',
          'ppmid-emergency-credit',
          'ppmid-display',
          'ppmid-restart',
        ],
      },
      ms: { type: 'integer', minimum: 0, maximum: 31_536_000_000 },
      eui,
      hex,
      utrn: {
        type: 'string',
        pattern: '^[0-9\\s-]{1,40}$',
        description:
          'ppmid-utrn: the UTRN the customer types (20 digits; checked by the PPMID, then the GSME)',
      },
      value: {
        type: 'integer',
        minimum: 0,
        maximum: 8191,
        description: 'ppmid-utrn without utrn: the ATPS issues a UTRN of this value as the supplier',
      },
      valueClass: { type: 'string', enum: ['pounds', 'pennies'] },
      poll: {
        type: 'boolean',
        description:
          'ppmid-utrn / ppmid-emergency-credit: wake the GSME to fetch the PCS message from the CH mailbox (default true)',
      },
      radio: {
        type: 'boolean',
        description: 'ppmid-restart: power-cycle the radio too, so the PPMID rejoins (default true)',
      },
    },
  },
  Utrn: {
    type: 'object',
    required: ['value'],
    additionalProperties: false,
    properties: {
      value: { type: 'integer', minimum: 0, maximum: 8191 },
      valueClass: { type: 'string', enum: ['pounds', 'pennies'] },
    },
  },
  BufferFeed: {
    type: 'object',
    required: ['action'],
    additionalProperties: false,
    properties: {
      action: { type: 'string', enum: ['block', 'unblock'] },
      route: { type: 'string', enum: ['wan', 'hht'] },
    },
  },
  DeviceLogAdd: {
    type: 'object',
    required: ['eui', 'deviceType', 'installCode'],
    additionalProperties: false,
    properties: {
      eui,
      deviceType: { type: 'string', enum: ['ESME', 'GSME', 'HCALCS', 'PPMID', 'Type2'] },
      installCode: hex,
      relayEnabled: { type: 'boolean' },
      via: {
        type: 'string',
        enum: ['ccs01', 'provisioning'],
        description: 'CCS01 over the WAN (default) or the provisioning API',
      },
    },
  },
  InjectResult: {
    type: 'object',
    properties: {
      source: { type: 'string' },
      route: { type: 'string' },
      ppmidDecision: {
        type: ['string', 'null'],
        enum: [...OUTCOMES, null],
        description:
          'ppmid-inbox: the PPMID decision (a repeated envelope: its latest outcome); null on other routes',
      },
      ppmidReason: {
        type: ['string', 'null'],
        description: 'ppmid-inbox: PPMID_REASONS code when refused (docs/ppmid.md 3); null otherwise',
      },
      chDecision: { type: ['string', 'null'], enum: ['delivered', 'queued', 'discarded', null] },
      chReason: { type: ['string', 'null'] },
      target: { type: ['string', 'null'] },
      targetType: { type: ['string', 'null'] },
      alerts: { type: 'array', items: { type: 'string' } },
      deviceDecision: { type: ['string', 'null'], enum: ['accepted', 'rejected', null] },
      deviceReason: { type: ['string', 'null'] },
      useCase: { type: ['string', 'null'] },
      response: { type: ['string', 'null'] },
      responseRoute: { type: ['string', 'null'], enum: ['wan', 'hht', null] },
      chEvents: { type: 'array', items: { type: 'integer' } },
      envelopeId: { type: 'string', description: 'ppmid-inbox only' },
      statusReports: {
        type: 'array',
        items: { type: 'string', enum: OUTCOMES },
        description: 'ppmid-inbox only: outcomes of the status reports for this envelope, in order',
      },
      statusReportDetails: {
        type: 'array',
        items: { type: 'object' },
        description:
          "ppmid-inbox only: the reports (sequence, reason, attempts, detail, signatureValid, creditRead, hex); after a relayed top-up a second `forwarded` report carries the PPMID's HAN read of the meter's credit (creditRead)",
      },
      ppmidDetail: { type: 'string' },
      requestId: { type: ['string', 'null'] },
      repeated: { type: 'boolean' },
      envelope: { type: 'string', description: 'ppmid-inbox only: the envelope as sent, hex' },
    },
  },
} as const;

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const sinceParam = {
  name: 'since',
  in: 'query',
  required: false,
  schema: { type: 'integer' },
  description: 'only entries with a larger seq',
};
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: unknown = { type: 'object' }) => ({
  200: { description, ...json(schema) },
});

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'ppmid-relay test automation API',
    version: '0.1.0',
    description:
      'SECMP0038 TE-1/TE-2: homes (CHF+GPF, ESME, GSME, enhanced PPMID on a modelled HAN) on virtual time; inject raw GBCS via the PPMID, the SM WAN or an HHT, or a supplier-signed envelope into the PPMID internet inbox (ppmid-inbox); drive a backchannel (including the PPMID customer: UTRN, emergency credit, display; PPMID restart); read the CH event log, alerts, WAN uplink, device logs and PPMID status reports. Provisional SECMP0038 codes are marked as such.',
  },
  components: { schemas: SCHEMAS },
  paths: {
    '/openapi.json': { get: { summary: 'this document', responses: ok('OpenAPI document') } },
    '/health': { get: { summary: 'liveness', responses: ok('ok') } },
    '/reset': { post: { summary: 'delete every home', responses: ok('reset') } },
    '/homes': {
      get: { summary: 'list homes', responses: ok('homes', { type: 'array', items: { type: 'object' } }) },
      post: {
        summary: 'create a home from a profile',
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/CreateHome' }) },
        responses: { 201: { description: 'home created', ...json({ type: 'object' }) } },
      },
    },
    '/homes/{id}': {
      get: { summary: 'home status', parameters: [idParam], responses: ok('home') },
      delete: { summary: 'delete a home', parameters: [idParam], responses: ok('deleted') },
    },
    '/homes/{id}/reset': {
      post: {
        summary: 'rebuild the home from its creation request',
        parameters: [idParam],
        responses: ok('home'),
      },
    },
    '/homes/{id}/inject': {
      post: {
        summary:
          'inject GBCS through a route (ppmid | wan | hht raw; ppmid-inbox as a signed envelope through PP-2)',
        parameters: [idParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Inject' }) },
        responses: ok('one result per message', {
          type: 'object',
          properties: { results: { type: 'array', items: { $ref: '#/components/schemas/InjectResult' } } },
        }),
      },
    },
    '/homes/{id}/backchannel': {
      post: {
        summary:
          'WAN down/up, CH reboot, PPMID/device offline/online, advance virtual time, HHT join, GSME poll, PPMID OTA attempt; PPMID customer: ppmid-utrn, ppmid-emergency-credit, ppmid-display; ppmid-restart (snapshot, restore, rejoin)',
        parameters: [idParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Backchannel' }) },
        responses: ok('done'),
      },
    },
    '/homes/{id}/utrn': {
      post: {
        summary:
          "issue a UTRN for the home's GSME as its supplier would (next top-up counter); type it with backchannel ppmid-utrn",
        parameters: [idParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Utrn' }) },
        responses: ok('utrn, counter, device, supplier, value, valueClass'),
      },
    },
    '/homes/{id}/ppmid': {
      get: {
        summary:
          'the enhanced PPMID: display, outbox, status reports recorded (signature checked), supplier id, reporting public key (PEM)',
        parameters: [idParam, { ...sinceParam, description: 'only reports with a larger n' }],
        responses: ok('PPMID status'),
      },
    },
    '/homes/{id}/chm/buffer-feed': {
      post: {
        summary:
          'CH-6: the CHM sends Block / Unblock Buffer Feed (PROVISIONAL codes), signed by the WAN provider',
        parameters: [idParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/BufferFeed' }) },
        responses: ok('inject result', { $ref: '#/components/schemas/InjectResult' }),
      },
    },
    '/homes/{id}/device-log': {
      get: {
        summary: 'the CHF Device Log',
        parameters: [idParam],
        responses: ok('entries', { type: 'array' }),
      },
      post: {
        summary: 'add an entry: CCS01 over the WAN (default) or the provisioning API',
        parameters: [idParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/DeviceLogAdd' }) },
        responses: ok('result'),
      },
    },
    '/homes/{id}/device-log/{eui}': {
      delete: {
        summary: 'remove an entry: CCS02 over the WAN (default) or ?via=provisioning',
        parameters: [
          idParam,
          { name: 'eui', in: 'path', required: true, schema: eui },
          { name: 'via', in: 'query', schema: { type: 'string', enum: ['ccs02', 'provisioning'] } },
        ],
        responses: ok('result'),
      },
    },
    '/homes/{id}/ch/events': {
      get: {
        summary: 'CH event log (every routing decision with its reason, alerts, tunnels, joins, uplink)',
        parameters: [idParam, sinceParam, { name: 'kind', in: 'query', schema: { type: 'string' } }],
        responses: ok('events', { type: 'array' }),
      },
    },
    '/homes/{id}/alerts': {
      get: {
        summary: 'alerts the CH raised (hex, decoded detail)',
        parameters: [idParam, sinceParam],
        responses: ok('alerts', { type: 'array' }),
      },
    },
    '/homes/{id}/wan/uplink': {
      get: {
        summary: 'what reached the CSP over the SM WAN',
        parameters: [idParam, sinceParam],
        responses: ok('uplink', { type: 'array' }),
      },
    },
    '/homes/{id}/devices/{eui}/events': {
      get: {
        summary: "a device's application and HAN node logs",
        parameters: [idParam, { name: 'eui', in: 'path', required: true, schema: eui }],
        responses: ok('events'),
      },
    },
    '/homes/{id}/metrics': {
      get: {
        summary: 'counters and gauges (depth, high-water marks)',
        parameters: [idParam],
        responses: ok('metrics'),
      },
    },
  },
} as const;
