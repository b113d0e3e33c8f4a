/**
 * The enhanced PPMID (SECMP0038 PP-1..PP-5): relay with PP-2 checks, durable
 * outbox, duty-cycle discipline, display and customer top-up. See docs/ppmid.md.
 */
export * from './atps.ts';
export * from './checks.ts';
export * from './errors.ts';
export * from './firmware.ts';
export * from './internet.ts';
export * from './ppmid.ts';
export * from './provision.ts';
export * from './topup.ts';
