/**
 * Apache Cassandra 5.0, one node, from Maven Central jars (cassandra-all) on JDK 17: a 1 GB heap,
 * one token, the single-node start-up shortcuts, logback at INFO, and no JMX port (nothing here
 * uses nodetool, and a fixed 7199 would clash with any other Cassandra on the machine).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { ensureMavenLib } from './artifact-cache.js';
import type { ServerDefinition } from './server-definition.js';
import { HOST, type InfraSettings } from './settings.js';
import { readOptionsFile, renderTemplate } from './templates.js';
import { findJava17 } from './toolchain.js';

/** The jamm agent jar Cassandra measures object sizes with; it must be a -javaagent. */
export function jammJar(lib: string): string {
  const jar = readdirSync(lib).find((f) => /^jamm-[\d.]+\.jar$/.test(f));
  if (!jar) throw new Error(`cassandra: no jamm-*.jar in ${lib}; remove that folder to fetch the jars again`);
  return join(lib, jar);
}

export function cassandraServer(settings: InfraSettings): ServerDefinition {
  const dir = join(settings.dataDir, 'cassandra');
  const yamlFile = join(dir, 'cassandra.yaml');
  const logbackFile = join(dir, 'logback.xml');
  const logFile = join(dir, 'cassandra.log');
  const { port, storagePort, dataCenter } = settings.cassandra;
  const endpoint = `${HOST}:${port}`;

  return {
    name: 'cassandra',
    endpoint,
    dir,
    logFile,
    pidFile: join(dir, 'cassandra.pid'),
    marker: yamlFile,
    ports: [port, storagePort],
    readyTimeoutMs: 240_000,
    // Cassandra drains and flushes on SIGTERM.
    stopGraceMs: 60_000,

    async prepare(log) {
      const [java, lib] = await Promise.all([findJava17(), ensureMavenLib(settings, 'cassandra', log)]);
      for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw', 'logs', 'triggers']) {
        await mkdir(join(dir, sub), { recursive: true });
      }
      writeFileSync(
        yamlFile,
        renderTemplate('cassandra.yaml', {
          HOST,
          STORAGE_PORT: storagePort,
          NATIVE_PORT: port,
          DATA_DIR: dir,
        }),
      );
      writeFileSync(logbackFile, renderTemplate('cassandra-logback.xml', {}));
      const args = [
        // An explicit heap: Cassandra's own sizing would take a quarter of the machine's memory.
        '-Xms1G',
        '-Xmx1G',
        '-Xss256k',
        '-XX:+UseTLAB',
        '-XX:+ResizeTLAB',
        '-XX:+PerfDisableSharedMem',
        // Stop rather than limp on after an OutOfMemoryError (Cassandra's start-up check asks for it).
        '-XX:+ExitOnOutOfMemoryError',
        ...readOptionsFile('cassandra-jvm17.options'),
        `-javaagent:${jammJar(lib)}`,
        '-Djava.net.preferIPv4Stack=true',
        // Keeps stdout/stderr open (the daemon closes them otherwise): they are our log file.
        '-Dcassandra-foreground=yes',
        `-Dcassandra.config=file://${yamlFile}`,
        `-Dlogback.configurationFile=file://${logbackFile}`,
        `-Dcassandra.logdir=${join(dir, 'logs')}`,
        `-Dcassandra.storagedir=${dir}`,
        `-Dcassandra.triggers_dir=${join(dir, 'triggers')}`,
        // Single-node shortcuts: no peers to gossip with or wait for.
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.ring_delay_ms=1000',
        '-Dcassandra.superuser_setup_delay_ms=0',
        // Chronicle (audit and query logs) would otherwise try to send usage analytics.
        '-Dchronicle.analytics.disable=true',
        '-cp',
        `${lib}/*`,
        'org.apache.cassandra.service.CassandraDaemon',
      ];
      return { command: java, args, cwd: dir };
    },

    async probe() {
      const client = new cassandra.Client({
        contactPoints: [endpoint],
        localDataCenter: dataCenter,
        socketOptions: { connectTimeout: 2_000, readTimeout: 5_000 },
        // One attempt per probe: the caller polls.
        policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(60_000) },
      });
      try {
        const result = await client.execute('SELECT release_version FROM system.local');
        return result.first()?.get('release_version') !== undefined;
      } catch {
        return false;
      } finally {
        await client.shutdown().catch(() => undefined);
      }
    },
  };
}
