/**
 * The internet leg's own formats (SECMP0038 PP-1, PP-2, SU-2): the supplier ->
 * PPMID delivery envelope and the PPMID -> supplier status report. A pure
 * codec used by the PPMID (devices/ppmid) and the supplier service. See
 * docs/ppmid.md for the layouts and the reason codes.
 */
export * from './envelope.ts';
export * from './errors.ts';
export * from './keys.ts';
export * from './reasons.ts';
export * from './status.ts';
