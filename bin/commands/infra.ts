/**
 * `sentiment infra`: real Kafka, Cassandra and MinIO on this machine (infra/local), and the
 * integration suite against them.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { ServerStatus } from '../../infra/local/index.js';
import { tailFile } from '../../infra/local/server-process.js';
import { REPO_ROOT, SERVER_NAMES, type ServerName } from '../../infra/local/settings.js';
import { sleep } from '../../infra/retry.js';

const INTEGRATION_CONFIG = 'vitest.integration.config.ts';

/** The servers' code, loaded on use: its drivers cost every other command a second at start. */
const local = () => import('../../infra/local/index.js');

function serverName(value: string): ServerName {
  if (!(SERVER_NAMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${SERVER_NAMES.join(', ')}`);
  }
  return value as ServerName;
}

function serverNames(value: string, previous: ServerName[] = []): ServerName[] {
  return [...previous, serverName(value)];
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function statusTable(statuses: ServerStatus[]): string {
  return statuses
    .map((s) => {
      const state = s.ready ? 'ready' : s.running ? 'running, not answering' : 'stopped';
      const pid = s.pid !== undefined ? `pid ${s.pid}` : '';
      return `${s.name.padEnd(10)} ${state.padEnd(23)} ${s.endpoint.padEnd(22)} ${pid.padEnd(10)} log ${shown(s.logFile)}`;
    })
    .join('\n');
}

/** A value the shell reads back unchanged: bare when safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:,@+=-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function fail(error: unknown): void {
  process.stderr.write(`sentiment infra: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

/** The S3 client's Node 20 end-of-support notice is noise in a tool's output (only this process). */
function quietAwsNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function upAll(names: ServerName[]): Promise<ServerStatus[]> {
  const started = Date.now();
  const statuses = await (await local()).up(names, { log: progress });
  progress(`all ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return statuses;
}

function upCommand(): Command {
  return new Command('up')
    .description('start the servers (all by default) and wait until each answers; harmless when running')
    .argument('[names...]', `servers: ${SERVER_NAMES.join(', ')}`, serverNames)
    .action(async (names: ServerName[] | undefined) => {
      quietAwsNotice();
      try {
        const statuses = await upAll(names ?? []);
        process.stdout.write(`${statusTable(statuses)}\n`);
        process.stderr.write('point commands at them with: eval "$(npx sentiment infra env)"\n');
      } catch (error) {
        fail(error);
      }
    });
}

function downCommand(): Command {
  return new Command('down')
    .description('stop the servers (all by default); data is kept unless --purge')
    .argument('[names...]', `servers: ${SERVER_NAMES.join(', ')}`, serverNames)
    .option('--purge', 'also delete their data (the whole data folder when no names are given)')
    .action(async (names: ServerName[] | undefined, options: { purge?: boolean }) => {
      try {
        await (await local()).down(names, { purge: options.purge ?? false });
        process.stderr.write(
          `stopped ${(names?.length ? names : SERVER_NAMES).join(', ')}${options.purge ? ', data deleted' : ''}\n`,
        );
      } catch (error) {
        fail(error);
      }
    });
}

function statusCommand(): Command {
  return new Command('status').description('tell which servers run and answer').action(async () => {
    try {
      const statuses = await (await local()).status();
      process.stdout.write(`${statusTable(statuses)}\n`);
    } catch (error) {
      fail(error);
    }
  });
}

function envCommand(): Command {
  return new Command('env')
    .description('print export lines for the local servers: eval "$(npx sentiment infra env)"')
    .action(async () => {
      const lines = Object.entries((await local()).infraEnv()).map(
        ([key, value]) => `export ${key}=${shellQuote(value)}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
      const stopped = (await (await local()).status()).filter((s) => !s.ready).map((s) => s.name);
      if (stopped.length > 0) {
        process.stderr.write(
          `note: not answering: ${stopped.join(', ')}; start with: npx sentiment infra up\n`,
        );
      }
    });
}

async function follow(file: string): Promise<void> {
  let position = existsSync(file) ? statSync(file).size : 0;
  for (;;) {
    await sleep(500);
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < position) position = 0;
    if (size > position) {
      await new Promise<void>((resolve, reject) => {
        createReadStream(file, { start: position, end: size - 1 })
          .on('end', resolve)
          .on('error', reject)
          .pipe(process.stdout, { end: false });
      });
      position = size;
    }
  }
}

function logsCommand(): Command {
  return new Command('logs')
    .description("print the end of a server's log")
    .argument('<name>', `server: ${SERVER_NAMES.join(', ')}`, serverName)
    .option('-n, --lines <count>', 'lines to print', positiveInteger, 100)
    .option('-f, --follow', 'keep printing what is appended')
    .action(async (name: ServerName, options: { lines: number; follow?: boolean }) => {
      const entry = (await (await local()).status()).find((s) => s.name === name);
      if (!entry) return;
      if (!existsSync(entry.logFile)) {
        process.stderr.write(`no log yet at ${entry.logFile}: ${name} was never started\n`);
        if (!options.follow) return;
      }
      const text = await tailFile(entry.logFile, options.lines);
      if (text !== '') process.stdout.write(`${text}\n`);
      if (options.follow) await follow(entry.logFile);
    });
}

/** The vitest CLI of this repository, run with the current Node. */
function vitestBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
}

function testCommand(): Command {
  return new Command('test')
    .description(
      `start the servers if needed, then run the integration tests (${INTEGRATION_CONFIG}) against them`,
    )
    .argument('[vitest-args...]', 'passed to vitest run (a filter, -t <pattern>, ...)')
    .allowUnknownOption()
    .action(async (args: string[]) => {
      const environment = { ...process.env };
      quietAwsNotice();
      try {
        await upAll([]);
      } catch (error) {
        fail(error);
        return;
      }
      const child = spawn(
        process.execPath,
        // commander keeps a "--" that follows unknown options; vitest would read what follows as operands.
        [
          vitestBin(),
          'run',
          '--config',
          join(REPO_ROOT, INTEGRATION_CONFIG),
          ...args.filter((a) => a !== '--'),
        ],
        { cwd: REPO_ROOT, env: { ...environment, ...(await local()).infraEnv() }, stdio: 'inherit' },
      );
      const code = await new Promise<number>((resolve) => {
        child.once('error', (error) => {
          process.stderr.write(`sentiment infra test: cannot run vitest: ${error.message}\n`);
          resolve(1);
        });
        child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
      });
      process.exitCode = code;
    });
}

export function infraCommand(): Command {
  return new Command('infra')
    .description(
      'start, stop and inspect local Kafka, Cassandra and MinIO (no Docker), and run the integration tests',
    )
    .addCommand(upCommand())
    .addCommand(downCommand())
    .addCommand(statusCommand())
    .addCommand(envCommand())
    .addCommand(logsCommand())
    .addCommand(testCommand());
}
