/**
 * The CLI as a user runs it: a real process, real exit codes, real signals.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../bin/sentiment.js');

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    timeout: 60_000,
  });
}

async function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  let seen = '';
  for await (const chunk of child.stderr as NodeJS.ReadableStream) {
    seen += chunk.toString();
    const match = seen.match(pattern);
    if (match) return match[0];
  }
  throw new Error(`process ended before printing ${pattern}: ${seen}`);
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

  it('exits 2 with usage on an unknown command or flag', () => {
    const command = run(['fly']);
    expect(command.status).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'fly'/);
    const flag = run(['serve', '--bogus']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('exits 2 naming a bad variable before starting', () => {
    const result = run(['serve'], { API_PORT: 'abc' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('API_PORT="abc" is invalid: expected an integer 0..65535');
  });

  it('serves /health and stops cleanly with exit 0 on SIGTERM', async () => {
    const lake = mkdtempSync(join(tmpdir(), 'cli-lake-'));
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: { ...process.env, API_PORT: '0', LOG_LEVEL: 'info', LAKE_DIR: lake },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const address = (await waitForLine(child, /http:\/\/127\.0\.0\.1:\d+/)) as string;
      const response = await fetch(`${address}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', backends: { eventLog: 'embedded' } });
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
