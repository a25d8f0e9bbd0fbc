/**
 * The one place that reads the environment. Each variable is declared once, with its parser,
 * default and description; `loadConfig` validates them all and throws a ConfigError naming every
 * bad variable and the form it expects. Unset backend variables select the embedded stand-ins.
 */
import { homedir } from 'node:os';
import { Cron } from 'croner';
import { type TopicNames, topicNames } from '../schemas/events.js';
import { parseDuration } from '../schemas/time.js';
import { longestGapBeyond } from './cron-gaps.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Parser<T> = (raw: string) => T | undefined;

interface Variable<T> {
  name: string;
  description: string;
  /** The expected form, quoted in error messages and the README table. */
  form: string;
  default?: string;
  parse: Parser<T>;
}

function variable<T>(v: Variable<T>): Variable<T> {
  return v;
}

const HOST_PORT = /^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
const HOST = /^[A-Za-z0-9._-]+$|^\[[0-9a-fA-F:]+\]$|^[0-9a-fA-F:]+$/;
const IDENT = /^[a-z_][a-z0-9_]{0,47}$/;

const list =
  (item: RegExp): Parser<string[]> =>
  (raw) => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length > 0 && items.every((s) => item.test(s)) ? items : undefined;
  };
const text =
  (pattern?: RegExp): Parser<string> =>
  (raw) =>
    raw.trim() !== '' && (!pattern || pattern.test(raw)) ? raw : undefined;
const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim())) return undefined;
    const n = Number(raw);
    return n >= min && n <= max ? n : undefined;
  };
const duration =
  (minMs: number): Parser<number> =>
  (raw) => {
    const ms = parseDuration(raw);
    return ms !== undefined && ms >= minMs ? ms : undefined;
  };
const url: Parser<string> = (raw) => {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? raw.replace(/\/$/, '') : undefined;
  } catch {
    return undefined;
  }
};
const cron: Parser<string> = (raw) => {
  try {
    new Cron(raw, { paused: true }).stop();
    return raw;
  } catch {
    return undefined;
  }
};
const wsUrl: Parser<string> = (raw) => {
  try {
    const u = new URL(raw);
    return u.protocol === 'ws:' || u.protocol === 'wss:' ? raw : undefined;
  } catch {
    return undefined;
  }
};
const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) =>
    (values as readonly string[]).includes(raw) ? (raw as T) : undefined;

/** The speed layer's fault-injection points (speed-layer/crash-points.ts), for SPEED_CRASH_AT. */
export const CRASH_POINTS = [
  'after-sinks',
  'after-bronze-put',
  'after-checkpoint',
  'in-rebalance',
  'after-alert-write',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

function parseCrashPoint(raw: string): { point: CrashPoint; at: number } | undefined {
  const m = /^([a-z-]+):(\d+)$/.exec(raw.trim());
  if (!m || !(CRASH_POINTS as readonly string[]).includes(m[1] as string)) return undefined;
  const at = Number(m[2]);
  return at >= 1 ? { point: m[1] as CrashPoint, at } : undefined;
}

export const VARIABLES = {
  kafkaBrokers: variable({
    name: 'KAFKA_BROKERS',
    description: 'Kafka bootstrap servers; unset runs the embedded event log',
    form: 'comma-separated host:port, e.g. 127.0.0.1:9092',
    parse: list(HOST_PORT),
  }),
  kafkaClientId: variable({
    name: 'KAFKA_CLIENT_ID',
    description: 'client id sent to Kafka',
    form: 'a non-empty name',
    default: 'market-sentiment',
    parse: text(/^[A-Za-z0-9._-]+$/),
  }),
  kafkaGroupId: variable({
    name: 'KAFKA_GROUP_ID',
    description: 'consumer group of the speed layer',
    form: 'a non-empty name',
    default: 'speed-layer',
    parse: text(/^[A-Za-z0-9._-]+$/),
  }),
  kafkaPartitions: variable({
    name: 'KAFKA_PARTITIONS',
    description: 'partitions of the topics created at start-up',
    form: 'an integer 1..1024',
    default: '3',
    parse: integer(1, 1024),
  }),
  kafkaRetention: variable({
    name: 'KAFKA_RETENTION',
    description: 'retention of the topics created at start-up',
    form: 'a duration like 7d or 12h',
    default: '7d',
    parse: duration(60_000),
  }),
  kafkaTopicPrefix: variable({
    name: 'KAFKA_TOPIC_PREFIX',
    description:
      'prefix of every topic name (`<prefix>tweets`, `<prefix>stock-prices`, their .dlq, the internal one), so several deployments or test runs can share one cluster',
    form: 'up to 100 letters, digits, . _ -',
    parse: (raw) => (/^[A-Za-z0-9._-]{1,100}$/.test(raw) ? raw : undefined),
  }),
  cassandraContactPoints: variable({
    name: 'CASSANDRA_CONTACT_POINTS',
    description: 'Cassandra contact points; unset runs the embedded view store',
    form: 'comma-separated host or host:port, e.g. 127.0.0.1:9042',
    parse: list(/^[A-Za-z0-9._-]+(:\d{1,5})?$/),
  }),
  cassandraLocalDc: variable({
    name: 'CASSANDRA_LOCAL_DC',
    description: 'local data centre for the driver',
    form: 'a data-centre name',
    default: 'datacenter1',
    parse: text(),
  }),
  cassandraKeyspace: variable({
    name: 'CASSANDRA_KEYSPACE',
    description: 'keyspace of the speed views',
    form: 'a CQL identifier: lower case letters, digits, _',
    default: 'sentiment',
    parse: text(IDENT),
  }),
  cassandraReplication: variable({
    name: 'CASSANDRA_REPLICATION_FACTOR',
    description: 'replication factor used when the keyspace is created',
    form: 'an integer 1..9',
    default: '1',
    parse: integer(1, 9),
  }),
  speedViewTtl: variable({
    name: 'SPEED_VIEW_TTL',
    description:
      'how long speed-view rows live; must be at least the longest gap between BATCH_CRON runs plus 1h (checked at start-up)',
    form: 'a duration like 48h',
    default: '48h',
    parse: duration(60_000),
  }),
  s3Endpoint: variable({
    name: 'S3_ENDPOINT',
    description: 'S3-compatible endpoint (MinIO); unset with S3_BUCKET set uses AWS',
    form: 'an http(s) URL, e.g. http://127.0.0.1:9000',
    parse: url,
  }),
  s3Bucket: variable({
    name: 'S3_BUCKET',
    description: 'lake bucket; unset keeps the lake in LAKE_DIR',
    form: 'a bucket name: 3-63 lower case letters, digits, . or -',
    parse: text(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
  }),
  s3Region: variable({
    name: 'S3_REGION',
    description: 'S3 region',
    form: 'a region name',
    default: 'us-east-1',
    parse: text(/^[a-z0-9-]+$/),
  }),
  s3AccessKeyId: variable({
    name: 'S3_ACCESS_KEY_ID',
    description: 'S3 access key (else the AWS default chain)',
    form: 'a non-empty key id',
    parse: text(),
  }),
  s3SecretAccessKey: variable({
    name: 'S3_SECRET_ACCESS_KEY',
    description: 'S3 secret key',
    form: 'a non-empty secret',
    parse: text(),
  }),
  lakeDir: variable({
    name: 'LAKE_DIR',
    description: 'lake folder of the embedded mode',
    form: 'a path',
    default: './data/lake',
    parse: text(),
  }),
  apiHost: variable({
    name: 'API_HOST',
    description: 'address the API listens on',
    form: 'a host name or IP address',
    default: '127.0.0.1',
    parse: text(HOST),
  }),
  apiPort: variable({
    name: 'API_PORT',
    description: 'port the API listens on',
    form: 'an integer 0..65535',
    default: '3000',
    parse: integer(0, 65535),
  }),
  apiSymbols: variable({
    name: 'API_SYMBOLS',
    description:
      'symbols the API tracks besides those in gold: `/v1/symbols` lists them, and a symbol in neither answers 404',
    form: 'comma-separated symbols (1-6 letters, optional .X suffix)',
    default: 'AAPL,MSFT,AMZN,GOOGL,META,NVDA,TSLA,JPM,V,WMT,XOM,NFLX,BTC,ETH',
    parse: (raw) => list(/^[A-Za-z]{1,6}(?:\.[A-Za-z])?$/)(raw)?.map((s) => s.toUpperCase()),
  }),
  apiKeys: variable({
    name: 'API_KEYS',
    description:
      'API keys accepted in the `x-api-key` header (or `api_key` query parameter) of `/v1/*`; unset: no key needed',
    form: 'comma-separated keys of 8-128 letters, digits, . _ ~ -',
    parse: list(/^[A-Za-z0-9._~-]{8,128}$/),
  }),
  apiCorsOrigins: variable({
    name: 'API_CORS_ORIGINS',
    description: 'origins the API allows by CORS; unset: no CORS headers',
    form: '* or comma-separated origins, e.g. http://localhost:5173',
    parse: (raw) => (raw.trim() === '*' ? ['*'] : list(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/)(raw)),
  }),
  apiRateLimit: variable({
    name: 'API_RATE_LIMIT',
    description: 'requests per minute the API answers per client address (429 beyond); 0: no limit',
    form: 'an integer 0..10000000',
    default: '0',
    parse: integer(0, 10_000_000),
  }),
  apiBackendTimeout: variable({
    name: 'API_BACKEND_TIMEOUT',
    description:
      'deadline of each backend request of the API; past it the request answers 503 naming the backend',
    form: 'a duration like 2s or 500ms',
    default: '2s',
    parse: duration(1),
  }),
  apiHorizonRefresh: variable({
    name: 'API_HORIZON_REFRESH',
    description: 'how often the API re-reads the batch horizon (`gold/_runs/latest.json`)',
    form: 'a duration like 5s (0: on every request)',
    default: '5s',
    parse: duration(0),
  }),
  apiGoldCacheDir: variable({
    name: 'API_GOLD_CACHE_DIR',
    description:
      'folder under which the API keeps the gold files it reads (a fresh sub-folder per process); unset: the OS temp folder',
    form: 'a path',
    parse: text(),
  }),
  apiSpeedCachePartitions: variable({
    name: 'API_SPEED_CACHE_PARTITIONS',
    description:
      'how many (symbol, day) partitions of `sentiment_by_minute` the API caches (final rows only; least recently used dropped first); 0: no cache',
    form: 'an integer 0..100000',
    default: '128',
    parse: integer(0, 100_000),
  }),
  apiSpeedCacheSettle: variable({
    name: 'API_SPEED_CACHE_SETTLE',
    description:
      'how long after the speed layer wrote a final minute row the API caches it (longer than the speed layer takes to land a batch of writes)',
    form: 'a duration like 30s',
    default: '30s',
    parse: duration(0),
  }),
  apiSpeedCacheMaxAge: variable({
    name: 'API_SPEED_CACHE_MAX_AGE',
    description: 'how long a cached partition of `sentiment_by_minute` is kept before it is read whole again',
    form: 'a duration like 10m',
    default: '10m',
    parse: duration(1),
  }),
  apiSpeedCoalesce: variable({
    name: 'API_SPEED_COALESCE',
    description:
      "how long a read of a partition's not-yet-final minute rows answers the requests for it that follow (0ms: only those that arrive while it runs)",
    form: 'a duration like 250ms or 0ms',
    default: '0ms',
    parse: duration(0),
  }),
  apiAnswerCacheMb: variable({
    name: 'API_ANSWER_CACHE_MB',
    description:
      'MiB of serialized sentiment and candle answers the API keeps, each sent again while the rows it was merged from are unchanged (least recently used dropped first); 0: none',
    form: 'an integer 0..65536',
    default: '64',
    parse: integer(0, 65_536),
  }),
  metricsPort: variable({
    name: 'METRICS_PORT',
    description: 'port of a Prometheus /metrics endpoint for non-API processes; unset: none',
    form: 'an integer 1..65535',
    parse: integer(1, 65535),
  }),
  watermarkDelay: variable({
    name: 'WATERMARK_DELAY',
    description: 'allowed lateness: watermark = max event time seen minus this',
    form: 'a duration like 2m or 90s',
    default: '2m',
    parse: duration(0),
  }),
  speedFutureSkew: variable({
    name: 'SPEED_FUTURE_SKEW',
    description:
      'an event time further than this ahead of the processing clock is rejected as `future` (dead-letter topic)',
    form: 'a duration like 5m',
    default: '5m',
    parse: duration(1000),
  }),
  speedIdleTimeout: variable({
    name: 'SPEED_IDLE_TIMEOUT',
    description:
      'a source partition with no data for this long stops holding the watermark back, until it has data again',
    form: 'a duration like 30s',
    default: '30s',
    parse: duration(1000),
  }),
  speedCheckpointInterval: variable({
    name: 'SPEED_CHECKPOINT_INTERVAL',
    description:
      'how often each speed-layer task checkpoints and commits its offsets (written once the sink writes before it are durable); a restart replays at most this much',
    form: 'a duration like 1s or 5s',
    default: '1s',
    parse: duration(10),
  }),
  speedSinkBatchesInFlight: variable({
    name: 'SPEED_SINK_BATCHES_IN_FLIGHT',
    description:
      'batches whose sink writes (Cassandra, lake, internal topic) a speed-layer stage keeps in flight at once while it computes the next',
    form: 'an integer 1..64',
    default: '4',
    parse: integer(1, 64),
  }),
  bronzeMaxRows: variable({
    name: 'BRONZE_MAX_ROWS',
    description: 'a bronze object is closed after this many rows',
    form: 'an integer 1..10000000',
    default: '200000',
    parse: integer(1, 10_000_000),
  }),
  bronzeMaxSpan: variable({
    name: 'BRONZE_MAX_SPAN',
    description: 'a bronze object is closed when its rows span this much event time',
    form: 'a duration like 10m',
    default: '10m',
    parse: duration(1000),
  }),
  bronzeMaxAge: variable({
    name: 'BRONZE_MAX_AGE',
    description:
      'a bronze object open this long (processing time) is closed, so a slow stream still reaches the lake',
    form: 'a duration like 10m',
    default: '10m',
    parse: duration(1000),
  }),
  cassandraWritesInFlight: variable({
    name: 'CASSANDRA_WRITES_IN_FLIGHT',
    description: 'process-wide bound on Cassandra write requests in flight',
    form: 'an integer 1..4096',
    default: '128',
    parse: integer(1, 4096),
  }),
  backendDownDeadline: variable({
    name: 'BACKEND_DOWN_DEADLINE',
    description:
      'a long-running command exits non-zero, naming the server, when a backend stays unreachable this long',
    form: 'a duration like 5m',
    default: '5m',
    parse: duration(1000),
  }),
  speedCrashAt: variable({
    name: 'SPEED_CRASH_AT',
    description:
      'for crash tests only: the speed layer kills itself (SIGKILL) the Nth time it reaches the point (after-sinks, after-bronze-put, after-checkpoint, in-rebalance, after-alert-write)',
    form: 'point:N, e.g. after-sinks:3',
    parse: (raw) => parseCrashPoint(raw),
  }),
  batchCron: variable({
    name: 'BATCH_CRON',
    description: 'schedule of the batch layer',
    form: 'a cron expression, e.g. "5 * * * *"',
    default: '5 * * * *',
    parse: cron,
  }),
  sparkMaster: variable({
    name: 'SPARK_MASTER',
    description: 'Spark master of `batch run --engine spark`',
    form: 'a Spark master URL: local[N], local[*], spark://host:port, yarn',
    default: 'local[2]',
    parse: text(/^(local(\[(\d+|\*)\])?|spark:\/\/\S+|yarn|k8s:\/\/\S+)$/),
  }),
  sparkSubmit: variable({
    name: 'SPARK_SUBMIT',
    description:
      'spark-submit of `batch run --engine spark`; the python beside it runs the driver (batch-layer/spark/setup.sh installs both)',
    form: 'a path (~/ is the home folder)',
    default: '~/.cache/market-sentiment/spark-4.2.0/venv/bin/spark-submit',
    parse: text(),
  }),
  sparkDriverMemory: variable({
    name: 'SPARK_DRIVER_MEMORY',
    description: 'memory of the Spark driver (in local mode, the whole engine)',
    form: 'a JVM size like 2g or 512m',
    default: '2g',
    parse: text(/^\d+[kmgt]$/i),
  }),
  finnhubToken: variable({
    name: 'FINNHUB_TOKEN',
    description: 'Finnhub API key of `produce live --source finnhub` (never logged)',
    form: 'a non-empty key',
    parse: text(),
  }),
  finnhubWsUrl: variable({
    name: 'FINNHUB_WS_URL',
    description: "Finnhub's trade WebSocket; the token is added as `?token=`",
    form: 'a ws(s) URL',
    default: 'wss://ws.finnhub.io',
    parse: wsUrl,
  }),
  binanceWsUrl: variable({
    name: 'BINANCE_WS_URL',
    description: "Binance's market-stream WebSocket base; `/stream?streams=…` is added",
    form: 'a ws(s) URL',
    default: 'wss://stream.binance.com:9443',
    parse: wsUrl,
  }),
  alertRules: variable({
    name: 'ALERT_RULES',
    description:
      'alert rules file (JSON or YAML, `{ rules: [...] }`, README "Alerts"); unset: the two default rules',
    form: 'a path (~/ is the home folder)',
    parse: text(),
  }),
  alertWebhookUrl: variable({
    name: 'ALERT_WEBHOOK_URL',
    description:
      'where the speed layer POSTs each alert event (signed, with an Idempotency-Key); unset: no webhook',
    form: 'an http(s) URL',
    parse: url,
  }),
  alertWebhookSecret: variable({
    name: 'ALERT_WEBHOOK_SECRET',
    description:
      'HMAC-SHA256 key of the webhook signature header (required with ALERT_WEBHOOK_URL; never logged)',
    form: 'a non-empty secret',
    parse: text(),
  }),
  alertWebhookTimeout: variable({
    name: 'ALERT_WEBHOOK_TIMEOUT',
    description: 'how long one webhook attempt may take',
    form: 'a duration like 5s',
    default: '5s',
    parse: duration(100),
  }),
  alertWebhookMaxAttempts: variable({
    name: 'ALERT_WEBHOOK_MAX_ATTEMPTS',
    description:
      'attempts per alert event (with exponential backoff) before it is counted as failed and skipped',
    form: 'an integer 1..100',
    default: '8',
    parse: integer(1, 100),
  }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    description: 'log level',
    form: LOG_LEVELS.join('|'),
    default: 'info',
    parse: oneOf(LOG_LEVELS),
  }),
} as const;

type Parsed<V> = V extends Variable<infer T> ? T : never;
type Values = { [K in keyof typeof VARIABLES]: Parsed<(typeof VARIABLES)[K]> | undefined };

export interface Config {
  /** Real Kafka; undefined selects the embedded event log. */
  kafka: { brokers: string[]; clientId: string } | undefined;
  /** How topics are created at start-up, on either log. */
  topics: { partitions: number; retentionMs: number; prefix: string; names: TopicNames };
  consumerGroup: string;
  /** Real Cassandra; undefined selects the embedded view store. */
  cassandra:
    | { contactPoints: string[]; localDataCenter: string; keyspace: string; replicationFactor: number }
    | undefined;
  speedViewTtlMs: number;
  /** S3/MinIO lake; undefined keeps the lake in `lakeDir`. */
  s3:
    | { endpoint?: string; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string }
    | undefined;
  lakeDir: string;
  api: {
    host: string;
    port: number;
    /** Tracked symbols, upper case. */
    symbols: string[];
    /** Accepted keys; undefined: keys are off. */
    keys: string[] | undefined;
    /** CORS origins (`*`: any); undefined: CORS is off. */
    corsOrigins: string[] | undefined;
    /** 0: no limit. */
    rateLimitPerMinute: number;
    backendTimeoutMs: number;
    horizonRefreshMs: number;
    /** Undefined: the OS temp folder. */
    goldCacheDir: string | undefined;
    /** The speed view's minute-row cache (serving-api/speed/minute-cache.ts); 0 partitions: off. */
    speedCache: { maxPartitions: number; settleMs: number; maxAgeMs: number; coalesceMs: number };
    /** Bytes of serialized series answers kept (serving-api/series-answer-cache.ts). */
    answerCacheBytes: number;
  };
  metricsPort: number | undefined;
  watermarkDelayMs: number;
  speed: {
    futureSkewMs: number;
    idleTimeoutMs: number;
    checkpointIntervalMs: number;
    sinkBatchesInFlight: number;
  };
  bronze: { maxRows: number; maxSpanMs: number; maxAgeMs: number };
  cassandraWritesInFlight: number;
  backendDownDeadlineMs: number;
  speedCrashAt: { point: CrashPoint; at: number } | undefined;
  batchCron: string;
  /** How `batch run --engine spark` starts Spark. */
  spark: { master: string; submit: string; driverMemory: string };
  /** The live market-data sources of `produce live`. */
  live: { finnhubToken: string | undefined; finnhubUrl: string; binanceUrl: string };
  alerts: {
    /** undefined: DEFAULT_ALERT_RULES */
    rulesFile: string | undefined;
    webhook: { url: string; secret: string; timeoutMs: number; maxAttempts: number } | undefined;
  };
  logLevel: LogLevel;
}

export interface ConfigProblem {
  variable: string;
  value: string;
  expected: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      problems
        .map((p) =>
          p.value === '' && p.expected.startsWith('set ')
            ? `${p.variable}: ${p.expected}`
            : `${p.variable}=${JSON.stringify(p.value)} is invalid: expected ${p.expected}`,
        )
        .join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * What the speed view must hold beyond the longest gap between batch runs: a run's horizon is the
 * end of the last full hour its bronze covers, so when the next run lands the speed view must
 * still have up to an hour before the previous run.
 */
export const BATCH_RECOMPUTE_MARGIN_MS = 3_600_000;

/** A duration for messages, e.g. 64h or 720h1m. */
function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join('') || '0s';
}

/**
 * SPEED_VIEW_TTL against BATCH_CRON: rows must live until a batch run has recomputed their hour,
 * or the API would find neither gold nor speed rows for it. Checked over the next year of runs.
 */
function ttlOutlastingSchedule(
  ttlMs: number,
  cron: string,
  env: NodeJS.ProcessEnv,
  nowMs: number,
): ConfigProblem | undefined {
  const gap = longestGapBeyond(cron, ttlMs - BATCH_RECOMPUTE_MARGIN_MS, nowMs);
  if (!gap) return undefined;
  const ttl = env[VARIABLES.speedViewTtl.name] || (VARIABLES.speedViewTtl.default as string);
  const margin = formatDuration(BATCH_RECOMPUTE_MARGIN_MS);
  const expected = Number.isFinite(gap.gapMs)
    ? `at least the longest gap between BATCH_CRON=${JSON.stringify(cron)} runs (${formatDuration(gap.gapMs)}, after ${gap.after.toISOString()}) plus ${margin}: set SPEED_VIEW_TTL=${Math.ceil((gap.gapMs + BATCH_RECOMPUTE_MARGIN_MS) / 3_600_000)}h or more, or run the batch more often`
    : `a BATCH_CRON that runs again: BATCH_CRON=${JSON.stringify(cron)} has no run left`;
  return { variable: VARIABLES.speedViewTtl.name, value: ttl, expected };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, now: number = Date.now()): Config {
  const problems: ConfigProblem[] = [];
  const values = {} as Record<string, unknown>;
  for (const [key, v] of Object.entries(VARIABLES) as [string, Variable<unknown>][]) {
    const raw = env[v.name];
    const given = raw !== undefined && raw !== '';
    const source = given ? raw : v.default;
    if (source === undefined) continue;
    const parsed = v.parse(source);
    if (parsed === undefined) problems.push({ variable: v.name, value: source, expected: v.form });
    else values[key] = parsed;
  }
  const c = values as Values;
  if ((c.s3AccessKeyId === undefined) !== (c.s3SecretAccessKey === undefined)) {
    const missing = c.s3AccessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    problems.push({
      variable: missing,
      value: '',
      expected: 'set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY together',
    });
  }
  if (c.s3Endpoint !== undefined && c.s3Bucket === undefined) {
    problems.push({ variable: 'S3_BUCKET', value: '', expected: 'set S3_BUCKET when S3_ENDPOINT is set' });
  }
  if (c.speedViewTtl !== undefined && c.batchCron !== undefined) {
    const problem = ttlOutlastingSchedule(c.speedViewTtl, c.batchCron, env, now);
    if (problem) problems.push(problem);
  }
  if (c.alertWebhookUrl !== undefined && c.alertWebhookSecret === undefined) {
    problems.push({
      variable: 'ALERT_WEBHOOK_SECRET',
      value: '',
      expected: 'set ALERT_WEBHOOK_SECRET when ALERT_WEBHOOK_URL is set (the webhook is always signed)',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    kafka: c.kafkaBrokers ? { brokers: c.kafkaBrokers, clientId: c.kafkaClientId as string } : undefined,
    topics: {
      partitions: c.kafkaPartitions as number,
      retentionMs: c.kafkaRetention as number,
      prefix: c.kafkaTopicPrefix ?? '',
      names: topicNames(c.kafkaTopicPrefix ?? ''),
    },
    consumerGroup: c.kafkaGroupId as string,
    cassandra: c.cassandraContactPoints
      ? {
          contactPoints: c.cassandraContactPoints,
          localDataCenter: c.cassandraLocalDc as string,
          keyspace: c.cassandraKeyspace as string,
          replicationFactor: c.cassandraReplication as number,
        }
      : undefined,
    speedViewTtlMs: c.speedViewTtl as number,
    s3: c.s3Bucket
      ? {
          ...(c.s3Endpoint ? { endpoint: c.s3Endpoint } : {}),
          bucket: c.s3Bucket,
          region: c.s3Region as string,
          ...(c.s3AccessKeyId
            ? { accessKeyId: c.s3AccessKeyId, secretAccessKey: c.s3SecretAccessKey as string }
            : {}),
        }
      : undefined,
    lakeDir: c.lakeDir as string,
    api: {
      host: c.apiHost as string,
      port: c.apiPort as number,
      symbols: c.apiSymbols as string[],
      keys: c.apiKeys,
      corsOrigins: c.apiCorsOrigins,
      rateLimitPerMinute: c.apiRateLimit as number,
      backendTimeoutMs: c.apiBackendTimeout as number,
      horizonRefreshMs: c.apiHorizonRefresh as number,
      goldCacheDir: c.apiGoldCacheDir,
      speedCache: {
        maxPartitions: c.apiSpeedCachePartitions as number,
        settleMs: c.apiSpeedCacheSettle as number,
        maxAgeMs: c.apiSpeedCacheMaxAge as number,
        coalesceMs: c.apiSpeedCoalesce as number,
      },
      answerCacheBytes: (c.apiAnswerCacheMb as number) * 1024 * 1024,
    },
    metricsPort: c.metricsPort,
    watermarkDelayMs: c.watermarkDelay as number,
    speed: {
      futureSkewMs: c.speedFutureSkew as number,
      idleTimeoutMs: c.speedIdleTimeout as number,
      checkpointIntervalMs: c.speedCheckpointInterval as number,
      sinkBatchesInFlight: c.speedSinkBatchesInFlight as number,
    },
    bronze: {
      maxRows: c.bronzeMaxRows as number,
      maxSpanMs: c.bronzeMaxSpan as number,
      maxAgeMs: c.bronzeMaxAge as number,
    },
    cassandraWritesInFlight: c.cassandraWritesInFlight as number,
    backendDownDeadlineMs: c.backendDownDeadline as number,
    speedCrashAt: c.speedCrashAt,
    batchCron: c.batchCron as string,
    spark: {
      master: c.sparkMaster as string,
      submit: expandHome(c.sparkSubmit as string, env),
      driverMemory: c.sparkDriverMemory as string,
    },
    live: {
      finnhubToken: c.finnhubToken,
      finnhubUrl: c.finnhubWsUrl as string,
      binanceUrl: c.binanceWsUrl as string,
    },
    alerts: {
      rulesFile: c.alertRules === undefined ? undefined : expandHome(c.alertRules, env),
      webhook: c.alertWebhookUrl
        ? {
            url: c.alertWebhookUrl,
            secret: c.alertWebhookSecret as string,
            timeoutMs: c.alertWebhookTimeout as number,
            maxAttempts: c.alertWebhookMaxAttempts as number,
          }
        : undefined,
    },
    logLevel: c.logLevel as LogLevel,
  };
}

/** `~/x` under HOME (a default must not depend on the machine, so the table shows `~`). */
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path.startsWith('~/') ? `${env.HOME ?? homedir()}/${path.slice(2)}` : path;
}

/** The config table of the README, generated from the declarations above. */
export function configTableMarkdown(): string {
  const rows = Object.values(VARIABLES).map(
    (v: Variable<unknown>) =>
      `| \`${v.name}\` | ${v.default === undefined ? '—' : `\`${v.default}\``} | ${v.form} | ${v.description} |`,
  );
  return ['| variable | default | form | what it does |', '|---|---|---|---|', ...rows].join('\n');
}
