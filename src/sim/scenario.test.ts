/** Scenario files: built-ins validate, defaults fill in, bad fields are named, sweeps expand. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILT_IN_SCENARIOS, loadScenario, sweepPoints, validateScenario } from './scenario.ts';

describe('scenarios', () => {
  it('every built-in scenario validates as it is', () => {
    for (const s of Object.values(BUILT_IN_SCENARIOS)) assert.deepEqual(validateScenario(s), s);
  });

  it('a file gives only what differs from the built-in of its kind (JSON and YAML)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-scenario-'));
    const y = join(dir, 'csp.yaml');
    writeFileSync(
      y,
      'kind: benefit\nname: csp-view\nwan:\n  intermittentShare: 0.03\nsweep:\n  - param: wan.intermittentShare\n    values: [0.03, 0.09]\n',
    );
    const s = loadScenario(y);
    assert.equal(s.name, 'csp-view');
    assert.equal(s.wan.intermittentShare, 0.03);
    assert.equal(s.wan.meanUpHours, BUILT_IN_SCENARIOS.benefit.wan.meanUpHours);
    assert.deepEqual(s.arms, BUILT_IN_SCENARIOS.benefit.arms);
    const pts = sweepPoints(s);
    assert.deepEqual(
      pts.map((p) => p.scenario.wan.intermittentShare),
      [0.03, 0.09],
    );
    const j = join(dir, 'a.json');
    writeFileSync(j, JSON.stringify({ kind: 'buffers', days: 3 }));
    assert.equal(loadScenario(j).days, 3);
  });

  it('an invalid scenario names each bad field', () => {
    const bad = (doc: unknown, re: RegExp) => assert.throws(() => validateScenario(doc, 'f.yaml'), re);
    bad({ kind: 'benefits' }, /f\.yaml\.kind must be one of benefit, buffers, attack, han-load/);
    bad(
      { kind: 'benefit', wan: { intermittentShare: 2 } },
      /f\.yaml\.wan\.intermittentShare must be a number in 0\.\.1, got 2/,
    );
    bad(
      { kind: 'benefit', wan: { intermitentShare: 0.1 } },
      /f\.yaml\.wan\.intermitentShare is not a known field/,
    );
    bad(
      { kind: 'benefit', arms: [{ name: 'x', route: 'pigeon' }] },
      /f\.yaml\.arms\[0\]\.route must be one of wan, race, ppmid, auto/,
    );
    bad(
      { kind: 'attack', attack: { compromisedHomes: 0 } },
      /f\.yaml\.attack\.compromisedHomes must be an integer/,
    );
    bad(
      { kind: 'benefit', sweep: [{ param: 'wan.nope', values: [1] }] },
      /sweep\[0\]\.param wan\.nope is not a field/,
    );
    bad({ kind: 'benefit', homes: 1.5 }, /f\.yaml\.homes must be an integer/);
  });

  it('an unknown name that is no file says what exists', () => {
    assert.throws(() => loadScenario('nope'), /not a built-in one \(benefit, buffers, attack, han-load\)/);
  });
});
