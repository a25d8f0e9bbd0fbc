/**
 * Detached server processes: each runs in its own process group (so it outlives the CLI or test
 * that started it, and a stop reaches its children too), with a pid file and an appended log file.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { sleep } from '../retry.js';

export interface LaunchSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
}

/** A pid from a pid file, or undefined when there is none or it is unreadable. */
export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a live process, and (where /proc exists) one whose command line contains
 * `marker`: a pid file can outlive a reboot and its pid be reused by an unrelated process.
 */
export function isAlive(pid: number, marker?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: alive but not ours to signal, so not a server we started either.
    return false;
  }
  const stat = procFile(pid, 'stat');
  if (stat !== undefined) {
    // A zombie (state Z) has exited and only waits to be reaped by its parent.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  }
  if (marker !== undefined) {
    const cmdline = procFile(pid, 'cmdline');
    if (cmdline !== undefined && !cmdline.includes(marker)) return false;
  }
  return true;
}

/** Starts `spec` detached, its output appended to `logFile`; writes and returns its pid. */
export async function startDetached(spec: LaunchSpec, pidFile: string, logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  try {
    writeFileSync(fd, `\n--- ${new Date().toISOString()} starting: ${spec.command} ${spec.args.join(' ')}\n`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      // detached = setsid(): a new session and process group, immune to the parent's Ctrl-C.
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    writeFileSync(pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM to the process group, then SIGKILL once `graceMs` has passed; resolves when it is gone. */
export async function stopProcess(
  pid: number,
  graceMs: number,
  marker?: string,
): Promise<'stopped' | 'killed'> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid, marker)) return 'stopped';
    await sleep(200);
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid, marker); i++) await sleep(100);
  return 'killed';
}

/** Runs a command to completion with its output appended to `logFile`; rejects on a non-zero exit. */
export async function runLogged(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; logFile: string; what: string },
): Promise<void> {
  const fd = openSync(options.logFile, 'a');
  try {
    writeFileSync(fd, `\n--- ${new Date().toISOString()} running: ${command} ${args.join(' ')}\n`);
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', fd, fd],
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) {
      throw new Error(
        `${options.what} failed (exit ${code}); last lines of ${options.logFile}:\n${await tailFile(options.logFile, 25)}`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export async function tailFile(file: string, lines: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    // Read only the end: server logs grow large.
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

/** Whether nothing listens on host:port (so a server of ours may bind it). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Runs `body` holding an exclusive lock file, so two `up`s at once (a CLI and a test run) do not
 * start the same server twice. A lock left by a dead process is taken over.
 */
export async function withLock<T>(
  lockFile: string,
  body: () => Promise<T>,
  timeoutMs = 15 * 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(lockFile);
      if (holder === undefined || !isAlive(holder)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lockFile} held by pid ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await body();
  } finally {
    if (readPid(lockFile) === process.pid) rmSync(lockFile, { force: true });
  }
}

/** Reads a file if it exists. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
