/**
 * OpenAPI 3.1 document of the DSP's HTTP face (http.ts): the DUIS endpoints
 * (XML, described by the DUIS XSD, not here; which SRVs each URL takes is
 * derived from the SRV table, srv-table.ts, as `x-service-requests`), the
 * relay-flag registration (SECMP0038 C3, relay-registration.ts) and the
 * read-only reports.
 */
import type { CommandVariant } from '../../duis/index.ts';
import { ENDPOINT_COMMAND_VARIANTS } from './service.ts';
import { srvSupported, srvTable } from './srv-table.ts';

const text = { 'text/plain': { schema: { type: 'string' } } };
const eui = { type: 'string', pattern: '^[0-9A-Fa-f]{2}(-?[0-9A-Fa-f]{2}){7}$' };
/** The SRVs (and their CVs) a DUIS URL takes, from the SRV table. */
function srvsFor(cvs: readonly CommandVariant[]) {
  return srvTable()
    .map((e) => ({
      srv: e.srv,
      name: e.name,
      supported: srvSupported(e.srv),
      commandVariants: e.commandVariants.filter((cv) => cvs.includes(cv)),
      roles: [...e.roles],
    }))
    .filter((x) => x.commandVariants.length > 0);
}

const duis = (summary: string, cvs: readonly CommandVariant[]) => ({
  post: {
    summary,
    description:
      'A signed DUIS Service Request (the DUIS V5.4 XSD). `x-service-requests` lists the SRVs this URL takes (derived from the DSP SRV table); an SRV the DSP does not answer yet is refused with DUIS E11, a role not eligible with E2.',
    'x-service-requests': srvsFor(cvs),
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
    '/api/v1/serviceS': duis('DUIS send command (CV 1, 3, 5, 7)', ENDPOINT_COMMAND_VARIANTS.serviceS),
    '/api/v1/serviceT': duis('DUIS transform (CV 4)', ENDPOINT_COMMAND_VARIANTS.serviceT),
    '/api/v1/serviceD': duis(
      'DUIS DCC-only and local delivery (CV 2, 6, 8)',
      ENDPOINT_COMMAND_VARIANTS.serviceD,
    ),
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
