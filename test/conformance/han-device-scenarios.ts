/**
 * Device states for the RTDS ERROR examples of the GSME, CHF and GPF
 * (te-1-rtds-han-devices.test.ts): for each example, what is true of the
 * device (set through its backchannel before the command arrives) that
 * makes a real device answer with that error. The command itself is the
 * unchanged RTDS one.
 */
import type { Home } from '../../src/devices/home/home.ts';

export const SCENARIOS: Record<string, (home: Home) => void> = {};
