/**
 * The `ppmid-relay` command line. Each command group registers its own
 * sub-commands in its own module under `cli/commands/` (gbcs.ts, atps.ts,
 * ...); this file holds the one table of top-level commands and loads only
 * the module(s) of the command being run, so `--help` or `gbcs decode` does
 * not load the whole system (fastify, aedes, SQLite, XML signatures, ...).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { errorText } from './errors.ts';

/** What a command module exports: adds its sub-commands (or options and action) to `program`. */
export type CommandRegistrar = (program: Command) => void;
export type CommandModule = { register: CommandRegistrar };
/** Imports a command module; `commands`, when set, are the only sub-commands it registers. */
export type ModuleLoader = (() => Promise<CommandModule>) & { commands?: readonly string[] };

export interface CommandGroup {
  name: string;
  /** one line for `ppmid-relay --help` (the group's own `--help` lists its sub-commands) */
  description: string;
  /** the modules that register the group, imported only when it runs */
  modules: readonly ModuleLoader[];
}

/**
 * A module that registers only these sub-commands of its group: it is loaded
 * for them (and for the group's help), not for its siblings', e.g. `dsp
 * transform` does not load the DSP service (fastify, the store).
 */
function forCommands(commands: readonly string[], load: () => Promise<CommandModule>): ModuleLoader {
  return Object.assign(load, { commands });
}

/** Every top-level command. A new command group is one row here and one module under commands/. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    name: 'up',
    description:
      'start the whole system: DSP, CSP WAN and CHM, supplier, and a live estate of homes (CH, ESME, GSME, enhanced PPMID over MQTT/TLS); prints the URLs',
    modules: [() => import('./commands/up.ts')],
  },
  {
    name: 'estate',
    description:
      'run the estate (homes: CH, ESME, GSME, enhanced PPMID) and the CSP SM WAN as their own process, or print the estate plan',
    modules: [() => import('./commands/estate.ts')],
  },
  {
    name: 'sim',
    description:
      'the estate simulator (TE-3): run business-case scenarios in virtual time, reports with plots, shards, merge, compare',
    modules: [() => import('./commands/sim.ts')],
  },
  {
    name: 'gbcs',
    description: 'GBCS messages: decode, verify, UTRNs, named-field payloads, the use-case catalogue',
    modules: [() => import('./commands/gbcs.ts')],
  },
  {
    name: 'duis',
    description: 'DUIS XML: parse, validate, sign, verify, the SRV catalogue',
    modules: [() => import('./commands/duis.ts')],
  },
  {
    name: 'dsp',
    description: 'DCC Data Service Provider: DUIS service, DUIS to GBCS transform, DSP-4/DSP-5 reports',
    modules: [
      forCommands(['transform', 'srs'], () => import('./commands/dsp.ts')),
      forCommands(
        ['serve', 'local-delivery-export', 'charges', 'performance'],
        () => import('./commands/dsp-service.ts'),
      ),
    ],
  },
  {
    name: 'chm',
    description:
      'CSP Communications Hub Manager: Alerts Dashboard, Block/Unblock Buffer Feed, DSP-4 logs, reports',
    modules: [() => import('./commands/chm.ts')],
  },
  {
    name: 'supplier',
    description: 'the supplier (DCC Service User): SU-1 route planner, SU-2 tracker, SU-3 provisioning',
    modules: [() => import('./commands/supplier.ts')],
  },
  {
    name: 'atps',
    description: 'test automation API: homes on virtual time, inject GBCS, backchannel, logs',
    modules: [() => import('./commands/atps.ts')],
  },
  {
    name: 'delivery',
    description: 'PPMID delivery envelopes and status reports (SECMP0038 PP-2)',
    modules: [() => import('./commands/delivery.ts')],
  },
  {
    name: 'zigbee',
    description: 'ZigBee codecs: install-code link keys, APS and tunnel frames',
    modules: [() => import('./commands/han.ts')],
  },
  {
    name: 'han',
    description: 'the HAN medium model',
    modules: [() => import('./commands/han.ts')],
  },
];

/**
 * The top-level command `name`, as main() created it from COMMAND_GROUPS; a
 * command module calls this instead of `program.command(name)`, so the
 * description lives in the table only.
 */
export function commandGroup(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (found) return found;
  const row = COMMAND_GROUPS.find((g) => g.name === name);
  if (!row) throw new Error(`no command group ${name} in COMMAND_GROUPS (src/cli/main.ts)`);
  return program.command(name).description(row.description);
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ppmid-relay')
    .description('SECMP0038 end to end: GB smart-meter commands through an enhanced PPMID.')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)');
  for (const g of COMMAND_GROUPS) program.command(g.name).description(g.description);
  return program;
}

/**
 * The command group `args` run and the modules to load for it. The group is
 * the first operand (`ppmid-relay gbcs decode ...` -> gbcs; `ppmid-relay help
 * gbcs` -> gbcs): top-level options take no values (-h, -V), so it is the
 * first argument not starting with `-`. The modules are those registering
 * the second operand (the sub-command) when a module declares it, else all of
 * the group's (its help, or a group whose modules declare nothing).
 */
export function routeOf(args: readonly string[]): { group?: CommandGroup; modules: readonly ModuleLoader[] } {
  const operands = args.filter((a) => !a.startsWith('-'));
  const [name, sub] = operands[0] === 'help' ? operands.slice(1) : operands;
  const group = COMMAND_GROUPS.find((g) => g.name === name);
  if (!group) return { modules: [] };
  const own = group.modules.filter((m) => sub !== undefined && m.commands?.includes(sub));
  return {
    group,
    modules: own.length > 0 ? group.modules.filter((m) => !m.commands || own.includes(m)) : group.modules,
  };
}

/** Builds the program with the modules of the command `argv` runs (none for top-level help). */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const program = buildProgram();
  const mods = await Promise.all(routeOf(argv.slice(2)).modules.map((load) => load()));
  for (const m of new Set(mods)) m.register(program);
  return program;
}

/**
 * A reader that closes the pipe early (`ppmid-relay gbcs use-cases | head`)
 * ends the command quietly, as Unix tools do, instead of an unhandled EPIPE
 * with a stack trace.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export async function main(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipe();
  const program = await programFor(argv);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`ppmid-relay: ${errorText(err)}\n`);
    process.exitCode = 1;
  }
}
