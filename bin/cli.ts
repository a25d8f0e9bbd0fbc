/**
 * `sentiment`: the one CLI. Each subcommand lives in bin/commands/<name>.ts. Usage errors
 * (unknown command or flag, missing argument) print the usage and exit 2.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from './command-runtime.js';
import { batchCommand } from './commands/batch.js';
import { demoCommand } from './commands/demo.js';
import { infraCommand } from './commands/infra.js';
import { produceCommand } from './commands/produce.js';
import { scoreCommand } from './commands/score.js';
import { serveCommand } from './commands/serve.js';
import { speedCommand } from './commands/speed.js';
import { PACKAGE_VERSION } from './package-version.js';

export function buildProgram(): Command {
  const program = new Command('sentiment')
    .description('Market-sentiment platform: producers, speed layer, batch layer and serving API')
    .version(PACKAGE_VERSION)
    .addCommand(demoCommand())
    .addCommand(produceCommand())
    .addCommand(speedCommand())
    .addCommand(batchCommand())
    .addCommand(serveCommand())
    .addCommand(scoreCommand())
    .addCommand(infraCommand());
  applyUsageErrorHandling(program);
  return program;
}

/** exitOverride and help-after-error on every command, nested ones included. */
function applyUsageErrorHandling(command: Command): void {
  command.exitOverride().showHelpAfterError(true);
  for (const sub of command.commands) applyUsageErrorHandling(sub);
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; everything else is a usage error.
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    throw error;
  }
}

await main(process.argv);
