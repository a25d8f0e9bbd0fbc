import { Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnsOf, type LogicalKind } from './columns.js';
import {
  arrowSchemaOf,
  BRONZE_DATASETS,
  bronzeObjectKey,
  goldObjectKey,
  goldRunKey,
  parseBronzeObjectKey,
} from './lake.js';

describe('bronze object keys', () => {
  const object = {
    dataset: 'tweets',
    day: '2024-05-01',
    partition: 2,
    firstOffset: 100,
    lastOffset: 199,
  } as const;

  it('are Hive-partitioned by day and named by partition and offsets', () => {
    expect(bronzeObjectKey(object)).toBe(
      'bronze/tweets/date=2024-05-01/tweets-p2-00000000000000000100-00000000000000000199.parquet',
    );
  });

  it('are deterministic, so a replay rewrites the same object', () => {
    expect(bronzeObjectKey({ ...object })).toBe(bronzeObjectKey(object));
  });

  it('sort in offset order', () => {
    const a = bronzeObjectKey({ ...object, firstOffset: 9, lastOffset: 99 });
    const b = bronzeObjectKey({ ...object, firstOffset: 100, lastOffset: 1000 });
    expect(a < b).toBe(true);
  });

  it('parse back to what made them', () => {
    expect(parseBronzeObjectKey(bronzeObjectKey(object))).toEqual(object);
    expect(parseBronzeObjectKey('bronze/tweets/date=2024-05-01/other.parquet')).toBeUndefined();
  });

  it('refuse bad parts', () => {
    expect(() => bronzeObjectKey({ ...object, day: '2024-5-1' })).toThrow(/day/);
    expect(() => bronzeObjectKey({ ...object, firstOffset: -1 })).toThrow(/firstOffset/);
    expect(() => bronzeObjectKey({ ...object, lastOffset: 5 })).toThrow(/before/);
    expect(() => bronzeObjectKey({ ...object, dataset: '../x' as 'tweets' })).toThrow(/dataset/);
  });
});

describe('gold keys', () => {
  it('partition tables by day and keep runs apart', () => {
    expect(goldObjectKey('sentiment_hourly', '2024-05-01')).toBe(
      'gold/sentiment_hourly/date=2024-05-01/part-00000.parquet',
    );
    expect(goldRunKey('2024-05-01T14:05:00Z')).toBe('gold/_runs/2024-05-01T14:05:00Z.json');
    expect(() => goldRunKey('../x')).toThrow();
  });
});

describe('bronze Parquet schemas', () => {
  it('derive column types from the row schemas', () => {
    const schema = arrowSchemaOf(BRONZE_DATASETS.tweets.schema);
    const types = Object.fromEntries(schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({
      id: 'Utf8',
      created_at: 'Timestamp<MILLISECOND, UTC>',
      symbols: 'List<Utf8>',
      compound: 'Float64',
      source_partition: 'Int32',
      source_offset: 'Int64',
    });
    expect(schema.fields.every((f) => !f.nullable)).toBe(true);
  });

  it('build tables Arrow accepts', () => {
    const schema = arrowSchemaOf(BRONZE_DATASETS.stockPrices.schema);
    expect(schema.fields.map((f) => f.name)).toEqual([
      'symbol',
      'trade_timestamp',
      'open_price',
      'high_price',
      'low_price',
      'close_price',
      'volume',
      'source_partition',
      'source_offset',
      'ingested_at',
    ]);
    // One row of each bronze dataset, typed by our schema, through Arrow's IPC format and back.
    const sample: Record<LogicalKind, unknown> = {
      text: 'AAPL',
      double: 1.5,
      bigint: 7n,
      int: 3,
      boolean: true,
      timestamp: Date.UTC(2024, 4, 1, 13, 45),
      date: new Date(Date.UTC(2024, 4, 1)),
      'text-list': ['AAPL', 'BRK.B'],
    };
    for (const dataset of Object.values(BRONZE_DATASETS)) {
      const datasetSchema = arrowSchemaOf(dataset.schema);
      const columns = columnsOf(dataset.schema);
      const vectors = Object.fromEntries(
        datasetSchema.fields.map((f, i) => [
          f.name,
          vectorFromArray([sample[columns[i]?.kind as LogicalKind]], f.type),
        ]),
      );
      const table = tableFromIPC(tableToIPC(new Table(vectors)));
      expect(table.numRows).toBe(1);
      expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(
        datasetSchema.fields.map((f) => `${f.name}:${f.type}`),
      );
    }
  });
});
