/**
 * The `ppmid-relay` command line. Each area registers its own sub-commands in
 * its own file (cli/gbcs.ts, cli/atps.ts, ...); this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };

export type CommandRegistrar = (program: Command) => void;

/** Area command modules, loaded lazily so that `ppmid-relay --help` stays fast. */
const registrars: Array<() => Promise<{ register: CommandRegistrar }>> = [];

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
  for (const load of registrars) (await load()).register(program);
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
