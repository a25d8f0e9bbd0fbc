/**
 * Downloads and builds, cached outside the repository under exact versions, so only the first `up`
 * on a machine pays for them. Each artifact is produced in a temporary folder and renamed into
 * place, so an interrupted download never looks complete and two concurrent runs cannot mix.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLogged } from './server-process.js';
import type { InfraSettings } from './settings.js';
import { requireGo, requireMaven } from './toolchain.js';
import { CASSANDRA_VERSION, KAFKA_VERSION, MINIO_MODULE, MINIO_VERSION } from './versions.js';

const LOCAL_DIR = dirname(fileURLToPath(import.meta.url));

export type JvmServer = 'kafka' | 'cassandra';

const MAVEN: Record<JvmServer, { pom: string; versionProperty: string; version: string }> = {
  kafka: {
    pom: join(LOCAL_DIR, 'maven', 'kafka.pom.xml'),
    versionProperty: 'kafka.version',
    version: KAFKA_VERSION,
  },
  cassandra: {
    pom: join(LOCAL_DIR, 'maven', 'cassandra.pom.xml'),
    versionProperty: 'cassandra.version',
    version: CASSANDRA_VERSION,
  },
};

/** The pom a JVM server's jars come from, and the version it is pinned to. */
export function mavenSpec(server: JvmServer): { pom: string; versionProperty: string; version: string } {
  return MAVEN[server];
}

/**
 * The folder the jars of a JVM server go to: its version, plus a digest of the pom, since a changed
 * dependency list with the same version must not reuse a stale folder.
 */
export function mavenLibDir(settings: InfraSettings, server: JvmServer): string {
  const { pom, version } = MAVEN[server];
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 8);
  return join(settings.cacheDir, `${server}-${version}-${digest}`, 'lib');
}

/**
 * Maven runs one at a time in this process: the two servers share one local repository, which
 * Maven 3 does not lock against concurrent writers. The MinIO build takes far longer anyway.
 */
let mavenQueue: Promise<unknown> = Promise.resolve();

/** Every runtime jar of a JVM server in one folder (one per server: their netty/slf4j differ). */
export function ensureMavenLib(
  settings: InfraSettings,
  server: JvmServer,
  log: (line: string) => void,
): Promise<string> {
  const lib = mavenLibDir(settings, server);
  if (existsSync(lib)) return Promise.resolve(lib);
  const run = mavenQueue.then(() => fetchMavenLib(settings, server, lib, log));
  mavenQueue = run.catch(() => undefined);
  return run;
}

async function fetchMavenLib(
  settings: InfraSettings,
  server: JvmServer,
  lib: string,
  log: (line: string) => void,
): Promise<string> {
  if (existsSync(lib)) return lib;
  const mvn = await requireMaven();
  const { pom, versionProperty, version } = MAVEN[server];
  const home = dirname(lib);
  mkdirSync(home, { recursive: true });
  const tmp = `${lib}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  log(`${server}: fetching ${server} ${version} jars from Maven Central (first run only)`);
  const started = Date.now();
  await runLogged(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      pom,
      // A repository of our own, so the cache is complete in one place and removable as a whole.
      `-Dmaven.repo.local=${join(settings.cacheDir, 'm2')}`,
      `-D${versionProperty}=${version}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmp}`,
    ],
    { cwd: home, logFile: join(home, 'maven.log'), what: `${server}: Maven download` },
  );
  try {
    renameSync(tmp, lib);
  } catch (error) {
    // Another run finished first: keep its folder.
    if (!existsSync(lib)) throw error;
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`${server}: jars cached in ${lib} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return lib;
}

export function minioBinary(settings: InfraSettings): string {
  return join(settings.cacheDir, `minio-${MINIO_VERSION}`, 'bin', 'minio');
}

/** The MinIO server binary, built with `go install` from the module proxy when not cached yet. */
export async function ensureMinio(settings: InfraSettings, log: (line: string) => void): Promise<string> {
  const binary = minioBinary(settings);
  if (existsSync(binary)) return binary;
  const go = await requireGo();
  const home = dirname(dirname(binary));
  mkdirSync(home, { recursive: true });
  const tmpBin = join(home, `bin.tmp-${process.pid}`);
  rmSync(tmpBin, { recursive: true, force: true });
  log(
    `minio: building ${MINIO_MODULE}@${MINIO_VERSION} with go install (first run only, minutes on 2 cores)`,
  );
  const started = Date.now();
  const goDir = join(settings.cacheDir, 'go');
  await runLogged(go, ['install', '-trimpath', `${MINIO_MODULE}@${MINIO_VERSION}`], {
    cwd: home,
    logFile: join(home, 'build.log'),
    what: 'minio: go install',
    env: {
      GOBIN: tmpBin,
      // A static binary: no C toolchain needed.
      CGO_ENABLED: '0',
      // Module and build caches inside our cache folder, so clearing it really starts cold;
      // -modcacherw keeps the module cache deletable with a plain rm -rf.
      GOMODCACHE: join(goDir, 'mod'),
      GOCACHE: join(goDir, 'build'),
      GOFLAGS: [process.env.GOFLAGS, '-modcacherw'].filter(Boolean).join(' '),
    },
  });
  mkdirSync(dirname(binary), { recursive: true });
  try {
    renameSync(join(tmpBin, 'minio'), binary);
  } catch (error) {
    if (!existsSync(binary)) throw error;
  }
  rmSync(tmpBin, { recursive: true, force: true });
  // The module and compiler caches (over 2 GB) only serve a rebuild of another version.
  rmSync(goDir, { recursive: true, force: true });
  log(`minio: built in ${((Date.now() - started) / 1000).toFixed(0)} s, cached at ${binary}`);
  return binary;
}
