/**
 * Simulator scenarios (TE-3): one business-case question each, answered
 * with a number by running the estate (src/sim/runner.ts) in one or more
 * arms (variants compared on the same homes, seed and workload).
 *
 * A scenario is a small JSON or YAML document; the built-in ones live in
 * `BUILT_IN_SCENARIOS`. Validation names the field that is wrong
 * (`scenario.wan.intermittentShare must be a number in 0..1`), so a user
 * editing a file sees where. Sweeps run the same scenario over a grid of
 * one or two parameters (dotted paths into the scenario).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../runtime/errors.ts';

export type ScenarioKind = 'benefit' | 'buffers' | 'attack' | 'han-load';
export const SCENARIO_KINDS: readonly ScenarioKind[] = ['benefit', 'buffers', 'attack', 'han-load'];

/** How the supplier routes the scenario's orders in one arm (SU-1 `auto`, or one route forced). */
export type ArmRoute = 'wan' | 'race' | 'ppmid' | 'auto';
const ARM_ROUTES: readonly ArmRoute[] = ['wan', 'race', 'ppmid', 'auto'];

export interface Arm {
  name: string;
  route: ArmRoute;
  /** CH-7 (token bucket and airtime cap per PPMID) on; default true. */
  ch7?: boolean;
  /** HAN band of every home (C4); default 2.4GHz. */
  band?: '2.4GHz' | 'subGHz';
  /** CH uplink buffer size (messages, CH-8); default the CHF default (256). */
  uplinkCapacity?: number;
}

export interface Scenario {
  name: string;
  kind: ScenarioKind;
  /** The question, as the report shows it. */
  question: string;
  /** Default estate size and length (the command line overrides them). */
  homes: number;
  days: number;
  wan: {
    /** Share of homes whose SM WAN comes and goes (the proposer's figure: about 9 %). */
    intermittentShare: number;
    /** Share of homes with no SM WAN at all. */
    noneShare: number;
    /** Mean up and down periods of an intermittent WAN (hours, exponential). */
    meanUpHours: number;
    meanDownHours: number;
  };
  /**
   * Orders per home-day; `auxLoadPerHomeDay` (default 0): auxiliary load orders (7.5 / 7.6 for
   * switch 2, sim/workload.ts), absent or 0 leaves the other orders and the report as before.
   */
  workload: { topUpsPerHomeDay: number; readsPerHomeDay: number; auxLoadPerHomeDay?: number };
  /**
   * Share of homes (0..1, drawn from the seed) with an HCALCS joined to the
   * CH, the ESME's auxiliary load switch 2 (docs/sim.md). Absent: 0, none.
   */
  hcalcsShare?: number;
  /** DCC target response time assumed per order kind (seconds). */
  targetSeconds: { 'top-up': number; 'read-registers': number };
  arms: Arm[];
  /** attack: compromised PPMIDs flood their HAN. */
  attack?: { compromisedHomes: number; commandsPerMinute: number; startHour: number; durationHours: number };
  /** Price of one local-delivery SR for the charges figure (DSP-5; pence, an assumption). */
  localDeliveryPricePence?: number;
  /** Grid of one or two parameters (dotted paths, e.g. `wan.intermittentShare`). */
  sweep?: Array<{ param: string; values: Array<number | string | boolean> }>;
  assumptions?: string[];
}

const COMMON = {
  homes: 40,
  days: 2,
  wan: { intermittentShare: 0.09, noneShare: 0.01, meanUpHours: 4, meanDownHours: 2 },
  workload: { topUpsPerHomeDay: 2, readsPerHomeDay: 3 },
  targetSeconds: { 'top-up': 30, 'read-registers': 30 },
};

export const BUILT_IN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  benefit: {
    ...COMMON,
    name: 'benefit',
    kind: 'benefit',
    question:
      'C6, R5: how many more commands reach the meter within the DCC target response time with enhanced PPMIDs?',
    arms: [
      { name: 'no-ppmid', route: 'wan' },
      { name: 'race', route: 'race' },
      { name: 'ppmid-only', route: 'ppmid' },
      { name: 'su1-auto', route: 'auto' },
    ],
    localDeliveryPricePence: 1,
    assumptions: [
      'The proposer’s WAN mix: about 9 % of homes with a WAN that comes and goes, 1 % with none; the CSP’s lower view is a sweep over wan.intermittentShare.',
      'A command is on time when the meter applied it within the target response time after the order (applied: the ESME/GSME accepted it).',
    ],
  },
  buffers: {
    ...COMMON,
    name: 'buffers',
    kind: 'buffers',
    question:
      'C5, R1: how large must the CH’s WAN uplink buffer be so that no response is lost while the WAN is down?',
    wan: { intermittentShare: 0.5, noneShare: 0, meanUpHours: 6, meanDownHours: 6 },
    workload: { topUpsPerHomeDay: 4, readsPerHomeDay: 8 },
    arms: [{ name: 'unbounded', route: 'auto', uplinkCapacity: 100_000 }],
    assumptions: [
      'Occupancy is measured with a buffer too large to fill; a response is counted lost at size S when it arrived while S or more were waiting (an upper bound: the lost ones would not have taken room later).',
    ],
  },
  attack: {
    ...COMMON,
    homes: 10,
    days: 1,
    name: 'attack',
    kind: 'attack',
    question:
      'R4, D3: what does a compromised PPMID flooding its HAN do to legitimate commands, with and without CH-7?',
    wan: { intermittentShare: 0, noneShare: 0, meanUpHours: 4, meanDownHours: 2 },
    workload: { topUpsPerHomeDay: 24, readsPerHomeDay: 24 },
    arms: [
      { name: 'ch7-on', route: 'ppmid', ch7: true },
      { name: 'ch7-off', route: 'ppmid', ch7: false },
    ],
    attack: { compromisedHomes: 1, commandsPerMinute: 600, startHour: 2, durationHours: 4 },
    assumptions: [
      'The compromised PPMID sends well-formed GBCS commands for its home’s ESME with MACs it cannot compute: the CH relays what passes CH-1/CH-2/CH-7 and the ESME rejects them.',
      'The CHM blocks a CH only when an operator says so (CSP-3): the time to block is not simulated.',
    ],
  },
  'han-load': {
    ...COMMON,
    name: 'han-load',
    kind: 'han-load',
    question: 'C4: how much HAN airtime and duty-cycle budget does PPMID relaying add (2.4 GHz and sub-GHz)?',
    arms: [
      { name: 'wan-2.4GHz', route: 'wan', band: '2.4GHz' },
      { name: 'ppmid-2.4GHz', route: 'ppmid', band: '2.4GHz' },
      { name: 'ppmid-subGHz', route: 'ppmid', band: 'subGHz' },
    ],
  },
};

/** Every field error at once, each naming its path. */
class Check {
  readonly errors: string[] = [];
  num(v: unknown, path: string, lo: number, hi: number, int = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v)))
      this.errors.push(
        `${path} must be ${int ? 'an integer' : 'a number'} in ${lo}..${hi}, got ${JSON.stringify(v)}`,
      );
    return v as number;
  }
  str(v: unknown, path: string, allowed?: readonly string[]): string {
    if (typeof v !== 'string' || v === '' || (allowed && !allowed.includes(v)))
      this.errors.push(
        `${path} must be ${allowed ? `one of ${allowed.join(', ')}` : 'a non-empty string'}, got ${JSON.stringify(v)}`,
      );
    return v as string;
  }
  obj(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.errors.push(`${path} must be an object`);
      return {};
    }
    return v as Record<string, unknown>;
  }
  known(o: Record<string, unknown>, path: string, keys: string[]): void {
    for (const k of Object.keys(o))
      if (!keys.includes(k)) this.errors.push(`${path}.${k} is not a known field`);
  }
}

/**
 * Validates a scenario document. Fields left out take the defaults of the
 * built-in scenario of the same `kind`. Throws ConfigError naming every bad field.
 */
export function validateScenario(doc: unknown, source = 'scenario'): Scenario {
  const c = new Check();
  const d = c.obj(doc, source);
  c.known(d, source, [
    'name',
    'kind',
    'question',
    'homes',
    'days',
    'wan',
    'workload',
    'hcalcsShare',
    'targetSeconds',
    'arms',
    'attack',
    'localDeliveryPricePence',
    'sweep',
    'assumptions',
  ]);
  const kind = c.str(d.kind, `${source}.kind`, SCENARIO_KINDS) as ScenarioKind;
  if (c.errors.length) throw new ConfigError(c.errors.join('; '));
  const base = BUILT_IN_SCENARIOS[kind];
  const s: Scenario = structuredClone({ ...base, ...d }) as Scenario;
  s.wan = { ...base.wan, ...(d.wan ? c.obj(d.wan, `${source}.wan`) : {}) } as Scenario['wan'];
  s.workload = {
    ...base.workload,
    ...(d.workload ? c.obj(d.workload, `${source}.workload`) : {}),
  } as Scenario['workload'];
  s.targetSeconds = {
    ...base.targetSeconds,
    ...(d.targetSeconds ? c.obj(d.targetSeconds, `${source}.targetSeconds`) : {}),
  } as Scenario['targetSeconds'];
  c.str(s.name, `${source}.name`);
  c.str(s.question, `${source}.question`);
  c.num(s.homes, `${source}.homes`, 1, 1 << 20, true);
  c.num(s.days, `${source}.days`, 1 / 24, 3650);
  c.known(s.wan as unknown as Record<string, unknown>, `${source}.wan`, Object.keys(base.wan));
  c.num(s.wan.intermittentShare, `${source}.wan.intermittentShare`, 0, 1);
  c.num(s.wan.noneShare, `${source}.wan.noneShare`, 0, 1);
  if (s.wan.intermittentShare + s.wan.noneShare > 1)
    c.errors.push(`${source}.wan.intermittentShare + noneShare must not exceed 1`);
  c.num(s.wan.meanUpHours, `${source}.wan.meanUpHours`, 0.01, 1e5);
  c.num(s.wan.meanDownHours, `${source}.wan.meanDownHours`, 0.01, 1e5);
  c.known(s.workload as unknown as Record<string, unknown>, `${source}.workload`, [
    ...Object.keys(base.workload),
    'auxLoadPerHomeDay',
  ]);
  c.num(s.workload.topUpsPerHomeDay, `${source}.workload.topUpsPerHomeDay`, 0, 1e4);
  c.num(s.workload.readsPerHomeDay, `${source}.workload.readsPerHomeDay`, 0, 1e4);
  if (s.workload.auxLoadPerHomeDay !== undefined)
    c.num(s.workload.auxLoadPerHomeDay, `${source}.workload.auxLoadPerHomeDay`, 0, 1e4);
  if (s.hcalcsShare !== undefined) c.num(s.hcalcsShare, `${source}.hcalcsShare`, 0, 1);
  c.known(s.targetSeconds as unknown as Record<string, unknown>, `${source}.targetSeconds`, [
    'top-up',
    'read-registers',
  ]);
  c.num(s.targetSeconds['top-up'], `${source}.targetSeconds.top-up`, 0.001, 1e7);
  c.num(s.targetSeconds['read-registers'], `${source}.targetSeconds.read-registers`, 0.001, 1e7);
  if (!Array.isArray(s.arms) || s.arms.length === 0) c.errors.push(`${source}.arms must be a non-empty list`);
  else
    s.arms.forEach((a, i) => {
      const p = `${source}.arms[${i}]`;
      const o = c.obj(a, p);
      c.known(o, p, ['name', 'route', 'ch7', 'band', 'uplinkCapacity']);
      c.str(o.name, `${p}.name`);
      c.str(o.route, `${p}.route`, ARM_ROUTES);
      if (o.ch7 !== undefined && typeof o.ch7 !== 'boolean') c.errors.push(`${p}.ch7 must be true or false`);
      if (o.band !== undefined) c.str(o.band, `${p}.band`, ['2.4GHz', 'subGHz']);
      if (o.uplinkCapacity !== undefined) c.num(o.uplinkCapacity, `${p}.uplinkCapacity`, 1, 1e6, true);
    });
  if (kind === 'attack') {
    const a = c.obj(s.attack, `${source}.attack`);
    c.num(a.compromisedHomes, `${source}.attack.compromisedHomes`, 1, 1 << 20, true);
    c.num(a.commandsPerMinute, `${source}.attack.commandsPerMinute`, 1, 60_000);
    c.num(a.startHour, `${source}.attack.startHour`, 0, 1e5);
    c.num(a.durationHours, `${source}.attack.durationHours`, 0.01, 1e5);
  }
  if (s.sweep !== undefined) {
    if (!Array.isArray(s.sweep) || s.sweep.length < 1 || s.sweep.length > 2)
      c.errors.push(`${source}.sweep must list one or two parameters`);
    else
      s.sweep.forEach((p, i) => {
        const o = c.obj(p, `${source}.sweep[${i}]`);
        c.str(o.param, `${source}.sweep[${i}].param`);
        if (typeof o.param === 'string' && getPath(s, o.param) === undefined)
          c.errors.push(`${source}.sweep[${i}].param ${o.param} is not a field of the scenario`);
        if (!Array.isArray(o.values) || o.values.length === 0)
          c.errors.push(`${source}.sweep[${i}].values must be a non-empty list`);
      });
  }
  if (c.errors.length) throw new ConfigError(`invalid scenario: ${c.errors.join('; ')}`);
  return s;
}

/** A built-in scenario by name, or a JSON/YAML file. */
export function loadScenario(nameOrFile: string): Scenario {
  const builtIn = BUILT_IN_SCENARIOS[nameOrFile];
  if (builtIn) return structuredClone(builtIn);
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch {
    throw new ConfigError(
      `no scenario ${JSON.stringify(nameOrFile)}: not a built-in one (${Object.keys(BUILT_IN_SCENARIOS).join(', ')}) nor a readable file`,
    );
  }
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(nameOrFile) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `${nameOrFile}: not valid ${/\.ya?ml$/i.test(nameOrFile) ? 'YAML' : 'JSON'} (${String(err)})`,
    );
  }
  return validateScenario(doc, nameOrFile);
}

export function getPath(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function setPath(o: Record<string, unknown>, path: string, v: unknown): void {
  const keys = path.split('.');
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  cur[keys[keys.length - 1]] = v;
}

/** The grid points of a sweep (one scenario without sweep when there is none), each re-validated. */
export function sweepPoints(s: Scenario): Array<{ point: Record<string, unknown>; scenario: Scenario }> {
  if (!s.sweep?.length) return [{ point: {}, scenario: s }];
  const [a, b] = s.sweep;
  const out: Array<{ point: Record<string, unknown>; scenario: Scenario }> = [];
  for (const va of a.values)
    for (const vb of b ? b.values : [undefined]) {
      const copy = structuredClone(s) as unknown as Record<string, unknown>;
      delete copy.sweep;
      setPath(copy, a.param, va);
      const point: Record<string, unknown> = { [a.param]: va };
      if (b) {
        setPath(copy, b.param, vb);
        point[b.param] = vb;
      }
      out.push({ point, scenario: validateScenario(copy, `${s.name} at ${JSON.stringify(point)}`) });
    }
  return out;
}
