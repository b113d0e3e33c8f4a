/**
 * The running system (issue 6): composition of every party, configuration,
 * keys, lifecycle, the start page. See docs/running.md.
 */
export * from './config.ts';
export * from './gated-clock.ts';
export * from './keys.ts';
export * from './ports.ts';
export * from './start-page.ts';
export * from './system.ts';
