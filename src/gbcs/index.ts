/**
 * The GBCS codec and security, usable on its own: decode/encode Remote Party
 * Messages, peek routing facts, GBT, MAC/signature/payload crypto, key stores,
 * UTRNs; plus the payload codecs (./payload) and the code tables (./codes),
 * re-exported so one import gives the whole GBCS stack. See docs/gbcs.md.
 */

export * from './acceptance.ts';
export * from './codes/alert-codes.ts';
export * from './codes/message-codes.ts';
export * from './codes/provisional.ts';
export * from './crypto.ts';
export * from './decode.ts';
export * from './der.ts';
export * from './encode.ts';
export * from './errors.ts';
export * from './gbt.ts';
export * from './inspect.ts';
export * from './keystore.ts';
export * from './keystore-dir.ts';
export * from './payload/index.ts';
export * from './peek.ts';
export * from './pki.ts';
export * from './security.ts';
export * from './types.ts';
export * from './use-cases/index.ts';
export * from './utrn.ts';
