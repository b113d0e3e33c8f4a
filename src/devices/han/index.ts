/**
 * The HAN medium of a home (ARCHITECTURE.md port `HanMedium`): shared
 * channel, airtime and duty cycle, fragmentation with APS security, loss and
 * retries, on the injected Clock; and the node layer on top of it (the CH
 * radio, tunnel-server devices, the sleepy GSME).
 */
export * from './airtime.ts';
export * from './errors.ts';
export * from './medium.ts';
export * from './node.ts';
export * from './node-ch.ts';
export * from './node-device.ts';
export * from './node-gsme.ts';
export * from './phy.ts';
export * from './tunnel-transfer.ts';
