/**
 * Finds the tools infra/local needs on this machine, and says what to install when one is missing:
 * a JDK 17 (runs Kafka and Cassandra), Maven (fetches their jars once) and Go (builds MinIO once).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JAVA_FEATURE_VERSION, MIN_GO_VERSION } from './versions.js';

const run = promisify(execFile);

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** The feature release of a `java -version` banner: `openjdk version "17.0.15"` -> 17, `"1.8.0"` -> 8. */
export function javaFeatureVersion(banner: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 && m[2] ? Number(m[2]) : major;
}

async function javaVersionOf(java: string): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run(java, ['-version'], { timeout: 20_000 });
    return javaFeatureVersion(`${stderr}\n${stdout}`);
  } catch {
    return undefined;
  }
}

function jdkHomesUnder(root: string): string[] {
  try {
    return readdirSync(root)
      .filter((n) => n.includes(String(JAVA_FEATURE_VERSION)))
      .flatMap((n) => [join(root, n), join(root, n, 'Contents', 'Home')]);
  } catch {
    return [];
  }
}

let javaFound: Promise<string> | undefined;

/**
 * The `java` binary of a JDK 17, by full path: a newer default JDK must not be picked up, since
 * Cassandra 5.0 refuses anything after 17. Looks at JAVA17_HOME, JAVA_HOME, the usual install
 * folders, then `java` on PATH.
 */
export function findJava17(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  javaFound ??= (async () => {
    const homes = [
      env.JAVA17_HOME,
      env.JAVA_HOME,
      ...jdkHomesUnder('/usr/lib/jvm'),
      ...jdkHomesUnder('/Library/Java/JavaVirtualMachines'),
      ...jdkHomesUnder('/opt'),
    ].filter((h): h is string => !!h);
    const candidates = [...homes.map((h) => join(h, 'bin', 'java')).filter((j) => existsSync(j)), 'java'];
    for (const java of candidates) {
      if ((await javaVersionOf(java)) === JAVA_FEATURE_VERSION) return java;
    }
    throw new MissingToolError(
      `Kafka and Cassandra need a JDK ${JAVA_FEATURE_VERSION}, and none was found ` +
        `(looked at JAVA17_HOME, JAVA_HOME, /usr/lib/jvm, java on PATH). Install one, e.g. ` +
        `"apt-get install openjdk-17-jdk-headless" or "brew install openjdk@17", or set JAVA17_HOME to its folder.`,
    );
  })();
  javaFound.catch(() => {
    javaFound = undefined;
  });
  return javaFound;
}

/** `mvn`, needed only while the jars are not cached yet. */
export async function requireMaven(): Promise<string> {
  try {
    await run('mvn', ['--version'], { timeout: 60_000 });
    return 'mvn';
  } catch {
    throw new MissingToolError(
      'Fetching the Kafka and Cassandra jars from Maven Central needs Maven 3.6+ (only on the first run): ' +
        'install it, e.g. "apt-get install maven" or "brew install maven".',
    );
  }
}

/** Parses `go version go1.26.8 linux/amd64` -> [1, 26]. */
export function goVersion(banner: string): [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(banner.replace(/^go version /, ''));
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** `go`, needed only while MinIO is not built yet. */
export async function requireGo(): Promise<string> {
  const [minMajor, minMinor] = MIN_GO_VERSION;
  const advice =
    `Building MinIO (only on the first run) needs Go ${minMajor}.${minMinor} or newer: ` +
    'install it from https://go.dev/dl/ (or "apt-get install golang-go" where recent enough) and put it on PATH.';
  let banner: string;
  try {
    banner = (await run('go', ['version'], { timeout: 60_000 })).stdout;
  } catch {
    throw new MissingToolError(advice);
  }
  const v = goVersion(banner);
  if (!v || v[0] < minMajor || (v[0] === minMajor && v[1] < minMinor)) {
    throw new MissingToolError(`${advice} Found: ${banner.trim()}.`);
  }
  return 'go';
}
