/**
 * The gold models: one SQL file per table under models/, read once. A model's dependencies are the
 * `ref()`, `all_days()` and `source()` calls in its text; the run order is a topological order of
 * them (ties by name, so every run builds in the same order).
 *
 * `ref('m')` is what this run computed of m: the days its bronze covers. `all_days('m')`, for a
 * date-partitioned table m, is m over every day gold has: this run's days as just computed, every
 * other day from its gold partition. It lets a figure over all of history (the all-time
 * statistics) be merged from per-day parts, so that a run reads only the bronze of its own days.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MacroCall, parseTemplate, type TemplatePart } from './model-template.js';

export const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'models');

export type Materialization = 'view' | 'table';

export interface Model {
  name: string;
  path: string;
  parts: TemplatePart[];
  materialized: Materialization;
  /** The column of Hive `<column>=<value>` partitions; unset: one unpartitioned object. */
  partitionBy?: 'date';
  /** Per partition, leave out columns with no value in it (the wide pivot). */
  dropEmptyColumns: boolean;
  /** Every model it reads, `all_days()` ones included. */
  refs: string[];
  /** The models it reads over every day gold has (`all_days()`). */
  allDays: string[];
  sources: string[];
}

const MODEL_NAME = /^[a-z][a-z0-9_]*$/;

export function parseModel(name: string, sql: string, path = `${name}.sql`): Model {
  if (!MODEL_NAME.test(name)) throw new Error(`model file ${path}: name must match ${MODEL_NAME}`);
  const parts = parseTemplate(sql);
  const calls = parts.flatMap((p) => ('call' in p ? [p.call] : []));
  const configs = calls.filter((c) => c.name === 'config');
  if (configs.length !== 1) throw new Error(`model ${name}: needs exactly one {{ config(...) }}`);
  const config = (configs[0] as MacroCall).kwargs;
  const materialized = config.materialized;
  if (materialized !== 'view' && materialized !== 'table')
    throw new Error(`model ${name}: materialized must be 'view' or 'table'`);
  const partitionBy = config.partition_by;
  if (partitionBy !== undefined && partitionBy !== 'date')
    throw new Error(`model ${name}: partition_by can only be 'date'`);
  if (materialized === 'view' && partitionBy) throw new Error(`model ${name}: a view has no partitions`);
  const names = (macro: string) => [
    ...new Set(
      calls
        .filter((c) => c.name === macro)
        .map((c) => {
          const target = c.args[0];
          if (typeof target !== 'string') throw new Error(`model ${name}: ${macro}() needs a name`);
          return target;
        }),
    ),
  ];
  return {
    name,
    path,
    parts,
    materialized,
    ...(partitionBy ? { partitionBy } : {}),
    dropEmptyColumns: config.drop_empty_columns === true,
    refs: [...new Set([...names('ref'), ...names('all_days')])],
    allDays: names('all_days'),
    sources: names('source'),
  };
}

export function loadModels(dir = MODELS_DIR): Model[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseModel(basename(f, '.sql'), readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** Dependencies first; throws on an unknown ref, an unknown source or a cycle. */
export function runOrder(models: readonly Model[], knownSources: readonly string[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  for (const m of models) {
    for (const r of m.refs)
      if (!byName.has(r)) throw new Error(`model ${m.name}: ref('${r}') names no model`);
    for (const s of m.sources)
      if (!knownSources.includes(s)) throw new Error(`model ${m.name}: source('${s}') names no source`);
    for (const a of m.allDays) {
      const target = byName.get(a) as Model;
      // Other days come from gold partitions, so only a table with a whole file per day has them.
      if (target.materialized !== 'table' || target.partitionBy !== 'date' || target.dropEmptyColumns)
        throw new Error(
          `model ${m.name}: all_days('${a}') needs a table partitioned by date with the same columns every day`,
        );
    }
  }
  const order: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: Model, path: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting')
      throw new Error(`models: dependency cycle ${[...path, m.name].join(' -> ')}`);
    state.set(m.name, 'visiting');
    for (const r of [...m.refs].sort()) visit(byName.get(r) as Model, [...path, m.name]);
    state.set(m.name, 'done');
    order.push(m);
  };
  for (const m of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(m, []);
  return order;
}

/** The models written to gold (tables), in run order. */
export const goldTables = (ordered: readonly Model[]): Model[] =>
  ordered.filter((m) => m.materialized === 'table');
