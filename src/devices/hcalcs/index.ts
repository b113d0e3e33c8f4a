/** The HCALCS emulator (Type 1 HAN Connected Auxiliary Load Control Switch). See docs/devices.md. */
export * from './hcalcs.ts';
