/**
 * The command table: which modules a command line loads, and that the
 * sub-commands a module declares in COMMAND_GROUPS are exactly those it
 * registers (so a lazily skipped module never hides a sub-command).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { COMMAND_GROUPS, routeOf } from './main.ts';

const dsp = COMMAND_GROUPS.find((g) => g.name === 'dsp')!;

describe('command table', () => {
  it('every group has a unique name, a description and a module', () => {
    assert.equal(new Set(COMMAND_GROUPS.map((g) => g.name)).size, COMMAND_GROUPS.length);
    for (const g of COMMAND_GROUPS) assert.ok(g.description && g.modules.length > 0, g.name);
  });

  it('a command line loads its group only, and of a split group the module of its sub-command', () => {
    assert.deepEqual(routeOf(['--help']).modules, []);
    assert.equal(routeOf(['gbcs', 'decode', 'x.hex']).group?.name, 'gbcs');
    assert.equal(routeOf(['help', 'gbcs']).group?.name, 'gbcs');
    assert.deepEqual(routeOf(['dsp', 'transform', '--json', 'f.xml']).modules, [dsp.modules[0]]);
    assert.deepEqual(routeOf(['dsp', 'serve', '--port', '1']).modules, [dsp.modules[1]]);
    assert.deepEqual(routeOf(['dsp', '--help']).modules, dsp.modules);
    assert.deepEqual(
      routeOf(['dsp', 'nonsense']).modules,
      dsp.modules,
      'unknown: all, so commander lists them',
    );
  });

  it('a module that declares its sub-commands registers exactly those', async () => {
    for (const g of COMMAND_GROUPS)
      for (const load of g.modules) {
        if (!load.commands) continue;
        const program = new Command();
        program.command(g.name);
        (await load()).register(program);
        const group = program.commands.find((c) => c.name() === g.name)!;
        assert.deepEqual(group.commands.map((c) => c.name()).sort(), [...load.commands].sort(), g.name);
      }
  });
});
