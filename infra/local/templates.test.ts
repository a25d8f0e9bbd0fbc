import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mavenSpec } from './artifact-cache.js';
import { jammJar } from './cassandra-server.js';
import { newClusterId } from './kafka-server.js';
import { fillTemplate, readOptionsFile, renderTemplate } from './templates.js';
import { CASSANDRA_VERSION, KAFKA_VERSION } from './versions.js';

describe('server config templates', () => {
  it('fills every placeholder and refuses a missing one', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder syntax under test
    expect(fillTemplate('a=${A} b=${B_2}', { A: 1, B_2: 'x' })).toBe('a=1 b=x');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder syntax under test
    expect(() => fillTemplate('a=${A}', {})).toThrow(/\$\{A\} has no value/);
  });

  it('renders a KRaft broker+controller on loopback only', () => {
    const text = renderTemplate('kafka-server.properties', {
      HOST: '127.0.0.1',
      BROKER_PORT: 9092,
      CONTROLLER_PORT: 9093,
      LOG_DIRS: '/d',
    });
    const props = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.includes('=') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(props['process.roles']).toBe('broker,controller');
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(props['advertised.listeners']).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:9093');
    expect(props['log.dirs']).toBe('/d');
    for (const [key, value] of Object.entries(props)) {
      if (key.endsWith('replication.factor') || key.endsWith('min.isr')) expect(value, key).toBe('1');
    }
  });

  it('renders a single-token Cassandra node with absolute directories', () => {
    const yaml = parse(
      renderTemplate('cassandra.yaml', {
        HOST: '127.0.0.1',
        STORAGE_PORT: 7000,
        NATIVE_PORT: 9042,
        DATA_DIR: '/c',
      }),
    );
    expect(yaml).toMatchObject({
      num_tokens: 1,
      listen_address: '127.0.0.1',
      rpc_address: '127.0.0.1',
      native_transport_port: 9042,
      endpoint_snitch: 'SimpleSnitch',
      data_file_directories: ['/c/data'],
      commitlog_directory: '/c/commitlog',
      auto_snapshot: false,
    });
    expect(yaml.seed_provider[0].parameters[0].seeds).toBe('127.0.0.1:7000');
  });

  it("keeps Cassandra's Java 17 module options", () => {
    const options = readOptionsFile('cassandra-jvm17.options');
    expect(options).toContain('--add-opens=java.base/sun.nio.ch=ALL-UNNAMED');
    expect(options).toContain('--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED');
    expect(options.every((o) => o.startsWith('-'))).toBe(true);
  });

  it('pins the same versions in the poms as in versions.ts', () => {
    for (const [server, version] of [
      ['kafka', KAFKA_VERSION],
      ['cassandra', CASSANDRA_VERSION],
    ] as const) {
      const spec = mavenSpec(server);
      expect(spec.version).toBe(version);
      const pom = readFileSync(spec.pom, 'utf8');
      expect(pom).toContain(`<${spec.versionProperty}>${version}</${spec.versionProperty}>`);
    }
  });

  it('makes 22-character KRaft cluster ids and finds the jamm agent', () => {
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(() => jammJar(join(import.meta.dirname, 'templates'))).toThrow(/no jamm/);
  });
});
