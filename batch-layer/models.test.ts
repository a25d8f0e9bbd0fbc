import { describe, expect, it } from 'vitest';
import { BRONZE_SOURCES } from './bronze-sources.js';
import { duckdbDialect, expandMacro } from './dialect.js';
import { parseTemplate, renderTemplate } from './model-template.js';
import { goldTables, loadModels, parseModel, runOrder } from './models.js';

const sources = BRONZE_SOURCES.map((s) => s.name);
const model = (name: string, body: string, config = "materialized='table'") =>
  parseModel(name, `{{ config(${config}) }}\n${body}`);

describe('model files', () => {
  it('reads refs, sources and config from the template calls', () => {
    const m = model(
      'x',
      "SELECT * FROM {{ ref('a') }} JOIN {{ ref(\"b\") }} USING (k) JOIN {{ source('bronze_ticks') }} USING (k) JOIN {{ ref('a') }} USING (k)",
      "materialized='table', partition_by='date', drop_empty_columns=true",
    );
    expect(m).toMatchObject({
      refs: ['a', 'b'],
      sources: ['bronze_ticks'],
      partitionBy: 'date',
      dropEmptyColumns: true,
    });
  });

  it('orders models after what they reference, whatever the file order', () => {
    const order = runOrder(
      [
        model('c', "SELECT * FROM {{ ref('b') }}"),
        model('b', "SELECT * FROM {{ ref('a') }}"),
        model('a', "SELECT * FROM {{ source('bronze_tweets') }}"),
        model('d', "SELECT * FROM {{ ref('a') }} JOIN {{ ref('c') }} USING (k)"),
      ],
      sources,
    );
    expect(order.map((m) => m.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses a cycle, an unknown ref or source, and a call it cannot parse', () => {
    expect(() => runOrder([model('a', "{{ ref('b') }}"), model('b', "{{ ref('a') }}")], sources)).toThrow(
      /cycle a -> b -> a/,
    );
    expect(() => runOrder([model('a', "{{ ref('nope') }}")], sources)).toThrow(/names no model/);
    expect(() => runOrder([model('a', "{{ source('kafka') }}")], sources)).toThrow(/names no source/);
    expect(() => parseTemplate('{{ ref(a) }}')).toThrow(/not a string/);
    expect(() => parseTemplate('SELECT {{ broken')).toThrow(/unparsed/);
    expect(() => parseModel('a', 'SELECT 1')).toThrow(/config/);
  });

  it('expands dialect macros, and names an unknown one', () => {
    const parts = parseTemplate("SELECT {{ quantile('compound', 0.95) }}, {{ explode('symbols') }}");
    expect(renderTemplate(parts, (c) => expandMacro(duckdbDialect, c))).toBe(
      'SELECT quantile_cont(compound, 0.95), unnest(symbols)',
    );
    expect(() => expandMacro(duckdbDialect, { name: 'percentile_approx', args: [], kwargs: {} })).toThrow(
      /unknown macro/,
    );
  });

  it('ships the gold tables of the issue, each built after the models it reads', () => {
    const order = runOrder(loadModels(), sources);
    expect(
      goldTables(order)
        .map((m) => m.name)
        .sort(),
    ).toEqual([
      'candles_1m',
      'candles_5m',
      'sentiment_hourly',
      'sentiment_minute',
      'sentiment_pivot_hourly',
      'sentiment_price_correlation',
      'topic_compound_counts',
      'topic_statistics',
      'topic_statistics_all_time',
      'topic_volatility_parts',
      'trend_analysis',
      'trend_analysis_hourly',
    ]);
    const position = new Map(order.map((m, i) => [m.name, i]));
    for (const m of order)
      for (const r of m.refs) expect(position.get(r)).toBeLessThan(position.get(m.name) as number);
    // Models build on each other rather than each rescanning bronze.
    expect(order.find((m) => m.name === 'sentiment_pivot_hourly')?.refs).toEqual(['sentiment_hourly']);
    expect(
      order
        .filter((m) => m.sources.length > 0)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['stg_ticks', 'stg_tweets']);
    // The all-time statistics merge per-day parts over every gold day, not bronze.
    expect(order.find((m) => m.name === 'topic_statistics_all_time')?.allDays).toEqual([
      'topic_compound_counts',
      'topic_volatility_parts',
    ]);
  });

  it('reads all_days() as a dependency, and refuses it on a model without a whole file per day', () => {
    const parts = model('parts', "SELECT * FROM {{ ref('a') }}", "materialized='table', partition_by='date'");
    const a = model('a', "SELECT * FROM {{ source('bronze_tweets') }}");
    const total = model('total', "SELECT sum(n) FROM {{ all_days('parts') }} JOIN {{ ref('a') }} USING (k)");
    expect(total).toMatchObject({ refs: ['a', 'parts'], allDays: ['parts'] });
    expect(runOrder([total, parts, a], sources).map((m) => m.name)).toEqual(['a', 'parts', 'total']);
    expect(() => runOrder([total, model('parts', 'SELECT 1'), a], sources)).toThrow(/partitioned by date/);
    const pivot = model(
      'parts',
      'SELECT 1',
      "materialized='table', partition_by='date', drop_empty_columns=true",
    );
    expect(() => runOrder([total, pivot, a], sources)).toThrow(/same columns every day/);
  });
});
