/**
 * Where infra/local keeps things and which loopback ports it uses. These INFRA_* variables belong to
 * the developer tooling, not to the product, so they are read here rather than in infra/config.ts.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServerName = 'kafka' | 'cassandra' | 'minio';
export const SERVER_NAMES: readonly ServerName[] = ['kafka', 'cassandra', 'minio'];

/** Every server binds to loopback only: nothing here is meant to be reachable from elsewhere. */
export const HOST = '127.0.0.1';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface InfraSettings {
  /** All server state (data, config, logs, pid files); `down --purge` removes it. */
  dataDir: string;
  /** Downloads and builds, shared by every checkout and kept across purges. */
  cacheDir: string;
  kafka: { port: number; controllerPort: number };
  cassandra: { port: number; storagePort: number; dataCenter: string };
  minio: {
    port: number;
    consolePort: number;
    rootUser: string;
    rootPassword: string;
    bucket: string;
    region: string;
  };
}

/** The INFRA_* variables this module reads, for help texts. */
export const SETTING_VARIABLES = {
  INFRA_DATA_DIR: 'server data, logs and pid files (default ./.data/infra in the repository)',
  INFRA_CACHE_DIR: 'downloaded jars and the MinIO build (default ~/.cache/market-sentiment)',
  INFRA_KAFKA_PORT: 'Kafka broker port (default 9092)',
  INFRA_KAFKA_CONTROLLER_PORT: 'Kafka KRaft controller port (default 9093)',
  INFRA_CASSANDRA_PORT: 'Cassandra CQL port (default 9042)',
  INFRA_CASSANDRA_STORAGE_PORT: 'Cassandra internode port (default 7000)',
  INFRA_MINIO_PORT: 'MinIO S3 API port (default 9000)',
  INFRA_MINIO_CONSOLE_PORT: 'MinIO console port, bound but with the browser off (default 9001)',
} as const;

export class InfraSettingsError extends Error {
  override name = 'InfraSettingsError';
}

function port(env: NodeJS.ProcessEnv, name: keyof typeof SETTING_VARIABLES, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    throw new InfraSettingsError(`${name}=${JSON.stringify(raw)} is invalid: expected a port 1..65535`);
  }
  return n;
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.cache'), 'market-sentiment');
}

export function infraSettings(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const settings: InfraSettings = {
    dataDir: resolve(REPO_ROOT, env.INFRA_DATA_DIR || join('.data', 'infra')),
    cacheDir: resolve(env.INFRA_CACHE_DIR || defaultCacheDir(env)),
    kafka: {
      port: port(env, 'INFRA_KAFKA_PORT', 9092),
      controllerPort: port(env, 'INFRA_KAFKA_CONTROLLER_PORT', 9093),
    },
    cassandra: {
      port: port(env, 'INFRA_CASSANDRA_PORT', 9042),
      storagePort: port(env, 'INFRA_CASSANDRA_STORAGE_PORT', 7000),
      // SimpleSnitch always reports this data centre.
      dataCenter: 'datacenter1',
    },
    minio: {
      port: port(env, 'INFRA_MINIO_PORT', 9000),
      consolePort: port(env, 'INFRA_MINIO_CONSOLE_PORT', 9001),
      // Loopback-only development credentials; MinIO wants a password of 8+ characters.
      rootUser: 'sentiment',
      rootPassword: 'sentiment-local',
      bucket: 'sentiment-lake',
      region: 'us-east-1',
    },
  };
  const ports = [
    ['INFRA_KAFKA_PORT', settings.kafka.port],
    ['INFRA_KAFKA_CONTROLLER_PORT', settings.kafka.controllerPort],
    ['INFRA_CASSANDRA_PORT', settings.cassandra.port],
    ['INFRA_CASSANDRA_STORAGE_PORT', settings.cassandra.storagePort],
    ['INFRA_MINIO_PORT', settings.minio.port],
    ['INFRA_MINIO_CONSOLE_PORT', settings.minio.consolePort],
  ] as const;
  const seen = new Map<number, string>();
  for (const [name, value] of ports) {
    const other = seen.get(value);
    if (other)
      throw new InfraSettingsError(`${name} and ${other} are both ${value}: each server port must differ`);
    seen.set(value, name);
  }
  return settings;
}

/** The product's config variables (infra/config.ts names) pointing at the local servers. */
export function envFor(settings: InfraSettings): Record<string, string> {
  return {
    KAFKA_BROKERS: `${HOST}:${settings.kafka.port}`,
    CASSANDRA_CONTACT_POINTS: `${HOST}:${settings.cassandra.port}`,
    CASSANDRA_LOCAL_DC: settings.cassandra.dataCenter,
    S3_ENDPOINT: `http://${HOST}:${settings.minio.port}`,
    S3_BUCKET: settings.minio.bucket,
    S3_REGION: settings.minio.region,
    S3_ACCESS_KEY_ID: settings.minio.rootUser,
    S3_SECRET_ACCESS_KEY: settings.minio.rootPassword,
  };
}
