import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeInternalRecords,
  encodeInternalRecord,
  type InternalMessage,
  type InternalRecord,
  InternalRecordEncoder,
} from './speed.js';

/** The one record a single-record form holds. */
const decodeInternalRecord = (value: Uint8Array | string): InternalRecord | undefined => {
  const records = decodeInternalRecords(value);
  if (records && records.length !== 1) throw new Error(`${records.length} records`);
  return records?.[0];
};

const mention: InternalRecord = {
  kind: 'mention',
  id: '1790000000000012345',
  symbol: 'AAPL',
  createdAt: 1_764_547_200_123,
  compound: 0.4215,
  sourcePartition: 2,
  sourceOffset: 123_456,
  sourceMaxEventTime: 1_764_547_201_000,
};

/** A mention carrying the tweet's own columns (the form stage 1 writes). */
const tweetMention: InternalRecord = {
  ...(mention as Extract<InternalRecord, { kind: 'mention' }>),
  text: '$AAPL up 😀 — "great" quarter',
  userId: 'u42',
  pos: 0.5,
  neu: 0.4,
  neg: 0.1,
};

describe('internal records', () => {
  it.each<InternalRecord>([
    mention,
    { ...mention, id: 'tweet-é-日本-😀', symbol: 'BRK.B' },
    { ...mention, id: '', compound: -1 },
    { ...mention, id: 'x'.repeat(128) },
    tweetMention,
    { ...tweetMention, text: '', userId: '', id: 'é' },
    { ...tweetMention, text: 'x'.repeat(70_000) },
    { kind: 'progress', sourcePartition: 0, maxEventTime: -5, sourceOffset: 0 },
    { kind: 'idle', sourcePartition: 7, sourceOffset: 2 ** 53 - 1 },
  ])('come back as they were sent: %o', (record) => {
    expect(decodeInternalRecord(encodeInternalRecord(record))).toEqual(record);
  });

  it('come back from a plain Uint8Array as from a Buffer', () => {
    expect(decodeInternalRecord(new Uint8Array(encodeInternalRecord(mention)))).toEqual(mention);
  });

  it('carry a compound of -0 as 0, as JSON did', () => {
    const back = decodeInternalRecord(encodeInternalRecord({ ...mention, compound: -0 }));
    expect(Object.is(back?.kind === 'mention' && back.compound, 0)).toBe(true);
  });

  it('round-trip any mention', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 128 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.nat(),
        fc.nat(),
        (id, symbol, createdAt, compound, sourcePartition, sourceOffset) => {
          const r: InternalRecord = {
            kind: 'mention',
            id,
            symbol,
            createdAt,
            compound: compound + 0,
            sourcePartition,
            sourceOffset,
            sourceMaxEventTime: createdAt + 1,
          };
          // Lone surrogates are not text; UTF-8 carries them as U+FFFD.
          const text = (s: string) => Buffer.from(s).toString();
          expect(decodeInternalRecord(encodeInternalRecord(r))).toEqual({
            ...r,
            id: text(id),
            symbol: text(symbol),
          });
        },
      ),
    );
  });

  const bytes = (record: InternalRecord) => new Uint8Array(encodeInternalRecord(record));
  const withFloat = (record: InternalRecord, at: number, value: number) => {
    const b = Buffer.from(bytes(record));
    b.writeDoubleLE(value, at);
    return b;
  };

  it.each<[string, Uint8Array | string]>([
    ['empty bytes', new Uint8Array()],
    ['the JSON form of before', new TextEncoder().encode('["m","1","AAPL",1,0.5,0,1,1]')],
    ['a string', '["p",0,1,2]'],
    ['another first byte', Uint8Array.from([0xb4, ...bytes(mention).slice(1)])],
    ['an unknown kind', Uint8Array.from([0xb5, 0x78, ...bytes(mention).slice(2)])],
    ['a truncated mention', bytes(mention).slice(0, -1)],
    ['a mention with a byte too many', Uint8Array.from([...bytes(mention), 0x41])],
    ['a mention cut inside its header', bytes(mention).slice(0, 30)],
    ['a truncated tweet mention', bytes(tweetMention).slice(0, -1)],
    ['a tweet mention with a byte too many', Uint8Array.from([...bytes(tweetMention), 0x41])],
    ['a tweet mention cut inside its header', bytes(tweetMention).slice(0, 70)],
    ['a tweet mention with a NaN neg', withFloat(tweetMention, 58, Number.NaN)],
    ['a tweet mention with an unsafe source offset', withFloat(tweetMention, 26, 2 ** 53)],
    [
      'a progress marker with a byte too many',
      Uint8Array.from([
        ...bytes({ kind: 'progress', sourcePartition: 0, maxEventTime: 1, sourceOffset: 1 }),
        0,
      ]),
    ],
    ['a truncated idle marker', bytes({ kind: 'idle', sourcePartition: 0, sourceOffset: 1 }).slice(0, -1)],
    ['a fractional created_at', withFloat(mention, 2, 1.5)],
    ['a non-finite compound', withFloat(mention, 10, Number.POSITIVE_INFINITY)],
    ['a NaN compound', withFloat(mention, 10, Number.NaN)],
    ['an unsafe source offset', withFloat(mention, 26, 2 ** 53)],
    [
      'a fractional progress time',
      withFloat({ kind: 'progress', sourcePartition: 0, maxEventTime: 1, sourceOffset: 1 }, 10, 0.5),
    ],
  ])('refuse %s', (_, value) => {
    expect(decodeInternalRecord(value)).toBeUndefined();
  });
});

describe('batches of mentions', () => {
  const partitionOf = (symbol: string) => (symbol === 'AAPL' ? 0 : symbol === 'TSLA' ? 1 : 2);
  const mentionOf = (i: number, symbol: string): InternalRecord => ({
    ...(tweetMention as Extract<InternalRecord, { kind: 'mention' }>),
    id: `t${i}`,
    symbol,
    sourceOffset: i,
    text: `tweet ${i} about $${symbol} ${'é'.repeat(i % 3)}`,
  });
  /** What each partition reads, record by record, decoded. */
  const perPartition = (messages: InternalMessage[], partitions: number) => {
    const read: InternalRecord[][][] = Array.from({ length: partitions }, () => []);
    for (const { partition, value } of messages) {
      const records = decodeInternalRecords(value);
      expect(records).toBeDefined();
      read[partition]?.push(records as InternalRecord[]);
    }
    return read;
  };

  it("share one record per partition and keep each partition's order around markers", () => {
    const encoder = new InternalRecordEncoder(3, partitionOf);
    const progress: InternalRecord = {
      kind: 'progress',
      sourcePartition: 1,
      maxEventTime: 5,
      sourceOffset: 3,
    };
    const sent = [
      mentionOf(0, 'AAPL'),
      mentionOf(1, 'TSLA'),
      mentionOf(2, 'AAPL'),
      progress,
      mentionOf(3, 'AAPL'),
    ];
    for (const r of sent) encoder.add(r);
    const read = perPartition(encoder.finish(), 3);
    expect(read[0]).toEqual([[sent[0], sent[2]], [progress], [sent[4]]]);
    expect(read[1]).toEqual([[sent[1]], [progress]]);
    expect(read[2]).toEqual([[progress]]);
    expect(encoder.finish()).toEqual([]);
  });

  it('close a batch before it would pass the size cap; a larger mention is a record of its own', () => {
    const cap = 2_000;
    const encoder = new InternalRecordEncoder(1, () => 0, cap);
    const sent = Array.from({ length: 40 }, (_, i) => mentionOf(i, 'AAPL'));
    const big = { ...mentionOf(40, 'AAPL'), text: 'x'.repeat(5_000) } as InternalRecord;
    for (const r of [...sent, big]) encoder.add(r);
    const messages = encoder.finish();
    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages.slice(0, -1)) expect(m.value.length).toBeLessThanOrEqual(cap);
    expect(perPartition(messages, 1)[0]?.flat()).toEqual([...sent, big]);
  });

  it('round-trip any sequence of records in order per partition', () => {
    const record = fc.oneof(
      fc.record({
        kind: fc.constant('mention' as const),
        id: fc.string({ maxLength: 24 }),
        symbol: fc.constantFrom('AAPL', 'TSLA', 'NVDA', 'BRK.B'),
        createdAt: fc.integer({ min: 0, max: 2 ** 42 }),
        compound: fc.double({ min: -1, max: 1, noNaN: true }).map((c) => c + 0),
        sourcePartition: fc.nat(8),
        sourceOffset: fc.nat(),
        sourceMaxEventTime: fc.integer({ min: 0, max: 2 ** 42 }),
        text: fc.string({ maxLength: 300, unit: 'binary' }),
        userId: fc.string({ maxLength: 16 }),
        pos: fc.double({ min: 0, max: 1, noNaN: true }).map((c) => c + 0),
        neu: fc.double({ min: 0, max: 1, noNaN: true }).map((c) => c + 0),
        neg: fc.double({ min: 0, max: 1, noNaN: true }).map((c) => c + 0),
      }),
      fc.record({
        kind: fc.constant('progress' as const),
        sourcePartition: fc.nat(8),
        maxEventTime: fc.integer({ min: -(2 ** 42), max: 2 ** 42 }),
        sourceOffset: fc.nat(),
      }),
      fc.record({ kind: fc.constant('idle' as const), sourcePartition: fc.nat(8), sourceOffset: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 200, max: 4_000 }), (sent, cap) => {
        const encoder = new InternalRecordEncoder(3, partitionOf, cap);
        for (const r of sent) encoder.add(r);
        const read = perPartition(encoder.finish(), 3).map((records) => records.flat());
        // Lone surrogates are not text; UTF-8 carries them as U+FFFD.
        const utf8 = (s: string) => Buffer.from(s).toString();
        for (let p = 0; p < 3; p++) {
          const expected = sent
            .filter((r) => r.kind !== 'mention' || partitionOf(r.symbol) === p)
            .map((r) =>
              r.kind === 'mention'
                ? { ...r, id: utf8(r.id), text: utf8(r.text ?? ''), userId: utf8(r.userId ?? '') }
                : r,
            );
          expect(read[p]).toEqual(expected);
        }
      }),
    );
  });

  const batch = () => {
    const encoder = new InternalRecordEncoder(1, () => 0);
    for (let i = 0; i < 3; i++) encoder.add(mentionOf(i, 'AAPL'));
    return Uint8Array.from((encoder.finish()[0] as InternalMessage).value);
  };
  const withCount = (count: number) => {
    const b = batch();
    b[2] = count;
    return b;
  };
  const withBadNeg = () => {
    const b = Buffer.from(batch());
    // the second mention's neg: header 6, first mention 74 bytes + its strings, then 56 bytes in
    const firstLength =
      74 + b.readUInt16LE(6 + 64) + b.readUInt16LE(6 + 66) + b.readUInt16LE(6 + 68) + b.readUInt32LE(6 + 70);
    b.writeDoubleLE(Number.NaN, 6 + firstLength + 56);
    return b;
  };

  it.each<[string, Uint8Array]>([
    ['a truncated batch', batch().slice(0, -1)],
    ['a batch with a byte too many', Uint8Array.from([...batch(), 0x41])],
    ['a batch counting one mention more than it holds', withCount(4)],
    ['a batch counting one mention fewer than it holds', withCount(2)],
    ['a batch cut inside its header', batch().slice(0, 4)],
    ['a batch with one bad mention', withBadNeg()],
  ])('refuse %s whole', (_, value) => {
    expect(decodeInternalRecords(value)).toBeUndefined();
  });

  it('decode an intact batch', () => {
    expect(decodeInternalRecords(batch())).toHaveLength(3);
  });
});
