import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePriceTick, decodeTweet, encodePriceTick, encodeTweet } from './events.js';

const tweet = { id: '1790', created_at: '2024-05-01T13:45:00Z', text: 'Loving $AAPL today', user_id: 'u42' };
const tick = {
  symbol: 'AAPL',
  trade_timestamp: '2024-05-01 13:45:00',
  open_price: 170.1,
  high_price: 171,
  low_price: 169.5,
  close_price: 170.7,
  volume: 12000,
};

function rejectionOf(result: ReturnType<typeof decodeTweet> | ReturnType<typeof decodePriceTick>) {
  if (result.ok) throw new Error('expected a rejection');
  return result.rejection;
}

describe('tweet messages', () => {
  it('accept the contract fields and give epoch ms', () => {
    const result = decodeTweet(JSON.stringify(tweet));
    expect(result).toEqual({ ok: true, value: { ...tweet, created_at: Date.UTC(2024, 4, 1, 13, 45) } });
  });

  it('accept numeric ids and the seed timestamp format as UTC', () => {
    const result = decodeTweet({ ...tweet, id: 17, user_id: 9, created_at: '2024-05-01 13:45:00' });
    expect(result.ok && result.value).toMatchObject({
      id: '17',
      user_id: '9',
      created_at: Date.UTC(2024, 4, 1, 13, 45),
    });
  });

  // Real tweet ids are about 1.8e18, above 2^53: as JSON numbers two of them can parse to one double.
  it('keep ids above 2^53 exact when they come as strings of digits', () => {
    const json =
      '{"id":"1790123456789012345","user_id":"1790123456789012347","created_at":"2024-05-01T13:45:00Z","text":"$AAPL"}';
    const result = decodeTweet(json);
    expect(result.ok && [result.value.id, result.value.user_id]).toEqual([
      '1790123456789012345',
      '1790123456789012347',
    ]);
  });

  it.each(['id', 'user_id'])('reject a numeric %s above 2^53 - 1, naming the field', (field) => {
    const json = JSON.stringify({ ...tweet, [field]: 0 }).replace(
      `"${field}":0`,
      `"${field}":1790123456789012345`,
    );
    const r = rejectionOf(decodeTweet(json));
    expect(r.field).toBe(field);
    expect(r.reason).toMatch(/not a safe integer.*send it as a string/);
    // The same rule for a message already parsed (the digits are lost by then).
    expect(rejectionOf(decodeTweet({ ...tweet, [field]: 2 ** 53 })).field).toBe(field);
  });

  it('accept numeric ids up to 2^53 - 1 exactly', () => {
    const result = decodeTweet({ ...tweet, id: Number.MAX_SAFE_INTEGER, user_id: 0 });
    expect(result.ok && [result.value.id, result.value.user_id]).toEqual(['9007199254740991', '0']);
  });

  it('tolerate and drop unknown extra fields', () => {
    const result = decodeTweet({ ...tweet, lang: 'en', retweets: 3 });
    expect(result.ok && Object.keys(result.value).sort()).toEqual(['created_at', 'id', 'text', 'user_id']);
  });

  it.each(['id', 'created_at', 'text', 'user_id'])('reject a missing %s, naming it', (field) => {
    const { [field as keyof typeof tweet]: _, ...rest } = tweet;
    expect(rejectionOf(decodeTweet(rest))).toEqual({ field, reason: 'missing field' });
  });

  it('reject a wrong type, naming the field and both types', () => {
    expect(rejectionOf(decodeTweet({ ...tweet, text: 42 }))).toEqual({
      field: 'text',
      reason: 'wrong type: expected string, got number',
    });
    expect(rejectionOf(decodeTweet({ ...tweet, id: { a: 1 } }))).toEqual({
      field: 'id',
      reason: 'wrong type: expected string or integer, got object',
    });
    expect(rejectionOf(decodeTweet({ ...tweet, user_id: 1.5 })).field).toBe('user_id');
  });

  it('reject empty and whitespace-only text', () => {
    expect(rejectionOf(decodeTweet({ ...tweet, text: '' }))).toEqual({
      field: 'text',
      reason: 'must not be empty',
    });
    expect(rejectionOf(decodeTweet({ ...tweet, text: ' \n\t ' }))).toEqual({
      field: 'text',
      reason: 'must not be empty',
    });
  });

  it('reject text over 10,000 characters and accept exactly 10,000', () => {
    expect(decodeTweet({ ...tweet, text: 'a'.repeat(10_000) }).ok).toBe(true);
    expect(rejectionOf(decodeTweet({ ...tweet, text: 'a'.repeat(10_001) }))).toEqual({
      field: 'text',
      reason: 'longer than 10000 characters',
    });
  });

  it.each([
    'yesterday',
    '2024-13-01T00:00:00Z',
    '2024-02-30 10:00:00',
    '2024-05-01T25:00:00Z',
    '1714571100',
    '',
  ])('reject the unparseable timestamp %j', (created_at) => {
    const r = rejectionOf(decodeTweet({ ...tweet, created_at }));
    expect(r.field).toBe('created_at');
    expect(r.reason).toMatch(created_at === '' ? /empty/ : /unparseable timestamp/);
  });

  it('reject bytes that are not JSON, not an object, or not UTF-8', () => {
    expect(rejectionOf(decodeTweet('{"id": '))).toMatchObject({
      field: '$',
      reason: expect.stringMatching(/^not valid JSON/),
    });
    expect(rejectionOf(decodeTweet('[1,2]'))).toEqual({
      field: '$',
      reason: 'expected a JSON object, got array',
    });
    expect(rejectionOf(decodeTweet('null'))).toEqual({
      field: '$',
      reason: 'expected a JSON object, got null',
    });
    expect(rejectionOf(decodeTweet(Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]))).reason).toMatch(
      /^not valid UTF-8/,
    );
  });

  it('round-trip through the wire form', () => {
    const decoded = decodeTweet(tweet);
    if (!decoded.ok) throw new Error('valid');
    expect(encodeTweet(decoded.value)).toEqual({ ...tweet, created_at: '2024-05-01T13:45:00.000Z' });
  });
});

describe('price tick messages', () => {
  it('accept the contract fields, upper-case the symbol and give epoch ms', () => {
    const result = decodePriceTick({ ...tick, symbol: 'brk.b' });
    expect(result).toEqual({
      ok: true,
      value: { ...tick, symbol: 'BRK.B', trade_timestamp: Date.UTC(2024, 4, 1, 13, 45) },
    });
  });

  it.each(['symbol', 'trade_timestamp', 'open_price', 'high_price', 'low_price', 'close_price', 'volume'])(
    'reject a missing %s, naming it',
    (field) => {
      const { [field as keyof typeof tick]: _, ...rest } = tick;
      expect(rejectionOf(decodePriceTick(rest))).toEqual({ field, reason: 'missing field' });
    },
  );

  it('reject prices given as strings', () => {
    expect(rejectionOf(decodePriceTick({ ...tick, close_price: '170.7' }))).toEqual({
      field: 'close_price',
      reason: 'wrong type: expected number, got string',
    });
  });

  it.each(['open_price', 'high_price', 'low_price', 'close_price', 'volume'])(
    'reject a negative %s',
    (field) => {
      const r = rejectionOf(decodePriceTick({ ...tick, [field]: -1 }));
      expect(r.field).toBe(field);
      expect(r.reason).toMatch(/must not be negative/);
    },
  );

  it('reject non-finite numbers (1e999 parses to Infinity)', () => {
    const json = JSON.stringify(tick).replace('"volume":12000', '"volume":1e999');
    expect(rejectionOf(decodePriceTick(json))).toEqual({
      field: 'volume',
      reason: 'must be a finite number (got Infinity)',
    });
  });

  it('reject high below low', () => {
    expect(rejectionOf(decodePriceTick({ ...tick, high_price: 169, low_price: 170 }))).toEqual({
      field: 'high_price',
      reason: 'high_price 169 is below low_price 170',
    });
  });

  it('reject open or close outside the high-low range', () => {
    expect(rejectionOf(decodePriceTick({ ...tick, close_price: 180 })).field).toBe('close_price');
    expect(rejectionOf(decodePriceTick({ ...tick, open_price: 100 })).field).toBe('open_price');
  });

  it('reject malformed symbols', () => {
    for (const symbol of ['', 'TOOLONGSYM', 'AA PL', '$AAPL', 'BRK.BB', '123']) {
      expect(rejectionOf(decodePriceTick({ ...tick, symbol })).field).toBe('symbol');
    }
  });

  it('reject an unparseable trade timestamp', () => {
    expect(rejectionOf(decodePriceTick({ ...tick, trade_timestamp: '01/05/2024 13:45' })).field).toBe(
      'trade_timestamp',
    );
  });

  it('round-trip through the wire form', () => {
    const decoded = decodePriceTick(tick);
    if (!decoded.ok) throw new Error('valid');
    expect(encodePriceTick(decoded.value).trade_timestamp).toBe('2024-05-01T13:45:00.000Z');
  });
});

/**
 * Producers' compact form has a decoder of its own (one regular expression instead of JSON.parse
 * and the schema check). Whatever it decides must be what the general path decides, which the
 * parsed-object input always takes.
 */
describe('tweet messages in the compact form producers write', () => {
  const general = (json: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return 'not JSON';
    }
    return decodeTweet(parsed as object);
  };
  const same = (json: string) => {
    const fromBytes = decodeTweet(Buffer.from(json));
    const reference = general(json);
    if (reference === 'not JSON') expect(fromBytes.ok).toBe(false);
    else expect(fromBytes).toEqual(reference);
  };
  const emoji = (n: number) => '\u{1f680}'.repeat(n);
  const identifier = fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    fc.string({ maxLength: 140 }),
    fc.string({ unit: 'grapheme', maxLength: 140 }),
    fc.constantFrom('', 'a'.repeat(128), 'a'.repeat(129), emoji(64), emoji(65), emoji(128), '\ufeff1'),
  );
  const createdAt = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2024-05-01 13:45:00', '2024-05-01T13:45:00+02:00', '2024-13-01T00:00:00.000Z', '', ' '),
    fc.string({ maxLength: 30 }),
  );
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.constantFrom(
      ' \n\t ',
      '\u00a0\u2028',
      'a'.repeat(10_000),
      'a'.repeat(10_001),
      emoji(10_000),
      emoji(10_001),
    ),
  );

  it('decodes a message exactly as the general path does, accepting and refusing the same ones', () => {
    fc.assert(
      fc.property(identifier, createdAt, text, identifier, (id, created_at, t, user_id) => {
        same(JSON.stringify({ id, created_at, text: t, user_id }));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves near-misses of the compact form (spaces, order, escapes, raw control characters) to the general path', () => {
    const compact = JSON.stringify(tweet);
    fc.assert(
      fc.property(
        fc.nat({ max: compact.length }),
        fc.constantFrom('"', '\\', '\u0001', '\n', ' ', ',', '}', '{', ':', 'é', '\u2028', '"x":"y",', '\\"'),
        (at, insert) => same(compact.slice(0, at) + insert + compact.slice(at)),
      ),
      { numRuns: 2000 },
    );
    same(JSON.stringify({ user_id: 'u42', id: '1790', created_at: '2024-05-01T13:45:00Z', text: 'x' }));
    same(JSON.stringify({ ...tweet, id: 1790 }));
    same(JSON.stringify({ ...tweet, extra: 1 }));
    same(`${compact.slice(0, -1)},"id":"1791"}`);
  });
});
