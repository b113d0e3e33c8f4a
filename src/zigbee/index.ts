/**
 * Pure ZigBee codecs and security for the SMHAN: ZCL header, Tunneling
 * cluster (0x0704), GSME mailbox commands, APS frames with fragmentation and
 * link-key security, install-code keys and replay protection. No I/O, no
 * clock, no globals.
 */
export * from './aps.ts';
export * from './errors.ts';
export * from './fragmentation.ts';
export * from './gsme-mailbox.ts';
export * from './replay.ts';
export * from './security.ts';
export * from './tunnel.ts';
export * from './zcl.ts';
