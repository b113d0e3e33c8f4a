/**
 * The HAN medium of a home (ARCHITECTURE.md port `HanMedium`): shared
 * channel, airtime and duty cycle, fragmentation with APS security, loss and
 * retries, on the injected Clock.
 */
export * from './airtime.ts';
export * from './errors.ts';
export * from './medium.ts';
export * from './phy.ts';
export * from './tunnel-transfer.ts';
