/**
 * What every long-running command shares: validated config (a bad variable exits 2 naming it),
 * the logger, and orderly shutdown on SIGINT/SIGTERM.
 */
import type { Backends } from '../infra/backends.js';
import { type Config, ConfigError, loadConfig } from '../infra/config.js';
import type { EventLog } from '../infra/kafka/event-log.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { Shutdown } from '../infra/shutdown.js';

export const EXIT_USAGE = 2;

export interface CommandContext {
  config: Config;
  logger: Logger;
  shutdown: Shutdown;
}

/** Ends the command with exit 2 and the problem: a bad variable, or a bad file one names. */
export function exitWithConfigError(error: Error): never {
  process.stderr.write(`sentiment: configuration error\n${error.message}\n`);
  process.exit(EXIT_USAGE);
}

/** Loads the config or exits 2 with a message naming each bad variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    throw error;
  }
}

/**
 * Runs a command body. A service body resolves once it is serving and stays up until a signal;
 * a one-shot body returns an exit code (or 0) when done.
 */
export async function runCommand(
  name: string,
  body: (context: CommandContext) => Promise<number | 'serving'>,
): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, name);
  const shutdown = new Shutdown(logger);
  shutdown.installSignalHandlers();
  let outcome: number | 'serving';
  try {
    outcome = await body({ config, logger, shutdown });
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed: ${(error as Error).message}`);
    await shutdown.run('failure').catch(() => undefined);
    logger.flush();
    process.exitCode = 1;
    return;
  }
  if (outcome !== 'serving') {
    await shutdown.run('done');
    process.exitCode = outcome;
  }
}

/**
 * Opens the backends of `config` (the command's own by default) and closes them on shutdown.
 * Loaded on use, so commands that need no backend do not pay for the drivers.
 */
export async function openBackendsUntilShutdown(
  context: CommandContext,
  config = context.config,
): Promise<Backends> {
  const { openBackends } = await import('../infra/backends.js');
  const backends = await openBackends(config, context.logger);
  context.shutdown.onShutdown('backends', () => backends.close());
  return backends;
}

/** Opens only the event log of the command's config (no view store, no lake) until shutdown. */
export async function openEventLogUntilShutdown(context: CommandContext): Promise<EventLog> {
  const { openEventLog } = await import('../infra/backends.js');
  const [eventLog] = await openEventLog(context.config, context.logger);
  context.shutdown.onShutdown('event log', () => eventLog.close());
  return eventLog;
}
