/**
 * The estate simulator: plan (homes, Entity IDs, WAN mix), the estate
 * builder (homes with CH, ESME, GSME and an enhanced PPMID; SU-3
 * provisioning), workloads. See docs/running.md.
 */
export * from './estate.ts';
export * from './plan.ts';
export * from './ports.ts';
export * from './workload.ts';
