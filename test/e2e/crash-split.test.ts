/**
 * Crash suite, split deployment (issue 13, SECMP0038 SU-2, PP-3, CH-4): the
 * four processes of test/e2e/split-processes.test.ts (dsp serve --split,
 * chm serve --split, supplier serve --split, estate) run in real time, and
 * each of them, in a seeded order, is killed with a real SIGKILL at a seeded
 * random instant while top-ups flow over the SM WAN (CV 1), the race (CV 3)
 * and the PPMID (CV 2), then restarted on the same data directory and ports.
 *
 * After the last restart the test waits until every command is final (the
 * supplier's expiry is short here, so a command that never reached the meter
 * ends `expired` within the run instead of staying open), stops the estate
 * (SIGINT) and reads each ESME's credit from its non-volatile memory
 * (`<data-dir>/estate/nvm/`). Top-up values are powers of 3 pennies per
 * meter, so the credit, read in base 3, says how often each command was
 * applied (digit 2 = twice). Asserted: every command in exactly one final
 * state, no credit applied twice, none lost (applied at the meter and not
 * `responded` at the supplier, or `responded` and not applied).
 *
 * Every wait has a generous limit (a guard against a hang on a loaded CI
 * machine, never an assertion of speed). CRASH_SPLIT_SEED picks other kill
 * orders and instants.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SeededRandom } from '../../src/runtime/random.ts';
import { type HomeNvm, nvmParse } from '../../src/sim/nvm.ts';
import { isTerminal } from '../../src/supplier/command-states.ts';
import type { Route } from '../../src/supplier/config.ts';
import { bearer, dataDirToken } from '../support/auth.ts';
import { runCli } from '../support/cli.ts';
import { freePort, type Proc, spawnParty } from '../support/split.ts';
import { waitFor, withTimeout } from '../support/wait.ts';

const HOMES = 3;
const ROUTES: Route[] = ['wan', 'race', 'ppmid'];
const PARTIES = ['dsp', 'chm', 'supplier', 'estate'] as const;
type Party = (typeof PARTIES)[number];
/** a guard against a hang, never a speed assertion */
const GUARD_MS = 180_000;
/** the supplier's expiry for every route: a command that never reached the meter ends within the run */
const EXPIRY_MS = 90_000;

interface Placed {
  id: number;
  home: number;
  route: Route;
  k: number;
}

interface Cmd {
  state: string;
  createdAt: string;
  expiresAt: string;
  reason?: string;
  ppmid?: { status?: string };
}

/** Digits of `n` in base 3, least significant first, `len` of them (a 9 if more credit than ordered). */
function base3(n: number, len: number): number[] {
  const d: number[] = [];
  for (let i = 0; i < len; i++) {
    d.push(n % 3);
    n = Math.floor(n / 3);
  }
  if (n !== 0) d.push(9);
  return d;
}

const alive = (p: Proc<Party>) => p.child.exitCode === null && p.child.signalCode === null;

describe('crash suite: kill -9 of each process of the split deployment (real processes, real time)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ppmid-crash-split-'));
  const procs = new Map<Party, Proc<Party>>();
  after(() => {
    for (const p of procs.values()) if (alive(p)) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const seed = process.env.CRASH_SPLIT_SEED ?? 'split';
  it(`seed ${seed}: every command ends once, no credit twice, none lost`, async () => {
    const rnd = new SeededRandom(`crash-split:${seed}`);
    const [dspPort, chmPort, supplierPort, mqttPort, dspWanPort, chmWanPort, estateWanPort] =
      await Promise.all(Array.from({ length: 7 }, freePort));
    const url = (p: number) => `http://127.0.0.1:${p}`;
    const plan = [
      '--data-dir',
      dir,
      '--homes',
      String(HOMES),
      '--wan-mix',
      `reliable=${HOMES}`,
      '--seed',
      'crash-split',
    ];
    const settings = join(dir, '..', `${dir.split('/').pop()}-settings.json`);
    writeFileSync(
      settings,
      JSON.stringify({ expiry: { byRoute: { wan: EXPIRY_MS, race: EXPIRY_MS, ppmid: EXPIRY_MS } } }),
    );
    after(() => rmSync(settings, { force: true }));
    const argsOf: Record<Party, string[]> = {
      dsp: [
        'dsp',
        'serve',
        '--split',
        ...plan,
        '--port',
        String(dspPort),
        '--wan-port',
        String(dspWanPort),
      ].concat(['--wan-url', url(estateWanPort), '--supplier-url', url(supplierPort), '--no-xsd']),
      chm: [
        'chm',
        'serve',
        '--split',
        ...plan,
        '--port',
        String(chmPort),
        '--wan-port',
        String(chmWanPort),
      ].concat(['--wan-url', url(estateWanPort)]),
      supplier: ['supplier', 'serve', '--split', ...plan, '--port', String(supplierPort)].concat([
        '--mqtt-port',
        String(mqttPort),
        '--dsp-url',
        `https://127.0.0.1:${dspPort}`,
        '--settings',
        settings,
      ]),
      estate: [
        'estate',
        ...plan,
        '--workload',
        'none',
        '--start-port',
        '0',
        '--wan-port',
        String(estateWanPort),
      ].concat([
        '--supplier-url',
        url(supplierPort),
        '--dsp-wan-url',
        url(dspWanPort),
        '--chm-wan-url',
        url(chmWanPort),
      ]),
    };
    const envOf = (name: Party): Record<string, string> =>
      name === 'estate' ? { MQTT_URL: `mqtts://127.0.0.1:${mqttPort}`, MQTT_PROTOCOL_VERSION: '4' } : {};
    const start = async (name: Party) => {
      const p = spawnParty(name, argsOf[name], envOf(name));
      procs.set(name, p);
      const ready = name === 'estate' ? /estate ready|not provisioned/ : /Ctrl-C stops everything/;
      await waitFor(() => ready.test(p.out()) || !alive(p), GUARD_MS, {
        what: () => `${name} to be ready\n${p.out()}\n${p.err()}`,
      });
      assert.ok(alive(p), `${name} exited:\n${p.out()}\n${p.err()}`);
      if (name === 'estate') assert.match(p.out(), /estate ready: 3 PPMIDs provisioned/);
    };
    // the DSP first (keys, store), the estate last (the supplier's MQTT PKI and broker)
    await start('dsp');
    await Promise.all([start('chm'), start('supplier')]);
    await start('estate');

    const auth = bearer(dataDirToken(dir));
    const api = url(supplierPort);
    // the CHFs of the plan, as every process derives it (`estate --plan`)
    const planned = runCli(['estate', '--plan', ...plan.slice(2)]);
    assert.equal(planned.status, 0, planned.stderr);
    const chfs = JSON.parse(planned.stdout).homes.map((h: { chf: string }) => h.chf) as string[];
    const credit = (home: number) =>
      nvmParse<HomeNvm>(readFileSync(join(dir, 'estate', 'nvm', `${chfs[home]}.json`), 'utf8')).esme.state
        .meterBalance;
    assert.deepEqual(
      readdirSync(join(dir, 'estate', 'nvm'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
      chfs.map((c) => `${c}.json`).sort(),
    );
    const balance0 = chfs.map((_, h) => credit(h));

    const placed: Placed[] = [];
    const place = async (k: number) => {
      for (let home = 0; home < HOMES; home++) {
        const res = await fetch(`${api}/api/v1/premises/home-${String(home).padStart(4, '0')}/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({
            order: { kind: 'top-up', value: 3 ** k, valueClass: 'pennies' },
            route: ROUTES[home],
          }),
        });
        assert.equal(res.status, 202, await res.clone().text());
        placed.push({ id: ((await res.json()) as { id: number }).id, home, route: ROUTES[home], k });
      }
    };
    // the kills: each process once, in a seeded order, at a seeded instant after a round of top-ups
    const order = [...PARTIES];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const rounds = order.length + 1;
    for (let k = 0; k < rounds; k++) {
      const victim = order[k];
      await place(k);
      if (!victim) break;
      const afterMs = rnd.int(3_000);
      await new Promise((r) => setTimeout(r, afterMs));
      const p = procs.get(victim)!;
      p.child.kill('SIGKILL');
      const { signal } = await withTimeout(p.exit, GUARD_MS, `${victim} to die`);
      assert.equal(signal, 'SIGKILL');
      console.log(`kill -9 ${victim} ${afterMs} ms after round ${k} (${placed.length} commands placed)`);
      await start(victim);
    }

    // settle: every command final (re-read on each supplier event, or every 2 s)
    const read = async (id: number): Promise<Cmd> =>
      ((await (await fetch(`${api}/api/v1/commands/${id}`, { headers: auth })).json()) as { command: Cmd })
        .command;
    const events = new AbortController();
    const stream = await fetch(`${api}/api/v1/events`, { signal: events.signal, headers: auth });
    const reader = stream.body!.getReader();
    const settled = (async () => {
      for (;;) {
        const all = await Promise.all(placed.map((p) => read(p.id)));
        if (all.every((c) => isTerminal(c.state as never))) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          reader.read(),
          new Promise((r) => {
            timer = setTimeout(r, 2_000);
          }),
        ]);
        clearTimeout(timer);
      }
    })();
    await withTimeout(settled, EXPIRY_MS + 2 * GUARD_MS, 'every command to be final').finally(() =>
      events.abort(),
    );

    // the meters' credit as their non-volatile memory keeps it, the estate stopped
    const estate = procs.get('estate')!;
    estate.child.kill('SIGINT');
    await withTimeout(estate.exit, GUARD_MS, 'the estate to stop');
    const finalStates: Record<string, number> = {};
    let duplicates = 0;
    let lost = 0;
    let open = 0;
    const byId = new Map<number, Cmd>();
    for (const p of placed) byId.set(p.id, await read(p.id));
    // the restarted supplier kept the --settings expiry (a command stuck would have ended within the run)
    for (const c of byId.values())
      assert.equal(Date.parse(c.expiresAt) - Date.parse(c.createdAt), EXPIRY_MS, JSON.stringify(c));
    for (let home = 0; home < HOMES; home++) {
      const applied = base3((credit(home) - balance0[home]) / 1000, rounds);
      if (applied.length > rounds) duplicates++;
      for (const p of placed.filter((x) => x.home === home)) {
        const c = byId.get(p.id)!;
        finalStates[c.state] = (finalStates[c.state] ?? 0) + 1;
        if (!isTerminal(c.state as never)) open++;
        const times = applied[p.k];
        if (times > 1) duplicates++;
        if (c.state !== 'responded')
          console.log(
            `  ${p.route} command ${p.id} (round ${p.k}): ${c.state} (${c.reason ?? ''}), applied ${times}x, ppmid ${c.ppmid?.status ?? '-'}`,
          );
        if ((times === 1) !== (c.state === 'responded')) {
          lost++;
          console.log(
            `  lost: ${p.route} command ${p.id} value ${3 ** p.k}: ${c.state} (${c.reason ?? ''}), applied ${times}x, ppmid ${c.ppmid?.status ?? '-'}`,
          );
        }
      }
    }
    console.log(
      `crash-split ${seed} (kills ${order.join(', ')}): commands ${placed.length}, final states ${JSON.stringify(finalStates)}, ` +
        `duplicates ${duplicates}, lost ${lost}, open ${open}`,
    );
    for (const name of ['supplier', 'chm', 'dsp'] as const) {
      const p = procs.get(name)!;
      p.child.kill('SIGINT');
      await withTimeout(p.exit, GUARD_MS, `${name} to stop`);
    }
    assert.equal(open, 0, 'every command reached a final state');
    assert.equal(duplicates, 0, 'no credit applied twice');
    assert.equal(lost, 0, 'none lost');
  });
});
