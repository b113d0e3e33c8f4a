/**
 * The DCC's internal ports over HTTP for a split deployment: CspDownlink /
 * ChmDownlink to an SM WAN in another process, and the SM WAN's DSP and CHM
 * sinks in other processes. See docs/running.md "Separate processes".
 */

export * from './post-journal.ts';
export * from './wan-link.ts';
