/**
 * The DCC Data Service Provider service (SECMP0038 DSP-1..DSP-6): DUIS in,
 * GBCS out over the SM WAN or for local delivery, responses matched once,
 * local-delivery logs for the CSPs, charges and performance reports.
 * The DUIS -> GBCS transform is in ./transform (import it from there).
 * See docs/dsp.md.
 */
export * from './charges.ts';
export * from './delivery.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './inventory.ts';
export * from './local-delivery-csv.ts';
export * from './local-delivery-log.ts';
export * from './reports.ts';
export * from './requests.ts';
export * from './service.ts';
export * from './tables.ts';
export * from './users.ts';
export * from './xsd-batch.ts';
