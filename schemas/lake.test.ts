import { Table, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsOf, type LogicalKind } from './columns.js';
import {
  arrowSchemaOf,
  BRONZE_DATASETS,
  type BronzeObject,
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

  // Any valid bronze object: offsets over the whole safe-integer range, so 20-digit padding counts.
  const offset = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat());
  const bronzeObject = fc
    .record({
      dataset: fc.constantFrom(...Object.values(BRONZE_DATASETS).map((d) => d.name)),
      day: fc
        .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
        .map((ms) => new Date(ms).toISOString().slice(0, 10)),
      partition: fc.integer({ min: 0, max: 1000 }),
      a: offset,
      b: offset,
    })
    .map(({ a, b, ...rest }) => ({ ...rest, firstOffset: Math.min(a, b), lastOffset: Math.max(a, b) }));

  it('are Hive-partitioned by day and named by partition and offsets', () => {
    expect(bronzeObjectKey(object)).toBe(
      'bronze/tweets/date=2024-05-01/tweets-p2-00000000000000000100-00000000000000000199.parquet',
    );
  });

  it('parse back to exactly what made them', () => {
    fc.assert(
      fc.property(bronzeObject, (o) => {
        expect(parseBronzeObjectKey(bronzeObjectKey(o))).toEqual(o);
      }),
    );
  });

  it('sort, within one partition, in offset order, and keep each partition together', () => {
    fc.assert(
      fc.property(fc.array(bronzeObject, { minLength: 2, maxLength: 30 }), (objects) => {
        // Keys are ASCII, so the default (UTF-16) sort is S3's byte order.
        const sorted = objects.map(bronzeObjectKey).sort().map(parseBronzeObjectKey);
        // Keys of one dataset, day and partition are contiguous in key order…
        const group = (o: BronzeObject | undefined) => `${o?.dataset}/${o?.day}/${o?.partition}`;
        const groups = sorted.map(group).filter((g, i, all) => i === 0 || all[i - 1] !== g);
        expect(new Set(groups).size).toBe(groups.length);
        // …and in (firstOffset, lastOffset) order inside the group, as numbers, not as text.
        for (let i = 1; i < sorted.length; i++) {
          const [before, after] = [sorted[i - 1] as BronzeObject, sorted[i] as BronzeObject];
          if (group(before) !== group(after)) continue;
          expect(
            before.firstOffset < after.firstOffset ||
              (before.firstOffset === after.firstOffset && before.lastOffset <= after.lastOffset),
          ).toBe(true);
        }
      }),
    );
  });

  it('change with each part they hold, and only with it, so a replay rewrites the same object', () => {
    const otherDataset = { tweets: 'stock_prices', stock_prices: 'tweets' } as const;
    const nextDay = (day: string) =>
      new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const variants = (o: BronzeObject): BronzeObject[] => [
      { ...o, dataset: otherDataset[o.dataset] },
      { ...o, day: nextDay(o.day) },
      { ...o, partition: o.partition + 1 },
      ...(o.firstOffset > 0 ? [{ ...o, firstOffset: o.firstOffset - 1 }] : []),
      ...(o.lastOffset < Number.MAX_SAFE_INTEGER ? [{ ...o, lastOffset: o.lastOffset + 1 }] : []),
    ];
    fc.assert(
      fc.property(bronzeObject, (o) => {
        const key = bronzeObjectKey(o);
        expect(bronzeObjectKey({ ...o })).toBe(key);
        for (const variant of variants(o)) expect(bronzeObjectKey(variant)).not.toBe(key);
      }),
    );
  });

  it('refuse bad parts', () => {
    expect(() => bronzeObjectKey({ ...object, day: '2024-5-1' })).toThrow(/day/);
    expect(() => bronzeObjectKey({ ...object, firstOffset: -1 })).toThrow(/firstOffset/);
    expect(() => bronzeObjectKey({ ...object, firstOffset: 1.5 })).toThrow(/firstOffset/);
    expect(() => bronzeObjectKey({ ...object, lastOffset: 2 ** 53 })).toThrow(/lastOffset/);
    expect(() => bronzeObjectKey({ ...object, partition: -2 })).toThrow(/partition/);
    expect(() => bronzeObjectKey({ ...object, lastOffset: 5 })).toThrow(/before/);
    expect(() => bronzeObjectKey({ ...object, dataset: '../x' as 'tweets' })).toThrow(/dataset/);
  });

  it.each([
    ['another name', 'bronze/tweets/date=2024-05-01/other.parquet'],
    [
      'a file named for another dataset',
      'bronze/tweets/date=2024-05-01/stock_prices-p2-00000000000000000100-00000000000000000199.parquet',
    ],
    ['offsets not padded to 20 digits', 'bronze/tweets/date=2024-05-01/tweets-p2-100-199.parquet'],
    ['not Parquet', 'bronze/tweets/date=2024-05-01/tweets-p2-00000000000000000100-00000000000000000199.json'],
    ['no day partition', 'bronze/tweets/tweets-p2-00000000000000000100-00000000000000000199.parquet'],
    [
      'an offset above 2^53 - 1, which a number cannot hold exactly',
      'bronze/tweets/date=2024-05-01/tweets-p2-00000000000000000100-99999999999999999999.parquet',
    ],
    [
      'gold, not bronze',
      'gold/tweets/date=2024-05-01/tweets-p2-00000000000000000100-00000000000000000199.parquet',
    ],
  ])('parse %s as no bronze object', (_, key) => {
    expect(parseBronzeObjectKey(key)).toBeUndefined();
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
