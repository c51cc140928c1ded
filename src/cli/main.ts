/**
 * The `airlock` command line: wiring only. Each command group registers itself from its
 * own file; the logic lives in the modules. Exit codes: 0 success, 1 a check failed,
 * 2 bad input or usage, 70 an internal error (a bug: rerun with --debug for the stack).
 */
import { Command, CommanderError } from 'commander';
import { isAirlockError } from '../common/errors.ts';
import { registerKeysCommands } from './keys-command.ts';
import { registerExtraCommands } from './registry.ts';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('airlock')
    .description('Offline compliance for isolated networks: signed update bundles, scanning, policy and audit evidence.')
    .version(VERSION)
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'airlock: ')) });
  registerKeysCommands(program);
  registerExtraCommands(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isAirlockError(e)) {
      process.stderr.write(`airlock: ${e.message}\n`);
      for (const d of e.details.slice(e.details[0] === e.message ? 1 : 0)) process.stderr.write(`  ${d}\n`);
      if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`airlock: internal error: ${err?.message ?? String(e)}${debug ? '' : ' (rerun with --debug for details)'}\n`);
    if (debug && err?.stack) process.stderr.write(`${err.stack}\n`);
    return 70;
  }
}
