/**
 * OpenAPI 3.1 document of the DSP's HTTP face (http.ts): the DUIS endpoints
 * (XML, described by the DUIS XSD, not here), the relay-flag registration
 * (SECMP0038 C3, relay-registration.ts) and the read-only reports.
 */
const text = { 'text/plain': { schema: { type: 'string' } } };
const eui = { type: 'string', pattern: '^[0-9A-Fa-f]{2}(-?[0-9A-Fa-f]{2}){7}$' };
const duis = (summary: string) => ({
  post: {
    summary,
    requestBody: { required: true, content: { 'application/xml': { schema: { type: 'string' } } } },
    responses: {
      '200': { description: 'DUIS acknowledgement or response (signed XML)' },
      '400': { description: 'not DUIS, XSD invalid', content: text },
      '409': { description: 'Request ID counter replay', content: text },
      '415': { description: 'not application/xml', content: text },
    },
  },
});

export const DSP_OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'ppmid-relay DSP', version: '1' },
  paths: {
    '/api/v1/serviceS': duis('DUIS send command (CV 1, 3, 5, 7)'),
    '/api/v1/serviceT': duis('DUIS transform (CV 4)'),
    '/api/v1/serviceD': duis('DUIS DCC-only and local delivery (CV 2, 6, 8)'),
    '/api/v1/dsp/users/{eui}/ppmid-relay/{ppmid}': {
      put: {
        summary:
          "SECMP0038 C3 / SU-3: a supplier sets an enhanced PPMID's relay flag before its 8.11 Add (the DSP puts it in the CCS01 Device Log entry)",
        parameters: [
          { name: 'eui', in: 'path', required: true, schema: eui, description: 'the DCC user (supplier)' },
          { name: 'ppmid', in: 'path', required: true, schema: eui, description: 'the PPMID' },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['chf', 'enabled', 'signedAt', 'signature'],
                properties: {
                  chf: { ...eui, description: "the PPMID's Communications Hub" },
                  enabled: { type: 'boolean' },
                  signedAt: { type: 'integer', description: 'epoch ms; within 5 minutes of the DSP clock' },
                  signature: {
                    type: 'string',
                    contentEncoding: 'base64',
                    description:
                      'ECDSA P-256 / SHA-256 (DER) with the user\'s XML-signing key over "PUT <path>\\nchf=<CHF>\\nenabled=<bool>\\nsignedAt=<ms>\\n" (EUIs upper-case hex)',
                  },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'registered',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { ppmid: eui, enabled: { type: 'boolean' } } },
              },
            },
          },
          '400': { description: 'malformed body or EUI', content: text },
          '401': { description: 'unknown user or signature not verified', content: text },
          '403': {
            description:
              "suspended user, no supplier role, stale or replayed signature, wrong CH, or a PPMID outside the user's premises",
            content: text,
          },
          '404': { description: 'not a PPMID of the inventory', content: text },
        },
      },
    },
    '/api/v1/dsp/local-delivery': { get: { summary: 'DSP-4 local-delivery log of one CSP (CSV)' } },
    '/api/v1/dsp/charges': { get: { summary: 'DSP-5 charges (JSON or CSV)' } },
    '/api/v1/dsp/performance': { get: { summary: 'DSP-5 performance (JSON or CSV)' } },
    '/api/v1/dsp/requests/{requestId}': { get: { summary: 'one request record (JSON)' } },
    '/api/v1/dsp/status': { get: { summary: 'counts, outbox, journal, metrics (JSON)' } },
  },
} as const;
