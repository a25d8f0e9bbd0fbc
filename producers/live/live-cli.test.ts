/**
 * `sentiment produce live` as a user runs it, against a local feed server: SIGTERM closes the open
 * seconds, prints their ticks and exits 0; the token never appears in the logs; bad setups exit 2
 * naming what is wrong.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodePriceTick } from '../../schemas/events.js';
import { FeedServer, fixtureFrames } from './fixtures/feed-server.js';

const root = new URL('../..', import.meta.url).pathname;
const TOKEN = 'fh-cli-token-42b1d9';
const S0 = Date.parse('2026-12-01T14:30:00Z');

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function cli(args: string[], env: Record<string, string>, cwd: string): Cli {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('FINNHUB_') && !k.startsWith('BINANCE_') && k !== 'KAFKA_BROKERS',
    ),
  );
  const child = spawn(process.execPath, [join(root, 'bin/sentiment.js'), 'produce', 'live', ...args], {
    cwd,
    env: { ...clean, LOG_LEVEL: 'debug', ...env },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exit };
}

const servers: FeedServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'live-cli-'));
  dirs.push(dir);
  return dir;
}

describe('sentiment produce live (CLI)', () => {
  it('on SIGTERM publishes the open seconds and exits 0, never logging the token', async () => {
    const server = await FeedServer.start({
      token: TOKEN,
      scripts: [
        async (c) => {
          await c.waitForFrames(2);
          await c.send(fixtureFrames('finnhub-session-1.jsonl'));
        },
      ],
    });
    servers.push(server);
    const run = cli(
      ['--source', 'finnhub', '--symbols', 'AAPL,MSFT', '--to', 'stdout', '--idle-flush', '1h'],
      { FINNHUB_TOKEN: TOKEN, FINNHUB_WS_URL: server.url },
      await workDir(),
    );
    // The 2.3 s trade closes AAPL's second 0 in event time; the rest stays open until SIGTERM.
    await vi.waitFor(() => expect(run.stdout().split('\n').filter(Boolean)).toHaveLength(1), {
      timeout: 15_000,
    });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const ticks = run
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const decoded = decodePriceTick(line);
        if (!decoded.ok) throw new Error(line);
        return decoded.value;
      });
    expect(ticks).toEqual([
      {
        symbol: 'AAPL',
        trade_timestamp: S0,
        open_price: 228.1,
        high_price: 228.3,
        low_price: 228.1,
        close_price: 228.3,
        volume: 150,
      },
      {
        symbol: 'AAPL',
        trade_timestamp: S0 + 1000,
        open_price: 228.2,
        high_price: 228.7,
        low_price: 228,
        close_price: 228.7,
        volume: 115,
      },
      {
        symbol: 'AAPL',
        trade_timestamp: S0 + 2000,
        open_price: 228.4,
        high_price: 228.4,
        low_price: 228.4,
        close_price: 228.4,
        volume: 10,
      },
      {
        symbol: 'MSFT',
        trade_timestamp: S0,
        open_price: 421,
        high_price: 421,
        low_price: 421,
        close_price: 421,
        volume: 10,
      },
    ]);
    expect(run.stderr()).toContain('finnhub: connected');
    expect(run.stderr()).not.toContain(TOKEN);
  }, 60_000);

  it('exits 1 naming FINNHUB_TOKEN when Finnhub refuses the token, without printing it', async () => {
    const server = await FeedServer.start({ token: 'another-token', scripts: [] });
    servers.push(server);
    const run = cli(
      ['--source', 'finnhub', '--symbols', 'AAPL', '--to', 'stdout'],
      { FINNHUB_TOKEN: TOKEN, FINNHUB_WS_URL: server.url },
      await workDir(),
    );
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toContain('finnhub refused the connection with HTTP 401: check FINNHUB_TOKEN');
    expect(run.stderr()).not.toContain(TOKEN);
  }, 60_000);

  it('exits 2 naming the problem: no token, an unmapped pair, klines on Finnhub, too many symbols', async () => {
    const dir = await workDir();
    const cases: [string[], Record<string, string>, string][] = [
      [['--source', 'finnhub', '--symbols', 'AAPL'], {}, '--source finnhub needs FINNHUB_TOKEN'],
      [['--source', 'binance', '--symbols', 'AAPL'], {}, '"AAPL" is not a Binance pair we map'],
      [
        ['--source', 'finnhub', '--symbols', 'AAPL', '--klines'],
        { FINNHUB_TOKEN: TOKEN },
        '--klines is for --source binance',
      ],
      [
        ['--source', 'finnhub', '--symbols', 'AAPL,MSFT', '--max-symbols', '1'],
        { FINNHUB_TOKEN: TOKEN },
        'finnhub allows at most 1 symbols per connection; this run needs 2',
      ],
      [
        ['--source', 'binance', '--symbols', 'BTC'],
        { BINANCE_WS_URL: 'http://x' },
        'BINANCE_WS_URL="http://x" is invalid',
      ],
    ];
    const runs = cases.map(([args, env]) => cli([...args, '--to', 'stdout'], env, dir));
    for (const [i, run] of runs.entries()) {
      expect(await run.exit).toBe(2);
      expect(run.stderr()).toContain(cases[i]![2]);
      expect(run.stderr()).not.toContain(TOKEN);
    }
  }, 120_000);
});
