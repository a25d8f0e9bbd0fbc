import { describe, expect, it } from 'vitest';
import { PIVOT_VALUES_MARKER } from './dialect.js';
import { loadModels } from './models.js';
import { renderSparkModel } from './spark-engine.js';

// The engine-agreement test (test/integration/batch-engines.test.ts) runs the models on Spark;
// these catch a model that only DuckDB can read before that slow test does.
const DUCKDB_ONLY = [/quantile_cont\(/, /\bunnest\(/, /\bepoch\(/, /time_bucket\(/, /\bPIVOT\s+"/, /"\w+"/];

describe('models in the Spark dialect', () => {
  it('render every model without DuckDB-only functions or double-quoted identifiers', () => {
    for (const model of loadModels()) {
      const { sql } = renderSparkModel(model);
      for (const pattern of DUCKDB_ONLY) expect(sql, `${model.name}: ${pattern}`).not.toMatch(pattern);
      expect(sql).not.toContain('{{');
    }
  });

  it('render a pivot as PIVOT over the group-by columns with its value list, and the query of those values', () => {
    const pivot = loadModels().find((m) => m.name === 'sentiment_pivot_hourly');
    if (!pivot) throw new Error('no sentiment_pivot_hourly model');
    const rendered = renderSparkModel(pivot);
    expect(rendered.sql).toContain(
      `SELECT * FROM (SELECT date, hour, symbol, mean_compound FROM \`hourly\`) PIVOT (first(mean_compound) FOR symbol IN (${PIVOT_VALUES_MARKER}))`,
    );
    expect(rendered.pivotValues?.marker).toBe(PIVOT_VALUES_MARKER);
    expect(rendered.pivotValues?.sql).toMatch(
      /^[\s\S]*WITH hourly AS \([\s\S]*\)\s*SELECT DISTINCT CAST\(symbol AS STRING\) FROM `hourly`\s*$/,
    );
  });

  it('render the exact quantile as percentile (not percentile_approx)', () => {
    const stats = loadModels().find((m) => m.name === 'topic_statistics');
    if (!stats) throw new Error('no topic_statistics model');
    expect(renderSparkModel(stats).sql).toContain('percentile(compound, 0.95)');
  });
});
