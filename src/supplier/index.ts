/**
 * The supplier (DCC Service User) of SECMP0038: DUIS client and Receive
 * Response Service, route planner (SU-1), command tracker (SU-2), PPMID
 * provisioning (SU-3), HTTP API. See docs/supplier.md.
 */
export * from './config.ts';
export * from './duis-client.ts';
export * from './errors.ts';
export * from './http.ts';
export * from './keys.ts';
export * from './model.ts';
export * from './ppmid-leg.ts';
export * from './route-planner.ts';
export * from './service.ts';
export * from './store.ts';
export type { SupplierTables } from './tables.ts';
export * from './tracker.ts';
