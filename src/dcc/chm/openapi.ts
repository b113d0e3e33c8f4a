/** The OpenAPI 3.1 document of the CHM's HTTP API (served at GET /api/openapi.json). */

const eui = { type: 'string', pattern: '^[0-9A-Fa-f]{16}$', description: 'EUI-64, 16 hex digits' };
const time = {
  type: 'string',
  description: 'epoch milliseconds, YYYY-MM-DD (UTC midnight) or an ISO 8601 instant',
};
const q = (name: string, schema: object, description: string) => ({ name, in: 'query', schema, description });
const chfPath = { name: 'chf', in: 'path', required: true, schema: eui };
const alertFilter = [
  q('chf', eui, 'only this CH'),
  q('type', { type: 'string' }, 'alert types, comma-separated (see /api/alert-types)'),
  q('from', time, 'received at or after'),
  q('to', time, 'received before'),
  q('verified', { type: 'string', enum: ['true', 'false'] }, 'only verified / unverified alerts'),
];
const period = [
  q('from', time, 'period start (inclusive)'),
  q('to', time, 'period end (exclusive)'),
  q('period', { type: 'string', enum: ['day', 'month'] }, 'billing period (default month)'),
];
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const csvResponse = {
  description: 'CSV download (RFC 4180)',
  content: { 'text/csv': { schema: { type: 'string' } } },
};
const errors = {
  '400': json(ref('Error'), 'bad request (CHM_BAD_REQUEST)'),
  '404': json(ref('Error'), 'unknown CH (CHM_UNKNOWN_CH)'),
  '409': json(
    ref('Error'),
    'refused in the CH state (CHM_NOT_STANDALONE, CHM_NOT_CLEARED, CHM_COMMAND_PENDING, CHM_ALREADY_STANDALONE)',
  ),
  '503': json(ref('Error'), 'no SM WAN attached (CHM_NO_WAN)'),
};
const operatorBody = {
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['operator'],
        properties: { operator: { type: 'string' }, note: { type: 'string' } },
      },
    },
  },
};

export const CHM_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'ppmid-relay Communications Hub Manager',
    version: '0.1.0',
    description:
      'The CSP Communications Hub Manager of SECMP0038 (CSP-2, CSP-3, CSP-4): CH alerts (PPMID Connected, ' +
      'PPMID Relay Rejected, buffer full, standalone), Block / Unblock Buffer Feed, standalone CHs, re-join ' +
      '(A20), isolated flag (A22), DSP-4 local-delivery logs, billing and performance exclusion reports. ' +
      'Alert and command codes are PROVISIONAL (SECMP0038 allocated none).',
  },
  paths: {
    '/api/health': {
      get: {
        summary: 'liveness and whether an SM WAN is attached',
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/alert-types': {
      get: { summary: 'alert types the CHM decodes', responses: { '200': json({ type: 'object' }) } },
    },
    '/api/alerts': {
      get: {
        summary: 'CH alerts, newest first',
        parameters: [
          ...alertFilter,
          q('limit', { type: 'integer', maximum: 5000 }, 'default 200'),
          q('offset', { type: 'integer' }, 'default 0'),
        ],
        responses: {
          '200': json({
            type: 'object',
            properties: {
              total: { type: 'integer' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
              alerts: { type: 'array', items: ref('Alert') },
            },
          }),
          '400': errors['400'],
        },
      },
    },
    '/api/alerts.csv': {
      get: { summary: 'the same view as CSV', parameters: alertFilter, responses: { '200': csvResponse } },
    },
    '/api/alerts/{id}': {
      get: {
        summary: 'one alert with its GBCS bytes',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        responses: { '200': json(ref('Alert')), '404': json(ref('Error')) },
      },
    },
    '/api/events': {
      get: {
        summary:
          'live updates (Server-Sent Events): events alert (filtered like /api/alerts), ch, command, import',
        parameters: alertFilter,
        responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } } },
      },
    },
    '/api/chs': {
      get: {
        summary: 'the CHs the CHM knows',
        parameters: [
          q(
            'mode',
            { type: 'string' },
            'normal, block-pending, standalone, unblock-pending (comma-separated)',
          ),
          q('ranIsolated', { type: 'string', enum: ['true', 'false'] }, 'A22 flag'),
        ],
        responses: {
          '200': json({ type: 'object', properties: { chs: { type: 'array', items: ref('Ch') } } }),
        },
      },
    },
    '/api/chs.csv': { get: { summary: 'the same view as CSV', responses: { '200': csvResponse } } },
    '/api/chs/standalone': {
      get: {
        summary: 'CHs in standalone mode (CSP-3 report)',
        responses: {
          '200': json({ type: 'object', properties: { chs: { type: 'array', items: ref('Ch') } } }),
        },
      },
    },
    '/api/chs/standalone.csv': {
      get: { summary: 'the standalone report as CSV', responses: { '200': csvResponse } },
    },
    '/api/chs/{chf}': {
      get: {
        summary: 'one CH with its isolation periods and recent commands',
        parameters: [chfPath],
        responses: { '200': json(ref('Ch')), '404': errors['404'] },
      },
    },
    '/api/chs/{chf}/returns-record': {
      get: {
        summary: 'A22: ran isolated, periods, default fault reason for the CH returns process',
        parameters: [chfPath],
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/chs/{chf}/block': {
      post: {
        summary: 'send Block Buffer Feed (the CH goes standalone)',
        parameters: [chfPath],
        requestBody: operatorBody,
        responses: { '202': json(ref('Command'), 'queued on the SM WAN'), ...errors },
      },
    },
    '/api/chs/{chf}/clear': {
      post: {
        summary: 'A20: mark a standalone CH cleared (security concern addressed)',
        parameters: [chfPath],
        requestBody: operatorBody,
        responses: { '200': json(ref('Ch')), ...errors },
      },
    },
    '/api/chs/{chf}/unblock': {
      post: {
        summary: 'send Unblock Buffer Feed (re-join; only once cleared)',
        parameters: [chfPath],
        requestBody: operatorBody,
        responses: { '202': json(ref('Command'), 'queued on the SM WAN'), ...errors },
      },
    },
    '/api/commands': {
      get: {
        summary: 'Block / Unblock commands, newest first',
        parameters: [q('chf', eui, 'only this CH'), q('limit', { type: 'integer' }, 'default 200')],
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/reports/alerts-per-day': {
      get: {
        summary: 'alerts per CH per type per UTC day (3.1.3)',
        parameters: alertFilter,
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/reports/alerts-per-day.csv': {
      get: { summary: 'as CSV', parameters: alertFilter, responses: { '200': csvResponse } },
    },
    '/api/reports/billing': {
      get: {
        summary: 'local deliveries per DCC user per period (CSP-4)',
        parameters: period,
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/reports/billing.csv': {
      get: { summary: 'as CSV', parameters: period, responses: { '200': csvResponse } },
    },
    '/api/reports/performance': {
      get: {
        summary: 'performance exclusion list: PPMID-delivered SRs and isolated CHs (PIA 5.1, A21)',
        parameters: period,
        responses: { '200': json({ type: 'object' }) },
      },
    },
    '/api/reports/performance.csv': {
      get: { summary: 'as CSV', parameters: period, responses: { '200': csvResponse } },
    },
    '/api/dsp-logs': {
      get: { summary: 'DSP-4 files loaded so far', responses: { '200': json({ type: 'object' }) } },
      post: {
        summary: 'load one DSP-4 local-delivery log file',
        parameters: [q('fileName', { type: 'string' }, 'the file name (or header x-file-name)')],
        requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
        responses: {
          '201': json(ref('Import'), 'loaded'),
          '200': json(ref('Import'), 'this exact file was loaded before'),
          '422': json(ref('Error'), 'not a valid DSP-4 file (CHM_IMPORT)'),
        },
      },
    },
  },
  components: {
    schemas: {
      Error: { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } },
      Alert: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          receivedAt: { type: 'integer' },
          alertAt: { type: ['integer', 'null'] },
          chf: eui,
          originator: eui,
          counter: { type: 'string' },
          messageCode: { type: 'integer' },
          alertCode: { type: ['integer', 'null'] },
          alertType: { type: 'string' },
          name: { type: 'string' },
          critical: { type: 'boolean' },
          provisional: { type: 'boolean' },
          ppmid: { type: ['string', 'null'] },
          reason: { type: ['string', 'null'] },
          target: { type: ['string', 'null'] },
          detail: { type: 'object' },
          signature: { type: 'string', enum: ['valid', 'invalid', 'absent', 'no-key'] },
          mac: { type: 'string', enum: ['valid', 'invalid', 'absent', 'no-key'] },
          verified: { type: 'boolean' },
        },
      },
      Ch: {
        type: 'object',
        properties: {
          chf: eui,
          mode: { type: 'string', enum: ['normal', 'block-pending', 'standalone', 'unblock-pending'] },
          modeSince: { type: 'integer' },
          standaloneSince: { type: ['integer', 'null'] },
          cleared: { type: 'boolean' },
          clearedAt: { type: ['integer', 'null'] },
          clearedBy: { type: ['string', 'null'] },
          ranIsolated: { type: 'boolean' },
          ppmidConnected: { type: 'integer' },
          relayRejected: { type: 'integer' },
          lastAlertAt: { type: ['integer', 'null'] },
        },
      },
      Command: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          chf: eui,
          action: { type: 'string', enum: ['block', 'unblock'] },
          requestId: { type: 'string' },
          counter: { type: 'string' },
          operator: { type: 'string' },
          status: {
            type: 'string',
            enum: ['queued', 'delivered', 'succeeded', 'failed', 'expired', 'dropped', 'unknown-ch'],
          },
          gbcsHex: { type: 'string' },
        },
      },
      Import: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          fileName: { type: 'string' },
          sha256: { type: 'string' },
          rows: { type: 'integer' },
          added: { type: 'integer' },
          duplicates: { type: 'integer' },
          alreadyImported: { type: 'boolean' },
        },
      },
    },
  },
} as const;
