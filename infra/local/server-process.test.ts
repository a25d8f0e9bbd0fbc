import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../retry.js';
import {
  isAlive,
  portIsFree,
  readPid,
  runLogged,
  startDetached,
  stopProcess,
  tailFile,
  withLock,
} from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'server-process-'));

function node(script: string, marker: string) {
  return { command: process.execPath, args: ['-e', script, marker], cwd: dir };
}

describe('detached server processes', () => {
  it('starts a detached process group with a pid file and log, and stops it with SIGTERM', async () => {
    const pidFile = join(dir, 'a.pid');
    const logFile = join(dir, 'a.log');
    const pid = await startDetached(
      node("console.log('hello from', process.argv[1]); setInterval(() => {}, 1000)", 'marker-a'),
      pidFile,
      logFile,
    );
    expect(readPid(pidFile)).toBe(pid);
    expect(isAlive(pid, 'marker-a')).toBe(true);
    // A reused pid running something else is not ours.
    expect(isAlive(pid, 'some-other-marker')).toBe(false);
    await sleep(300);
    expect(await tailFile(logFile, 1)).toBe('hello from marker-a');
    expect(await stopProcess(pid, 5_000, 'marker-a')).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const pid = await startDetached(
      node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)", 'marker-b'),
      join(dir, 'b.pid'),
      join(dir, 'b.log'),
    );
    for (let i = 0; i < 50 && (await tailFile(join(dir, 'b.log'), 1)) !== 'up'; i++) await sleep(100);
    expect(await stopProcess(pid, 500, 'marker-b')).toBe('killed');
    expect(isAlive(pid)).toBe(false);
  });

  it('reports a failing command with the end of its log', async () => {
    const logFile = join(dir, 'c.log');
    await expect(
      runLogged(process.execPath, ['-e', "console.error('boom'); process.exit(3)"], {
        cwd: dir,
        logFile,
        what: 'the thing',
      }),
    ).rejects.toThrow(/the thing failed \(exit 3\)[\s\S]*boom/);
  });

  it('tells a taken port from a free one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await portIsFree('127.0.0.1', port)).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(await portIsFree('127.0.0.1', port)).toBe(true);
  });

  it('serialises work on one lock and takes over a lock left by a dead process', async () => {
    const lock = join(dir, 'x.lock');
    const order: string[] = [];
    await Promise.all([
      withLock(lock, async () => {
        order.push('a-in');
        await sleep(300);
        order.push('a-out');
      }),
      sleep(50).then(() => withLock(lock, async () => order.push('b'))),
    ]);
    expect(order).toEqual(['a-in', 'a-out', 'b']);
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, '999999999\n');
    expect(await withLock(lock, async () => 'taken over')).toBe('taken over');
  });
});
