/**
 * The Communications Hub Function (with its GPF): Device Log, GBCS 10.8.2
 * routing, buffers, alerts, Block / Unblock Buffer Feed. See docs/chf.md.
 */
export * from './alerts.ts';
export * from './chf.ts';
export * from './device-log.ts';
export * from './routing.ts';
