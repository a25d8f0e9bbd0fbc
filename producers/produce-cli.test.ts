import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePriceTick, decodeTweet } from '../schemas/events.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin/sentiment.js');
// A clean environment: no backend variables from the developer's shell.
const env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' };
const sentiment = (...args: string[]) =>
  run('node', [cli, ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });

async function exitCodeOf(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await sentiment(...args);
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

// Each case starts the CLI (tsx compiles on load): allow for a busy machine.
describe('sentiment produce (CLI)', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'produce-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints identical, schema-valid tweets with cashtags for the same seed, twice', async () => {
    const args = ['produce', 'tweets', '--count', '1000', '--seed', '7', '--to', 'stdout'];
    const [first, second] = await Promise.all([sentiment(...args), sentiment(...args)]);
    expect(second.stdout).toBe(first.stdout);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1000);
    for (const line of lines) expect(decodeTweet(line).ok, line).toBe(true);
    const withCashtag = lines.filter((l) => /\$[A-Za-z]{1,6}\b/.test(JSON.parse(l).text)).length;
    expect(withCashtag).toBeGreaterThan(970);
  });

  it('prints schema-valid price ticks', async () => {
    const { stdout } = await sentiment(
      'produce',
      'prices',
      '--count',
      '300',
      '--seed',
      '3',
      '--rate',
      'max',
      '--to',
      'stdout',
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    for (const line of lines) expect(decodePriceTick(line).ok, line).toBe(true);
  });

  it('replays a file to stdout and lists the bad rows in the reject file', async () => {
    const rejects = join(dir, 'rejects.jsonl');
    const file = join(root, 'test/fixtures/replay/ticks-with-bad-rows.csv');
    const { stdout, stderr } = await sentiment(
      'produce',
      'replay',
      '--file',
      file,
      '--topic',
      'stock-prices',
      '--to',
      'stdout',
      '--rejects',
      rejects,
    );
    expect(stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(stderr).toContain('4 sent, 7 rejected');
    const lines = (await readFile(rejects, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).line);
    expect(lines).toEqual([4, 5, 6, 7, 8, 12, 13]);
  });

  it('exits 2 with a message on bad flags', async () => {
    const [bad, kafka] = await Promise.all([
      exitCodeOf('produce', 'tweets', '--rate', 'fast', '--to', 'stdout'),
      exitCodeOf('produce', 'tweets', '--count', '1', '--to', 'kafka'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--rate/);
    expect(kafka.code).toBe(2);
    expect(kafka.stderr).toMatch(/KAFKA_BROKERS/);
  });
});
