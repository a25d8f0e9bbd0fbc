/**
 * The CLI as a user runs it: a real process, real exit codes, real signals.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'sentiment.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    timeout: 60_000,
  });
}

/** The child's stderr as it arrives: wait for a pattern, or for all of it once the child exits. */
function watchStderr(child: ChildProcess) {
  let text = '';
  const waiters: (() => void)[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = once(child, 'exit');
  return {
    all: () => exited.then(() => text),
    async waitFor(pattern: RegExp): Promise<string> {
      for (;;) {
        const match = text.match(pattern);
        if (match) return match[0];
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`process ended before printing ${pattern}: ${text}`);
        await Promise.race([new Promise<void>((wake) => waiters.push(wake)), exited]);
      }
    },
  };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Each case starts real processes; on a loaded 2-core machine that takes seconds.
describe('sentiment CLI', { timeout: 60_000 }, () => {
  it('lists the seven commands in --help', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    for (const command of ['demo', 'produce', 'speed', 'batch', 'serve', 'score', 'infra']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('gives each command its own --help', { timeout: 90_000 }, async () => {
    const commands = ['demo', 'produce', 'speed', 'batch', 'serve', 'score', 'infra'];
    const outputs = await Promise.all(
      commands.map(
        (command) =>
          new Promise<string>((resolve, reject) => {
            execFile(process.execPath, [CLI, command, '--help'], { timeout: 60_000 }, (error, stdout) =>
              error ? reject(error) : resolve(stdout),
            );
          }),
      ),
    );
    outputs.forEach((stdout, i) => {
      expect(stdout).toContain(`Usage: sentiment ${commands[i]}`);
    });
  });

  it('exits 2 printing the error and the usage on an unknown command or flag', () => {
    const command = run(['fly']);
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'fly'/);
    expect(command.stderr).toMatch(/^Usage: sentiment \[options\] \[command\]$/m);
    expect(command.stderr).toMatch(/^\s+serve\b/m);
    const flag = run(['serve', '--bogus']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--bogus'/);
    expect(flag.stderr).toMatch(/^Usage: sentiment serve \[options\]$/m);
  });

  it('exits 2 naming a bad variable before starting', () => {
    const result = run(['serve'], { API_PORT: 'abc' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('API_PORT="abc" is invalid: expected an integer 0..65535');
  });

  it('exits 2 before starting when SPEED_VIEW_TTL does not outlast BATCH_CRON, naming both', () => {
    const result = run(['serve'], { BATCH_CRON: '0 3 * * 0', SPEED_VIEW_TTL: '48h' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SPEED_VIEW_TTL="48h" is invalid: .*BATCH_CRON="0 3 \* \* 0"/);
  });

  it('serves /health started as the README says, logs only JSON, and exits 0 on SIGTERM with no orphan', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'cli-lake-'));
    // README, "Running a service": the project's Node first on the PATH, then node directly, so
    // the signal reaches the CLI itself (npm's wrappers do not pass SIGTERM on).
    const child = spawn('node', ['bin/sentiment.js', 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
        API_PORT: '0',
        LOG_LEVEL: 'info',
        LAKE_DIR: lake,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr = watchStderr(child);
    try {
      const address = await stderr.waitFor(/http:\/\/127\.0\.0\.1:\d+/);
      const response = await fetch(`${address}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', backends: { eventLog: 'embedded' } });
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const lines = jsonLines(await stderr.all());
      // The process that served is the one we signalled: no wrapper left a server behind.
      expect(new Set(lines.map((l) => l.pid))).toEqual(new Set([child.pid]));
      expect(lines.map((l) => l.msg)).toContain('stopped');
      expect(isAlive(child.pid as number)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(lake, { recursive: true, force: true });
    }
  });

  it.each([
    ['--tick-rate', 'prices', 'tweets'],
    ['--tweet-rate', 'tweets', 'prices'],
  ])('demo %s 0 publishes none of that feed and keeps the other', async (flag, none, other) => {
    const lake = mkdtempSync(join(tmpdir(), 'cli-demo-lake-'));
    // No history: it is published at once, and this counts the paced feed.
    const child = spawn(process.execPath, [CLI, 'demo', flag, '0', '--history', '0s'], {
      env: { ...process.env, API_PORT: '0', LOG_LEVEL: 'info', LAKE_DIR: lake },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr = watchStderr(child);
    try {
      await stderr.waitFor(/demo running/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const stopped = jsonLines(await stderr.all()).find((l) => l.msg === 'synthetic feeds stopped');
      expect(stopped?.[none]).toBe(0);
      // Paced, not unthrottled: 1.5 s at the default rates is tens of events, never thousands.
      expect(stopped?.[other]).toBeGreaterThan(0);
      expect(stopped?.[other]).toBeLessThan(200);
    } finally {
      child.kill('SIGKILL');
      rmSync(lake, { recursive: true, force: true });
    }
  });
});
