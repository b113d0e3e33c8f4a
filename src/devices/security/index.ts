/** Device security shared by every HAN device emulator (ESME, GSME, CHF, PPMID): see docs/devices.md. */
export * from './authority.ts';
export * from './credentials.ts';
export * from './device-security.ts';
export * from './profiles.ts';
