/**
 * Real Kafka, Cassandra and MinIO on this machine, without Docker: the programmatic API behind
 * `sentiment infra` and the integration tests. Servers run detached, bound to 127.0.0.1, with all
 * their state under one data folder (INFRA_DATA_DIR, default ./.data/infra).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../retry.js';
import { cassandraServer } from './cassandra-server.js';
import { kafkaServer } from './kafka-server.js';
import { minioServer } from './minio-server.js';
import type { ServerDefinition } from './server-definition.js';
import {
  isAlive,
  portIsFree,
  readPid,
  startDetached,
  stopProcess,
  tailFile,
  withLock,
} from './server-process.js';
import {
  envFor,
  HOST,
  type InfraSettings,
  infraSettings,
  SERVER_NAMES,
  type ServerName,
} from './settings.js';

export type { ServerName } from './settings.js';
export { SERVER_NAMES } from './settings.js';

export interface ServerStatus {
  name: ServerName;
  running: boolean;
  ready: boolean;
  pid?: number;
  endpoint: string;
  logFile: string;
}

export interface UpOptions {
  /** Progress lines (downloads, starts, readiness); silent when omitted. */
  log?: (line: string) => void;
}

export interface DownOptions {
  /** Also delete the servers' data (all of the data folder when no names are given). */
  purge?: boolean;
}

export function definitions(settings: InfraSettings = infraSettings()): Record<ServerName, ServerDefinition> {
  return { kafka: kafkaServer(settings), cassandra: cassandraServer(settings), minio: minioServer(settings) };
}

function selected(names: ServerName[] | undefined): ServerName[] {
  const list = names && names.length > 0 ? names : [...SERVER_NAMES];
  for (const name of list) {
    if (!SERVER_NAMES.includes(name)) {
      throw new Error(`unknown server "${name}": expected one of ${SERVER_NAMES.join(', ')}`);
    }
  }
  return [...new Set(list)];
}

/** The pid of our running process for this server, if any; a stale pid file is removed. */
function runningPid(def: ServerDefinition): number | undefined {
  const pid = readPid(def.pidFile);
  if (pid === undefined) return undefined;
  if (isAlive(pid, def.marker)) return pid;
  rmSync(def.pidFile, { force: true });
  return undefined;
}

async function statusOf(def: ServerDefinition): Promise<ServerStatus> {
  const pid = runningPid(def);
  const ready = pid !== undefined && (await def.probe());
  return {
    name: def.name,
    running: pid !== undefined,
    ready,
    ...(pid !== undefined ? { pid } : {}),
    endpoint: def.endpoint,
    logFile: def.logFile,
  };
}

async function waitReady(def: ServerDefinition, pid: number, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const deadline = started + def.readyTimeoutMs;
  let lastNote = started;
  for (;;) {
    if (!isAlive(pid, def.marker)) {
      throw new Error(
        `${def.name} exited during start-up; last lines of ${def.logFile}:\n${await tailFile(def.logFile, 30)}`,
      );
    }
    if (await def.probe()) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${def.name} did not become ready within ${def.readyTimeoutMs / 1000} s (pid ${pid} still runs); ` +
          `last lines of ${def.logFile}:\n${await tailFile(def.logFile, 30)}`,
      );
    }
    if (Date.now() - lastNote > 15_000) {
      lastNote = Date.now();
      log(`${def.name}: still starting (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await sleep(500);
  }
  await def.afterReady?.();
}

async function upOne(def: ServerDefinition, log: (line: string) => void): Promise<ServerStatus> {
  mkdirSync(def.dir, { recursive: true });
  return withLock(join(def.dir, 'start.lock'), async () => {
    const started = Date.now();
    let pid = runningPid(def);
    if (pid !== undefined) {
      // Already ours and running (maybe still starting): just wait for it.
      await waitReady(def, pid, log);
    } else {
      for (const port of def.ports) {
        if (!(await portIsFree(HOST, port))) {
          throw new Error(
            `${def.name}: ${HOST}:${port} is in use by a process not started from ${def.dir}; ` +
              'stop it, or choose other ports (INFRA_*_PORT variables)',
          );
        }
      }
      const spec = await def.prepare(log);
      pid = await startDetached(spec, def.pidFile, def.logFile);
      log(`${def.name}: started (pid ${pid}), waiting until ready; log: ${def.logFile}`);
      try {
        await waitReady(def, pid, log);
      } catch (error) {
        // Never leave a half-started server behind a failed `up`.
        await stopProcess(pid, 5_000, def.marker);
        rmSync(def.pidFile, { force: true });
        throw error;
      }
    }
    log(`${def.name}: ready at ${def.endpoint} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { name: def.name, running: true, ready: true, pid, endpoint: def.endpoint, logFile: def.logFile };
  });
}

/**
 * Starts the named servers (all by default) in parallel and resolves once each answers a real
 * request. Idempotent: a running server is only checked. Rejects with an error naming every server
 * that failed, after the others have finished starting.
 */
export async function up(names?: ServerName[], options: UpOptions = {}): Promise<ServerStatus[]> {
  const log = options.log ?? (() => undefined);
  const defs = definitions();
  const list = selected(names);
  const results = await Promise.allSettled(list.map((name) => upOne(defs[name], log)));
  const failures = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const message = (r.reason as Error).message;
    return [message.startsWith(`${list[i]}`) ? message : `${list[i]}: ${message}`];
  });
  if (failures.length > 0) {
    throw new Error(`infra up failed for ${failures.length} server(s):\n${failures.join('\n')}`);
  }
  return results.map((r) => (r as PromiseFulfilledResult<ServerStatus>).value);
}

/**
 * Stops the named servers (all by default): SIGTERM, then SIGKILL after each server's grace period.
 * Data is kept unless `purge`, which deletes the servers' folders (the whole data folder when no
 * names are given).
 */
export async function down(names?: ServerName[], options: DownOptions = {}): Promise<void> {
  const settings = infraSettings();
  const defs = definitions(settings);
  const list = selected(names);
  await Promise.all(
    list.map(async (name) => {
      const def = defs[name];
      const pid = runningPid(def);
      if (pid !== undefined) await stopProcess(pid, def.stopGraceMs, def.marker);
      rmSync(def.pidFile, { force: true });
      if (options.purge) rmSync(def.dir, { recursive: true, force: true });
    }),
  );
  if (options.purge && (!names || names.length === 0)) {
    rmSync(settings.dataDir, { recursive: true, force: true });
  }
}

/** What runs and what answers, without starting anything. */
export async function status(): Promise<ServerStatus[]> {
  const defs = definitions();
  return Promise.all(SERVER_NAMES.map((name) => statusOf(defs[name])));
}

/** The config variables (infra/config.ts names) that point every command at the local servers. */
export function infraEnv(): Record<string, string> {
  return envFor(infraSettings());
}
