/**
 * The Spark engine: the same model files, rendered in the Spark dialect, run by a small pyspark
 * driver (spark/driver.py) that `spark-submit` starts once per run. The runner's calls become
 * JSON commands (load a source, build a model, write its partitions) on a local TCP connection the
 * driver opens back to the engine (spark-submit passes on neither stdin nor a clean stdout); the
 * driver answers each. Bronze is read from the same local files the DuckDB engine reads
 * (the bronze cache, or the embedded lake in place); gold partitions come back as local Parquet
 * files at the paths the runner gives, which it then puts through the lake port as it does
 * DuckDB's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LogicalKind } from '../schemas/columns.js';
import { goldObjectKey } from '../schemas/lake.js';
import type { BronzeSource } from './bronze-sources.js';
import { type Dialect, expandMacro, PIVOT_VALUES_MARKER, sparkDialect } from './dialect.js';
import {
  allDaysRelation,
  type BatchEngine,
  type GoldDayFile,
  type InputError,
  type LocalPartition,
  type SourceFile,
} from './engine.js';
import { goldTableObjectKey } from './gold-keys.js';
import type { MacroCall } from './model-template.js';
import { renderTemplate } from './model-template.js';
import type { Model } from './models.js';

export const SPARK_DRIVER = join(dirname(fileURLToPath(import.meta.url)), 'spark', 'driver.py');

export interface SparkEngineOptions {
  /** The `spark-submit` of the project's venv (batch-layer/spark/setup.sh); its `python` runs the driver. */
  sparkSubmit: string;
  master: string;
  driverMemory: string;
  /** Spark's own log lines (stderr), for a caller that wants them. */
  onSparkLog?: (line: string) => void;
}

const SPARK_TYPE: Record<LogicalKind, string> = {
  text: 'STRING',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  int: 'INT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  'text-list': 'ARRAY<STRING>',
};

/** How long spark-submit may take to start the driver (a JVM and a SparkSession, on a busy machine). */
const CONNECT_TIMEOUT_MS = 5 * 60_000;

const backtick = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** The Spark session settings the models rely on. */
export const SPARK_CONF: Readonly<Record<string, string>> = {
  // The models compute on UTC wall time, as the DuckDB engine's session does.
  'spark.sql.session.timeZone': 'UTC',
  // Timestamps as Parquet TIMESTAMP(MICROS, UTC), the type DuckDB's gold has (not INT96).
  'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
  'spark.sql.parquet.compression.codec': 'zstd',
  // Spark's default of 200 shuffle partitions is for clusters; a few suit local mode.
  'spark.sql.shuffle.partitions': '4',
  'spark.ui.enabled': 'false',
  'spark.driver.extraJavaOptions': '-Duser.timezone=UTC',
  'spark.executor.extraJavaOptions': '-Duser.timezone=UTC',
};

interface Reply {
  ok?: boolean;
  error?: string;
  [field: string]: unknown;
}

/**
 * A model as Spark SQL; for a pivot, also the query of the values its `IN (...)` lists (the model
 * with the pivot replaced by that SELECT) and the marker the driver replaces with them.
 */
export function renderSparkModel(
  model: Model,
  dialect: Dialect = sparkDialect,
): { sql: string; pivotValues?: { marker: string; sql: string } } {
  const render = (pivot: (call: MacroCall) => string) =>
    renderTemplate(model.parts, (call) => {
      if (call.name === 'config') return '';
      if (call.name === 'ref' || call.name === 'source') return backtick(String(call.args[0]));
      if (call.name === 'all_days') return backtick(allDaysRelation(String(call.args[0])));
      if (call.name === 'pivot') return pivot(call);
      return expandMacro(dialect, call);
    });
  const sql = render((call) => expandMacro(dialect, call));
  const listValues = dialect.pivotValues;
  if (!listValues || !model.parts.some((p) => 'call' in p && p.call.name === 'pivot')) return { sql };
  return {
    sql,
    pivotValues: {
      marker: PIVOT_VALUES_MARKER,
      sql: render((call) =>
        listValues(String(call.args[0] ?? call.kwargs.relation), String(call.args[1] ?? call.kwargs.on)),
      ),
    },
  };
}

export class SparkEngine implements BatchEngine {
  readonly dialect: Dialect = sparkDialect;
  private readonly replies: ((reply: Reply) => void)[] = [];
  private readonly stderrTail: string[] = [];
  private socket: Socket | undefined;
  private exited: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly server: Server,
    private readonly workDir: string,
  ) {}

  static async open(options: SparkEngineOptions): Promise<SparkEngine> {
    const workDir = await mkdtemp(join(tmpdir(), 'sentiment-spark-'));
    const server = createServer();
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
    const port = (server.address() as AddressInfo).port;
    const token = randomBytes(16).toString('hex');
    const python = join(dirname(options.sparkSubmit), 'python');
    const conf = Object.entries(SPARK_CONF).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
    const child = spawn(
      options.sparkSubmit,
      [
        '--master',
        options.master,
        '--driver-memory',
        options.driverMemory,
        ...conf,
        SPARK_DRIVER,
        String(port),
        token,
        join(workDir, 'spark-out'),
      ],
      {
        env: { ...process.env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python, TZ: 'UTC' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const engine = new SparkEngine(child, server, workDir);
    engine.listen(token, options.onSparkLog);
    let timer: NodeJS.Timeout | undefined;
    try {
      // A driver that neither connects nor exits (a hung JVM) must not hold the run lock forever.
      await Promise.race([
        engine.next(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`spark driver did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`)),
            CONNECT_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      await engine.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return engine;
  }

  private listen(token: string, onSparkLog: ((line: string) => void) | undefined) {
    const { child, server } = this;
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const waiting of this.replies.splice(0)) waiting({ ok: false, error: error.message });
    };
    server.on('connection', (socket) => {
      if (this.socket) {
        socket.destroy();
        return;
      }
      let authenticated = false;
      createInterface({ input: socket }).on('line', (line) => {
        const reply = JSON.parse(line) as Reply;
        if (!authenticated) {
          // Anything on this machine can connect to the port: only our driver knows the token.
          if (reply.token !== token) return socket.destroy();
          authenticated = true;
          this.socket = socket;
        }
        this.replies.shift()?.(reply);
      });
      socket.on('error', () => undefined);
    });
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
        onSparkLog?.(line);
        this.stderrTail.push(line);
        if (this.stderrTail.length > 40) this.stderrTail.shift();
      });
    child.on('error', (error) =>
      fail(new Error(`spark-submit could not start (${error.message}): run batch-layer/spark/setup.sh`)),
    );
    child.on('exit', (code, signal) =>
      fail(
        new Error(
          `spark driver exited (${signal ?? code}); its last lines:\n${this.stderrTail.slice(-15).join('\n')}`,
        ),
      ),
    );
  }

  /** The driver's next reply; throws its error. */
  private next(): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.replies.push((reply) => (reply.ok === false ? reject(new Error(reply.error)) : resolve(reply)));
    });
  }

  private send(command: Record<string, unknown>): Promise<Reply> {
    const reply = this.next();
    this.socket?.write(`${JSON.stringify(command)}\n`);
    return reply;
  }

  async loadSource(
    source: BronzeSource,
    files: readonly SourceFile[],
  ): Promise<{ rows: number; errors: InputError[] }> {
    const kinds = new Map(source.columns.map((c) => [c.name, c.kind]));
    const reply = await this.send({
      op: 'load',
      name: source.name,
      columns: source.columns.map((c) => ({ name: c.name, kind: c.kind })),
      loaded: source.loaded,
      schema: source.loaded
        .map((n) => `${backtick(n)} ${SPARK_TYPE[kinds.get(n) as LogicalKind]}`)
        .join(', '),
      files,
    });
    return { rows: reply.rows as number, errors: reply.errors as InputError[] };
  }

  async build(model: Model): Promise<void> {
    try {
      await this.send({ op: 'build', name: model.name, ...renderSparkModel(model, this.dialect) });
    } catch (error) {
      throw new Error(`model ${model.name} (${model.path}): ${(error as Error).message}`);
    }
  }

  async buildAllDays(
    model: Model,
    days: readonly string[],
    others: readonly GoldDayFile[],
  ): Promise<{ rows: number }> {
    try {
      const reply = await this.send({
        op: 'all_days',
        name: model.name,
        relation: allDaysRelation(model.name),
        partitionBy: model.partitionBy,
        days,
        others: others.map((f) => ({ day: f.day, path: f.path })),
      });
      return { rows: reply.rows as number };
    } catch (error) {
      throw new Error(`all_days('${model.name}'): ${(error as Error).message}`);
    }
  }

  async writePartitions(model: Model, days: readonly string[], outDir: string): Promise<LocalPartition[]> {
    const local = (key: string) => join(outDir, ...key.split('/'));
    if (!model.partitionBy) {
      const key = goldTableObjectKey(model.name);
      const reply = await this.send({ op: 'write', name: model.name, path: local(key) });
      return (reply.partitions as { rows: number }[]).map((p) => ({
        table: model.name,
        key,
        path: local(key),
        rows: p.rows,
      }));
    }
    const reply = await this.send({
      op: 'write',
      name: model.name,
      partitionBy: model.partitionBy,
      dropEmptyColumns: model.dropEmptyColumns,
      targets: days.map((day) => ({ day, path: local(goldObjectKey(model.name, day)) })),
    });
    return (reply.partitions as { day: string; rows: number }[]).map((p) => {
      const key = goldObjectKey(model.name, p.day);
      return { table: model.name, day: p.day, key, path: local(key), rows: p.rows };
    });
  }

  async close(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
      if (this.socket) this.socket.end(`${JSON.stringify({ op: 'stop' })}\n`);
      else this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    this.socket?.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
    await rm(this.workDir, { recursive: true, force: true });
  }
}
