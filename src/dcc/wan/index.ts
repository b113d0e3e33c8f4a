/**
 * The CSP's SM WAN model (SECMP0038 CSP-1): per-CH availability, latency and
 * loss on the Clock; ChWanPort for each CH, CspDownlink for the DSP, uplink
 * routing to the DSP and the CHM. See docs/wan.md.
 */
export * from './downlink-journal.ts';
export * from './errors.ts';
export * from './models.ts';
export * from './routing.ts';
export * from './sm-wan.ts';
