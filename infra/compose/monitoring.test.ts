/**
 * The compose demo's monitoring, checked as data (no Docker here): Prometheus scrapes every service
 * that serves /metrics, where it listens; every metric the alert rules and the Grafana panels name
 * is exported by the registry of the process it is scraped from (the real registries, built as the
 * CLI builds them, not a grep of the sources); every rule has a `for`, a severity and a summary; and
 * every panel has the provisioned datasource and a query. `promtool check` and `promtool test
 * rules` (check-monitoring.sh, in .ci/run) check the PromQL syntax and the rules' behaviour.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BatchMetrics } from '../../batch-layer/metrics.js';
import { producerRegistry } from '../../producers/metrics.js';
import { PublishStats } from '../../producers/publisher.js';
import { ApiMetrics } from '../../serving-api/api-metrics.js';
import { SpeedMetrics } from '../../speed-layer/metrics.js';
import { BATCH_RECOMPUTE_MARGIN_MS, VARIABLES } from '../config.js';
import { longestGapBeyond } from '../cron-gaps.js';
import { type Selector, selectors } from './promql-selectors.js';

const HERE = import.meta.dirname;
const yamlOf = <T>(path: string) => parse(readFileSync(join(HERE, path), 'utf8'), { merge: true }) as T;

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}
interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}

const compose = yamlOf<{ services: Record<string, Service> }>('docker-compose.yml');
const prometheus = yamlOf<{
  rule_files: string[];
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
}>('prometheus/prometheus.yml');
const rules = yamlOf<{ groups: { name: string; rules: Rule[] }[] }>('prometheus/alerts.yml').groups.flatMap(
  (g) => g.rules,
);
const datasource = yamlOf<{ datasources: { uid: string; type: string; url: string }[] }>(
  'grafana/provisioning/datasources/prometheus.yml',
).datasources;
const providers = yamlOf<{ providers: { options: { path: string } }[] }>(
  'grafana/provisioning/dashboards/platform.yml',
).providers;
const dashboard = JSON.parse(readFileSync(join(HERE, 'grafana/dashboards/platform.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const panels = dashboard.panels;

/** Series Prometheus adds itself: scrape health, and the firing state of the alert rules. */
const PROMETHEUS_OWN = new Set(['up', 'ALERTS']);

/** The registry a CLI command serves on /metrics, built the way the command builds it. */
function registryOf(service: string, command: string[]): Registry {
  switch (command[0]) {
    case 'produce':
      if (command[1] === 'tweets' || command[1] === 'prices')
        return producerRegistry(command[1] === 'tweets' ? 'tweets' : 'stock-prices', new PublishStats());
      break;
    case 'speed':
      return new SpeedMetrics().registry;
    case 'batch':
      return new BatchMetrics().registry;
    case 'serve':
      return new ApiMetrics().registry;
  }
  throw new Error(`${service}: no registry known for the command "${command.join(' ')}"`);
}

/** The names a registry's metrics are queried by: a histogram only as _bucket, _sum and _count. */
async function seriesNames(registry: Registry): Promise<Set<string>> {
  const metrics = await registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap(({ name, type }) => {
      const kind = String(type);
      if (kind === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
      if (kind === 'summary') return [name, `${name}_sum`, `${name}_count`];
      return [name];
    }),
  );
}

/** The compose services that serve Prometheus text: METRICS_PORT, or the API's own /metrics. */
const metricsServices = Object.entries(compose.services).flatMap(([name, s]) => {
  const env = s.environment ?? {};
  if (env.METRICS_PORT !== undefined) return [{ name, port: String(env.METRICS_PORT), service: s }];
  if (s.command?.[0] === 'serve') return [{ name, port: String(env.API_PORT), service: s }];
  return [];
});

const jobs = new Map<string, Set<string>>();
async function seriesOfJobs(): Promise<Map<string, Set<string>>> {
  if (jobs.size === 0)
    for (const { job_name } of prometheus.scrape_configs) {
      const service = compose.services[job_name];
      if (service) jobs.set(job_name, await seriesNames(registryOf(job_name, service.command ?? [])));
    }
  return jobs;
}

/** Why a selector names no series a scraped process exports, or undefined when it does. */
function unknownSeries(selector: Selector, byJob: Map<string, Set<string>>): string | undefined {
  const { metric, labels } = selector;
  if (labels.job !== undefined && !byJob.has(labels.job)) return `job "${labels.job}" is not scraped`;
  if (PROMETHEUS_OWN.has(metric)) return undefined;
  const scope = labels.job === undefined ? [...byJob.keys()] : [labels.job];
  if (scope.some((job) => byJob.get(job)?.has(metric))) return undefined;
  return `${metric} is exported by none of ${scope.join(', ')}`;
}

const expressions = [
  ...rules.map((r) => ({ where: `alerts.yml ${r.alert}`, expr: r.expr })),
  ...panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr ?? '' })),
  ),
];

describe('infra/compose/prometheus/prometheus.yml', () => {
  it('scrapes every compose service that serves /metrics, one job each, where it listens', () => {
    expect(metricsServices.map((s) => s.name).sort()).toEqual([
      'batch',
      'produce-prices',
      'produce-tweets',
      'serve',
      'speed',
    ]);
    const scraped = Object.fromEntries(
      prometheus.scrape_configs.map((c) => [
        c.job_name,
        { path: c.metrics_path ?? '/metrics', targets: c.static_configs.flatMap((s) => s.targets) },
      ]),
    );
    for (const { name, port, service } of metricsServices) {
      expect(scraped[name], `${name} is not scraped`).toEqual({
        path: '/metrics',
        targets: [`${name}:${port}`],
      });
      // The metrics server listens on API_HOST: the 127.0.0.1 default is out of Prometheus' reach.
      expect(service.environment?.API_HOST, `${name}: API_HOST`).toBe('0.0.0.0');
    }
    expect(Object.keys(scraped).sort()).toEqual(metricsServices.map((s) => s.name).sort());
  });

  it('loads the alert rules from the file mounted next to it', () => {
    const mounts = Object.fromEntries(
      (compose.services.prometheus?.volumes ?? []).map((v) => v.split(':').slice(0, 2).reverse()),
    );
    const config = '/etc/prometheus/prometheus.yml';
    expect(compose.services.prometheus?.command).toContain(`--config.file=${config}`);
    expect(mounts[config]).toBe('./prometheus/prometheus.yml');
    for (const file of prometheus.rule_files) {
      const mounted = mounts[posix.join(posix.dirname(config), file)];
      expect(mounted, `${file} is not mounted beside the config`).toBe(`./prometheus/${file}`);
      expect(existsSync(join(HERE, 'prometheus', file)), file).toBe(true);
    }
  });
});

describe('metric names of the alert rules and the dashboard', () => {
  it('are all exported by the registry of a scraped process (histograms as _bucket/_sum/_count)', async () => {
    const byJob = await seriesOfJobs();
    expect([...byJob.keys()].sort()).toEqual(metricsServices.map((s) => s.name).sort());
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const found = selectors(expr);
      if (found.length === 0) problems.push(`${where}: no metric in ${JSON.stringify(expr)}`);
      for (const selector of found) {
        const problem = unknownSeries(selector, byJob);
        if (problem) problems.push(`${where}: ${problem}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('infra/compose/prometheus/alerts.yml', () => {
  it('gives every rule a name, a for, a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThan(0);
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size, 'alert names repeat').toBe(names.length);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(rule.for, `${rule.alert}: for`).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], `${rule.alert}: severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.trim(), `${rule.alert}: summary`).toBeTruthy();
      expect(rule.annotations?.description?.trim(), `${rule.alert}: description`).toBeTruthy();
    }
  });

  it('covers consumer lag, dead letters, the batch age, a backend down, a target down and the webhook', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'SpeedConsumerLagGrowing',
        'SpeedDeadLetterRateHigh',
        'BatchLastSuccessTooOld',
        'SpeedSinkDown',
        'ScrapeTargetDown',
        'AlertWebhookFailing',
      ]),
    );
  });

  it('alerts on the batch age after a missed BATCH_CRON run, and again before SPEED_VIEW_TTL runs out', () => {
    const env = { ...compose.services.batch?.environment, ...compose.services.speed?.environment };
    const cron = env.BATCH_CRON ?? (VARIABLES.batchCron.default as string);
    const ttlSeconds = (VARIABLES.speedViewTtl.parse(env.SPEED_VIEW_TTL ?? '') as number) / 1000;
    const threshold = (alert: string) =>
      Number(/>\s*(\d+)\s*$/.exec(rules.find((r) => r.alert === alert)?.expr ?? '')?.[1]);
    const gap = longestGapBeyond(cron, 60_000, Date.UTC(2026, 0, 1), 31 * 24 * 3_600_000);
    expect(gap, `BATCH_CRON ${cron}`).toBeDefined();
    const gapSeconds = (gap?.gapMs ?? 0) / 1000;
    // A healthy schedule never fires it; one whole missed run does.
    expect(threshold('BatchLastSuccessTooOld')).toBeGreaterThan(gapSeconds);
    expect(threshold('BatchLastSuccessTooOld')).toBeLessThanOrEqual(2 * gapSeconds);
    // The speed view must hold what gold lacks: the config check keeps this margin for the schedule.
    expect(threshold('BatchBehindSpeedViewTtl')).toBe(ttlSeconds - BATCH_RECOMPUTE_MARGIN_MS / 1000);
  });
});

describe('infra/compose/grafana', () => {
  it('gives every panel the provisioned Prometheus datasource and at least one query', () => {
    const [source] = datasource;
    expect(datasource).toHaveLength(1);
    expect(source?.type).toBe('prometheus');
    const port = compose.services.prometheus?.ports?.[0]?.split(':').at(-1);
    expect(source?.url).toBe(`http://prometheus:${port}`);
    expect(panels.length).toBeGreaterThan(0);
    expect(new Set(panels.map((p) => p.id)).size, 'panel ids repeat').toBe(panels.length);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: source?.uid });
      expect(panel.targets?.length, `${panel.title}: no target`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr?.trim(), `${panel.title} ${target.refId}`).toBeTruthy();
        if (target.datasource) expect(target.datasource.uid, panel.title).toBe(source?.uid);
      }
      const grid = panel.gridPos;
      expect(grid && grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24 && grid.h > 0, panel.title).toBe(
        true,
      );
    }
  });

  it('charts throughput, lag, watermark delay, late rows, dead letters, sinks, alerts, batch and API', () => {
    const used = new Set(
      expressions
        .filter((e) => e.where.startsWith('panel'))
        .flatMap((e) => selectors(e.expr).map((s) => s.metric)),
    );
    for (const metric of [
      'speed_messages_consumed_total',
      'speed_consumer_lag',
      'speed_watermark_ms',
      'speed_late_rows_total',
      'speed_dead_letters_total',
      'speed_sink_write_seconds_bucket',
      'alerts_opened_total',
      'alerts_closed_total',
      'alert_webhook_failures_total',
      'batch_last_success_timestamp_seconds',
      'batch_last_run_duration_seconds',
      'api_http_requests_total',
      'api_http_request_duration_seconds_bucket',
      'api_backend_errors_total',
    ])
      expect(used.has(metric), metric).toBe(true);
  });

  it('provisions the dashboards from the folder compose mounts, the platform one as home', () => {
    const grafana = compose.services.grafana;
    const mounts = Object.fromEntries(
      (grafana?.volumes ?? []).map((v) => v.split(':').slice(0, 2).reverse()),
    );
    const [provider] = providers;
    expect(mounts[provider?.options.path ?? '']).toBe('./grafana/dashboards');
    expect(mounts['/etc/grafana/provisioning']).toBe('./grafana/provisioning');
    const home = grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(posix.dirname(home)).toBe(provider?.options.path);
    expect(existsSync(join(HERE, 'grafana/dashboards', posix.basename(home))), home).toBe(true);
  });
});
