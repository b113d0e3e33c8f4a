/**
 * The CSP's Communications Hub Manager (SECMP0038 CSP-2, CSP-3, CSP-4): CH
 * alert ingestion, Block / Unblock Buffer Feed, standalone tracking, A20
 * re-join, A22 isolated flag, DSP-4 logs, reports, HTTP + dashboard.
 * See docs/chm.md.
 */
export * from './chm.ts';
export * from './decode.ts';
export * from './errors.ts';
export * from './estate.ts';
export * from './http.ts';
export * from './reports.ts';
export * from './repository.ts';
export type { ChmTables } from './tables.ts';
