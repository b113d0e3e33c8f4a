/**
 * The test automation API (SECMP0038 TE-1, TE-2): in process (Atps), over
 * HTTP (buildAtpsServer / startAtpsServer, OpenAPI at /openapi.json) and on
 * the command line (`ppmid-relay atps serve | inject`). See docs/atps.md.
 */
export * from './api.ts';
export * from './commands.ts';
export * from './csp-tap.ts';
export * from './devices.ts';
export * from './http.ts';
export * from './openapi.ts';
