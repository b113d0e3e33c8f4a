/**
 * The `ppmid-relay` command line. Each area registers its own sub-commands in
 * its own file under `cli/commands/` (gbcs.ts, atps.ts, ...); this file only
 * assembles them.
 */
import { readdirSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };

export type CommandRegistrar = (program: Command) => void;

/**
 * Every `src/cli/commands/*.ts` (tests excluded) exports `register(program)`;
 * they are loaded in name order, so adding a command area touches no shared file.
 */
async function loadRegistrars(): Promise<CommandRegistrar[]> {
  const dir = new URL('./commands/', import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const out: CommandRegistrar[] = [];
  for (const f of files)
    out.push(((await import(new URL(f, dir).href)) as { register: CommandRegistrar }).register);
  return out;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ppmid-relay')
    .description('SECMP0038 end to end: GB smart-meter commands through an enhanced PPMID.')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  for (const register of await loadRegistrars()) register(program);
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`ppmid-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
