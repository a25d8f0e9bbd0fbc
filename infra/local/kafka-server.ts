/**
 * Apache Kafka in KRaft mode, one combined broker+controller, from Maven Central jars on JDK 17.
 * The storage folder is formatted once (with a cluster id kept next to it); later starts reuse it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { ensureMavenLib } from './artifact-cache.js';
import type { ServerDefinition } from './server-definition.js';
import { runLogged } from './server-process.js';
import { HOST, type InfraSettings } from './settings.js';
import { renderTemplate } from './templates.js';
import { findJava17 } from './toolchain.js';

/** A KRaft cluster id: 16 random bytes in base64url, 22 characters. */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export function kafkaServer(settings: InfraSettings): ServerDefinition {
  const dir = join(settings.dataDir, 'kafka');
  const logDirs = join(dir, 'data');
  const propertiesFile = join(dir, 'server.properties');
  const log4jFile = join(dir, 'log4j2.properties');
  const logFile = join(dir, 'kafka.log');
  const { port, controllerPort } = settings.kafka;
  const endpoint = `${HOST}:${port}`;

  return {
    name: 'kafka',
    endpoint,
    dir,
    logFile,
    pidFile: join(dir, 'kafka.pid'),
    marker: propertiesFile,
    ports: [port, controllerPort],
    readyTimeoutMs: 120_000,
    stopGraceMs: 30_000,

    async prepare(log) {
      const [java, lib] = await Promise.all([findJava17(), ensureMavenLib(settings, 'kafka', log)]);
      mkdirSync(logDirs, { recursive: true });
      writeFileSync(
        propertiesFile,
        renderTemplate('kafka-server.properties', {
          HOST,
          BROKER_PORT: port,
          CONTROLLER_PORT: controllerPort,
          LOG_DIRS: logDirs,
        }),
      );
      writeFileSync(log4jFile, renderTemplate('kafka-log4j2.properties', {}));
      const classpath = `${lib}/*`;
      const jvm = [
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4jFile}`,
        `-Dkafka.logs.dir=${dir}`,
        '-cp',
        classpath,
      ];
      // Format once: meta.properties marks a formatted log dir.
      if (!existsSync(join(logDirs, 'meta.properties'))) {
        const idFile = join(dir, 'cluster.id');
        const clusterId = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : newClusterId();
        writeFileSync(idFile, `${clusterId}\n`);
        log(`kafka: formatting ${logDirs} (cluster id ${clusterId})`);
        await runLogged(
          java,
          [
            '-Xmx256m',
            ...jvm,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            clusterId,
            '-c',
            propertiesFile,
            '--ignore-formatted',
          ],
          { cwd: dir, logFile, what: 'kafka: storage format' },
        );
      }
      // An explicit heap: the JVM default is a quarter of the machine's memory.
      return {
        command: java,
        args: ['-Xms512m', '-Xmx512m', ...jvm, 'kafka.Kafka', propertiesFile],
        cwd: dir,
      };
    },

    async probe() {
      // The product's own Kafka client, with no retries: one failed request means "not yet".
      const admin = new Admin({
        clientId: 'infra-local-probe',
        bootstrapBrokers: [endpoint],
        connectTimeout: 1_000,
        timeout: 3_000,
        retries: 0,
      });
      // An unhandled EventEmitter 'error' would crash the CLI; a failure just means "not ready".
      admin.on('error', () => undefined);
      try {
        // A metadata request answered by the broker: it has joined the KRaft quorum and serves.
        await admin.listTopics();
        // And a group coordinator that answers: right after a restart the broker serves metadata
        // before it has loaded __consumer_offsets, and a group joining then can stall.
        await admin.describeGroups({ groups: ['infra-local-readiness-probe'] });
        return true;
      } catch {
        return false;
      } finally {
        await admin.close().catch(() => undefined);
      }
    },
  };
}
