import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInternalRecord, encodeInternalRecord, type InternalRecord } from './speed.js';

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
