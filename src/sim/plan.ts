/**
 * The estate plan: which homes exist, their devices' Entity IDs and install
 * codes, and each Communications Hub's WAN class. A pure function of
 * (homes, WAN mix, seed), so every process of a split deployment (DSP, CHM,
 * supplier, estate: `ppmid-relay up --parties ...`) derives the same estate
 * without talking to the others: the DSP its inventory, the supplier its
 * premises, the estate its homes.
 *
 * Entity IDs: `00DB12345A` + the home index (5 hex digits) + a device nibble
 * that mirrors the RTDS estate (A0 ESME, A1 GSME, A2 CHF, A3 GPF, A4 PPMID):
 * home 0 is ESME 00DB12345A000000, GSME ...01, CHF ...02, GPF ...03, PPMID ...04;
 * home 1 is 00DB12345A000010 ... Up to 2^20 homes. A home planned with an
 * HCALCS (`hcalcsShare`, issue 12) has it at nibble 5 (home 0: ...05).
 */
import { createHash } from 'node:crypto';
import { type Eui, toHex } from '../runtime/bytes.ts';
import { ConfigError } from '../runtime/errors.ts';
import { SeededRandom } from '../runtime/random.ts';

/** The WAN of a home as the estate models it (SECMP0038 CSP-1 words: always, intermittent, none). */
export type HomeWanClass = 'reliable' | 'intermittent' | 'none';
export const HOME_WAN_CLASSES: readonly HomeWanClass[] = ['reliable', 'intermittent', 'none'];

/** How many homes of each WAN class. */
export type WanMix = Record<HomeWanClass, number>;

export interface PlannedHome {
  index: number;
  /** The supplier's premises id (`home-0007`). */
  premisesId: string;
  name: string;
  wanClass: HomeWanClass;
  esme: Eui;
  gsme: Eui;
  chf: Eui;
  gpf: Eui;
  ppmid: Eui;
  /**
   * The home's HAN Connected ALCS, when it has one (`hcalcsShare`): joined to
   * the CH, the ESME's auxiliary load switch 2 (docs/devices.md "HCALCS in a home").
   */
  hcalcs?: Eui;
  /** Install codes (16 bytes, without CRC) per HAN device: the APS link keys derive from them (CH-9). */
  installCodes: { esme: Uint8Array; gsme: Uint8Array; ppmid: Uint8Array; hcalcs?: Uint8Array };
}

export interface EstatePlan {
  seed: string;
  homes: PlannedHome[];
  /** The CSP region every CH of the estate belongs to (DSP-4 logs go per CSP). */
  csp: string;
}

export const ESTATE_EUI_PREFIX = '00DB12345A';
export const MAX_HOMES = 1 << 20;

/** Entity ID of device `nibble` (0 ESME, 1 GSME, 2 CHF, 3 GPF, 4 PPMID, 5 HCALCS) of home `index`. */
export function estateEui(index: number, nibble: number): Eui {
  if (!(Number.isInteger(index) && index >= 0 && index < MAX_HOMES))
    throw new ConfigError(`home index ${index} out of range 0..${MAX_HOMES - 1}`);
  return `${ESTATE_EUI_PREFIX}${index.toString(16).toUpperCase().padStart(5, '0')}${nibble.toString(16).toUpperCase()}`;
}

/** A reproducible 16-byte install code for a device (from the seed and its EUI). */
export function plannedInstallCode(seed: string, eui: Eui): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`install-code:${seed}:${eui}`).digest().subarray(0, 16));
}

/**
 * Parses a WAN mix: `reliable=17,intermittent=2,none=1` (counts), or shares
 * that sum to 1 (`reliable=0.85,intermittent=0.1,none=0.05`) scaled to
 * `homes`. Missing classes count 0. Counts must add up to `homes`.
 */
export function parseWanMix(text: string, homes: number): WanMix {
  const mix: WanMix = { reliable: 0, intermittent: 0, none: 0 };
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new ConfigError('--wan-mix is empty');
  const raw: Array<[HomeWanClass, number]> = [];
  for (const p of parts) {
    const m = /^([a-z]+)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(p);
    if (!m) throw new ConfigError(`--wan-mix: "${p}" is not CLASS=NUMBER`);
    const cls = (m[1] === 'absent' ? 'none' : m[1] === 'always' ? 'reliable' : m[1]) as HomeWanClass;
    if (!HOME_WAN_CLASSES.includes(cls))
      throw new ConfigError(`--wan-mix: class "${m[1]}" is not one of ${HOME_WAN_CLASSES.join(', ')}`);
    raw.push([cls, Number(m[2])]);
  }
  const fractional = raw.some(([, v]) => !Number.isInteger(v));
  if (fractional) {
    const sum = raw.reduce((a, [, v]) => a + v, 0);
    if (Math.abs(sum - 1) > 1e-6) throw new ConfigError(`--wan-mix shares add up to ${sum}, not 1`);
    let left = homes;
    for (const [cls, v] of raw) {
      const n = Math.min(left, Math.round(v * homes));
      mix[cls] += n;
      left -= n;
    }
    mix.reliable += left;
    return mix;
  }
  for (const [cls, v] of raw) mix[cls] += v;
  const total = mix.reliable + mix.intermittent + mix.none;
  if (total !== homes)
    throw new ConfigError(`--wan-mix counts add up to ${total} homes, but --homes is ${homes}`);
  return mix;
}

/** The default mix: about 85 % reliable, 10 % intermittent, one home with no WAN (when there are 3 or more). */
export function defaultWanMix(homes: number): WanMix {
  if (homes <= 0) return { reliable: 0, intermittent: 0, none: 0 };
  if (homes < 3) return { reliable: homes, intermittent: 0, none: 0 };
  const none = 1;
  const intermittent = Math.max(1, Math.round(homes * 0.1));
  return { reliable: homes - none - intermittent, intermittent, none };
}

export function formatWanMix(m: WanMix): string {
  return `reliable=${m.reliable},intermittent=${m.intermittent},none=${m.none}`;
}

export interface PlanOptions {
  homes: number;
  mix?: WanMix;
  seed?: string | number;
  csp?: string;
  /** Share of homes (0..1, default 0) with an HCALCS; which ones is drawn from the seed. */
  hcalcsShare?: number;
}

/**
 * The indices of the homes with an HCALCS: round(share x homes) of them, a
 * seeded shuffle of their own (`hcalcs:<seed>`), so the WAN classes and
 * every other draw of the plan are the same as without them.
 */
function hcalcsHomes(n: number, share: number, seed: string): Set<number> {
  if (!(typeof share === 'number' && share >= 0 && share <= 1))
    throw new ConfigError(`hcalcsShare must be a number in 0..1, got ${JSON.stringify(share)}`);
  const count = Math.round(share * n);
  if (count === 0) return new Set();
  const idx = Array.from({ length: n }, (_, i) => i);
  const rnd = new SeededRandom(`hcalcs:${seed}`);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return new Set(idx.slice(0, count));
}

/**
 * The estate plan. Which home gets which WAN class is a seeded shuffle, so
 * the intermittent and no-WAN homes are spread over the estate but the same
 * for a given seed. Home 0 is always reliable when any home is (so a smoke
 * check and a newcomer's first top-up have a well-behaved home to use).
 */
export function planEstate(o: PlanOptions): EstatePlan {
  const n = o.homes;
  if (!(Number.isInteger(n) && n >= 0 && n <= MAX_HOMES))
    throw new ConfigError(`--homes must be an integer 0..${MAX_HOMES}`);
  const seed = String(o.seed ?? 'ppmid-relay');
  const mix = o.mix ?? defaultWanMix(n);
  if (mix.reliable + mix.intermittent + mix.none !== n)
    throw new ConfigError(`the WAN mix ${formatWanMix(mix)} does not add up to ${n} homes`);
  const classes: HomeWanClass[] = [
    ...Array<HomeWanClass>(mix.intermittent).fill('intermittent'),
    ...Array<HomeWanClass>(mix.none).fill('none'),
    ...Array<HomeWanClass>(mix.reliable).fill('reliable'),
  ];
  const rnd = new SeededRandom(`plan:${seed}`);
  for (let i = classes.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [classes[i], classes[j]] = [classes[j], classes[i]];
  }
  if (mix.reliable > 0 && classes[0] !== 'reliable') {
    const j = classes.indexOf('reliable');
    [classes[0], classes[j]] = [classes[j], classes[0]];
  }
  const withHcalcs = hcalcsHomes(n, o.hcalcsShare ?? 0, seed);
  const homes: PlannedHome[] = classes.map((wanClass, index) => {
    const esme = estateEui(index, 0);
    const gsme = estateEui(index, 1);
    const ppmid = estateEui(index, 4);
    const hcalcs = withHcalcs.has(index) ? estateEui(index, 5) : undefined;
    return {
      index,
      premisesId: `home-${index.toString().padStart(4, '0')}`,
      name: `Home ${index}`,
      wanClass,
      esme,
      gsme,
      chf: estateEui(index, 2),
      gpf: estateEui(index, 3),
      ppmid,
      ...(hcalcs ? { hcalcs } : {}),
      installCodes: {
        esme: plannedInstallCode(seed, esme),
        gsme: plannedInstallCode(seed, gsme),
        ppmid: plannedInstallCode(seed, ppmid),
        ...(hcalcs ? { hcalcs: plannedInstallCode(seed, hcalcs) } : {}),
      },
    };
  });
  return { seed, homes, csp: o.csp ?? 'csp-north' };
}

/** Every device EUI of the plan (for key issuing). */
export function planDeviceEuis(plan: EstatePlan): Eui[] {
  return plan.homes.flatMap((h) => [h.esme, h.gsme, h.chf, h.gpf, h.ppmid, ...(h.hcalcs ? [h.hcalcs] : [])]);
}

/** A short fingerprint of a plan (logged, so two processes can be seen to agree). */
export function planFingerprint(plan: EstatePlan): string {
  const h = createHash('sha256');
  h.update(plan.seed);
  for (const p of plan.homes) h.update(`${p.chf}:${p.wanClass}${p.hcalcs ? `:${p.hcalcs}` : ''};`);
  return toHex(h.digest().subarray(0, 6));
}
