import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './cli/commands.js';
import { makeOutput, reportError } from './cli/output.js';
// not from app.ts: this file must stay light (see cli/commands.ts), `--help` loads nothing more
import { version } from './cli/version.js';

/**
 * The `posthorn` command line. Returns the process exit code: 0 success, 2 invalid input,
 * 3 not found, 4 conflict, 5 forbidden, 6 unavailable, 1 unexpected.
 */
export async function run(argv: string[]): Promise<number> {
  // `posthorn … | head`: the reader went away; that is the end of the output, not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const program = new Command('posthorn')
    .description(
      'Posthorn: self-hosted mailings (e-mail, SMS, letters, form responses) to the persons of your CRM.',
    )
    .version(version)
    .addOption(new Option('--json', 'print one JSON document on stdout').default(false))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  let code = 0;
  registerCommands(program, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    return reportError(makeOutput(argv.includes('--json')), e);
  }
  return code;
}

// `tsx src/main.ts …` (npm run dev) runs the CLI directly; bin/posthorn.js imports `run` instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv);
}
