/**
 * Topic payloads. `*MessageSchema` is the JSON on the wire (what producers send and what the API
 * documents); `decode*` validates bytes or a parsed object into the in-code form, where every
 * timestamp is epoch ms. Unknown extra fields are tolerated and dropped, so producers can add
 * fields before consumers know them.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Rejection, reject, type Validated } from './rejection.js';
import { normalizeSymbol, SYMBOL_PATTERN_SOURCE } from './symbol.js';
import { parseEventTime } from './time.js';

export const TOPICS = { tweets: 'tweets', prices: 'stock-prices' } as const;
/** The speed layer's output topic of alert events (schemas/alerts.ts). */
export const ALERTS_TOPIC = 'alerts';
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** The physical topic names of a deployment: the product's names behind KAFKA_TOPIC_PREFIX. */
export interface TopicNames {
  tweets: string;
  prices: string;
  /** The speed layer's alert events (schemas/alerts.ts), keyed by symbol, co-partitioned with prices. */
  alerts: string;
}
export const topicNames = (prefix = ''): TopicNames => ({
  tweets: `${prefix}${TOPICS.tweets}`,
  prices: `${prefix}${TOPICS.prices}`,
  alerts: `${prefix}${ALERTS_TOPIC}`,
});

export const MAX_TEXT_LENGTH = 10_000;

const WireTimestamp = (description: string) =>
  Type.String({ minLength: 1, description: `${description}: ISO-8601 UTC or "YYYY-MM-DD HH:mm:ss" (UTC)` });
/**
 * An id: a string (kept as sent), or a JSON integer only up to 2^53 - 1. Real tweet ids (~1.8e18)
 * are above that, where a JSON number parses to the nearest double and two ids can become one, so
 * such ids must come as strings of digits.
 */
const MAX_ID_LENGTH = 128;
const Identifier = (description: string) =>
  Type.Union(
    [
      Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    ],
    { description: `${description}; above 2^53 - 1 only as a string of digits` },
  );
const TWEET_ID_FIELDS = ['id', 'user_id'] as const;
const Price = (description: string) => Type.Number({ minimum: 0, description });

export const TweetMessageSchema = Type.Object(
  {
    id: Identifier('tweet id, unique'),
    created_at: WireTimestamp('event time'),
    text: Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH }),
    user_id: Identifier('author id'),
  },
  { $id: 'TweetMessage', additionalProperties: true },
);
export type TweetMessage = Static<typeof TweetMessageSchema>;

export const PriceTickMessageSchema = Type.Object(
  {
    symbol: Type.String({ pattern: SYMBOL_PATTERN_SOURCE }),
    trade_timestamp: WireTimestamp('event time'),
    open_price: Price('first trade price of the tick'),
    high_price: Price('highest trade price of the tick'),
    low_price: Price('lowest trade price of the tick'),
    close_price: Price('last trade price of the tick'),
    volume: Type.Number({ minimum: 0, description: 'traded quantity' }),
  },
  { $id: 'PriceTickMessage', additionalProperties: true },
);
export type PriceTickMessage = Static<typeof PriceTickMessageSchema>;

/** A validated tweet; `created_at` is epoch ms. */
export interface Tweet {
  id: string;
  created_at: number;
  text: string;
  user_id: string;
}

/** A validated price tick; `trade_timestamp` is epoch ms and `symbol` upper case. */
export interface PriceTick {
  symbol: string;
  trade_timestamp: number;
  open_price: number;
  high_price: number;
  low_price: number;
  close_price: number;
  volume: number;
}

type Validator = ReturnType<typeof Compile<TSchema>>;

const checkTweet = Compile(TweetMessageSchema);
const checkTick = Compile(PriceTickMessageSchema);

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'non-integer number';
  return typeof value;
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1))
    node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** The most useful single rejection for a schema failure: missing fields first, then types. */
function firstRejection(errors: readonly SchemaError[], value: unknown): Rejection {
  const missing = errors.find((e) => e.keyword === 'required');
  if (missing) {
    const fields = (missing.params.requiredProperties as string[] | undefined) ?? [];
    const present = value as Record<string, unknown>;
    const first = fields.find((f) => present[f] === undefined) ?? fields[0] ?? '$';
    return { field: first, reason: 'missing field' };
  }
  // A union reports each branch and then `anyOf`; report the union as one expectation.
  const union = errors.find((e) => e.keyword === 'anyOf');
  const chosen = union ?? errors[0];
  if (!chosen) return { field: '$', reason: 'does not match the schema' };
  const field = chosen.instancePath.replace(/^\//, '').replaceAll('/', '.') || '$';
  const actual = valueAt(value, chosen.instancePath);
  if (union) {
    const expected = errors
      .filter((e) => e.instancePath === union.instancePath && e.keyword === 'type')
      .map((e) => e.params.type)
      .join(' or ');
    return { field, reason: `wrong type: expected ${expected}, got ${describeType(actual)}` };
  }
  switch (chosen.keyword) {
    case 'type':
      if (typeof actual === 'number' && !Number.isFinite(actual)) return finite(field, actual) as Rejection;
      return { field, reason: `wrong type: expected ${chosen.params.type}, got ${describeType(actual)}` };
    case 'minimum':
      return { field, reason: `must not be negative (got ${String(actual)})` };
    case 'minLength':
      return { field, reason: 'must not be empty' };
    case 'maxLength':
      return { field, reason: `longer than ${chosen.params.limit} characters` };
    case 'pattern':
      return {
        field,
        reason: `malformed: ${JSON.stringify(actual)} does not match ${chosen.params.pattern}`,
      };
    default:
      return { field, reason: chosen.message };
  }
}

/** A message as JSON text or a parsed object; bytes are decoded as UTF-8 (invalid UTF-8 is refused). */
function messageForm(input: Uint8Array | string | object): Validated<string | object> {
  if (!(input instanceof Uint8Array)) return { ok: true, value: input };
  try {
    return { ok: true, value: utf8.decode(input) };
  } catch (error) {
    return reject('$', `not valid UTF-8: ${(error as Error).message}`);
  }
}

function parseJsonObject(input: string | object): Validated<Record<string, unknown>> {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return reject('$', `not valid JSON: ${(error as Error).message}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject('$', `expected a JSON object, got ${describeType(value)}`);
  }
  return { ok: true, value: value as Record<string, unknown> };
}

// fatal: invalid UTF-8 is a rejection, not silently replaced characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function eventTime(field: string, text: string): Validated<number> {
  const ms = parseEventTime(text);
  if (ms === undefined) {
    return reject(
      field,
      `unparseable timestamp ${JSON.stringify(text)}: expected ISO-8601 or YYYY-MM-DD HH:mm:ss`,
    );
  }
  return { ok: true, value: ms };
}

function finite(field: string, value: number): Rejection | undefined {
  // JSON has no NaN or Infinity, but 1e999 parses to Infinity.
  return Number.isFinite(value) ? undefined : { field, reason: `must be a finite number (got ${value})` };
}

/**
 * A numeric id that is an integer but not a safe one was already rounded by JSON.parse (or by
 * whoever built the object): refused with its own reason rather than the schema's generic one.
 */
function unsafeIdentifier(m: Record<string, unknown>, fields: readonly string[]): Rejection | undefined {
  for (const field of fields) {
    const v = m[field];
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      return {
        field,
        reason: `numeric id ${v} is not a safe integer (above 2^53 - 1, so it may have been rounded): send it as a string of digits`,
      };
    }
  }
  return undefined;
}

/** Parses the input and checks it against a message schema: the common first step of decoding. */
function decodeStructure<T>(
  input: string | object,
  validator: Validator,
  idFields: readonly string[] = [],
): Validated<T> {
  const parsed = parseJsonObject(input);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  const unsafe = unsafeIdentifier(m, idFields);
  if (unsafe) return { ok: false, rejection: unsafe };
  if (!validator.Check(m)) {
    return { ok: false, rejection: firstRejection([...validator.Errors(m)] as SchemaError[], m) };
  }
  return { ok: true, value: m as T };
}

/** Validates a tweet message (bytes, JSON text or a parsed object). */
export function decodeTweet(input: Uint8Array | string | object): Validated<Tweet> {
  const form = messageForm(input);
  if (!form.ok) return form;
  if (typeof form.value === 'string') {
    const compact = compactTweet(form.value);
    if (compact) return { ok: true, value: compact };
  }
  const structure = decodeStructure<TweetMessage>(form.value, checkTweet, TWEET_ID_FIELDS);
  if (!structure.ok) return structure;
  const message = structure.value;
  if (message.text.trim().length === 0) return reject('text', 'must not be empty');
  const time = eventTime('created_at', message.created_at);
  if (!time.ok) return time;
  return {
    ok: true,
    value: {
      id: String(message.id),
      created_at: time.value,
      text: message.text,
      user_id: String(message.user_id),
    },
  };
}

/**
 * The tweet message in the form producers write it (compact JSON, the four string fields in the
 * schema's order, no escapes), matched by one regular expression instead of JSON.parse and the
 * schema check: that was a tenth of stage 1's time. It accepts only messages the general path
 * accepts, and decodes them to the same value; anything else (escapes, spaces, another order,
 * extra fields, a numeric id, a limit reached in UTF-16 units, a text or time the checks refuse)
 * is undefined and the general path decides, rejection reasons included.
 */
function compactTweet(json: string): Tweet | undefined {
  const m = COMPACT_TWEET.exec(json);
  if (!m) return undefined;
  const [, id, createdAt, text, userId] = m as unknown as [string, string, string, string, string];
  if (id.length > MAX_ID_LENGTH || userId.length > MAX_ID_LENGTH) return undefined;
  if (text.length > MAX_TEXT_LENGTH || text.trim().length === 0) return undefined;
  const time = parseEventTime(createdAt);
  if (time === undefined) return undefined;
  return { id, created_at: time, text, user_id: userId };
}

/**
 * `{"id":"…","created_at":"…","text":"…","user_id":"…"}` in the schema's declaration order; a
 * value is one or more characters that need no escape in JSON (no quote, backslash or control).
 */
const COMPACT_TWEET = new RegExp(
  `^\\{${Object.keys(TweetMessageSchema.properties)
    .map((name) => `"${name}":"([^"\\\\\\u0000-\\u001f]+)"`)
    .join(',')}\\}$`,
);

/** Validates a price tick message (bytes, JSON text or a parsed object). */
export function decodePriceTick(input: Uint8Array | string | object): Validated<PriceTick> {
  const form = messageForm(input);
  if (!form.ok) return form;
  const structure = decodeStructure<PriceTickMessage>(form.value, checkTick);
  if (!structure.ok) return structure;
  const t = structure.value;
  for (const field of ['open_price', 'high_price', 'low_price', 'close_price', 'volume'] as const) {
    const bad = finite(field, t[field]);
    if (bad) return { ok: false, rejection: bad };
  }
  if (t.high_price < t.low_price) {
    return reject('high_price', `high_price ${t.high_price} is below low_price ${t.low_price}`);
  }
  for (const field of ['open_price', 'close_price'] as const) {
    if (t[field] > t.high_price || t[field] < t.low_price) {
      return reject(
        field,
        `${field} ${t[field]} is outside [low_price ${t.low_price}, high_price ${t.high_price}]`,
      );
    }
  }
  const time = eventTime('trade_timestamp', t.trade_timestamp);
  if (!time.ok) return time;
  return {
    ok: true,
    value: {
      symbol: normalizeSymbol(t.symbol),
      trade_timestamp: time.value,
      open_price: t.open_price,
      high_price: t.high_price,
      low_price: t.low_price,
      close_price: t.close_price,
      volume: t.volume,
    },
  };
}

/** The wire form of a tweet (ISO timestamps), as producers publish it. */
export function encodeTweet(tweet: Tweet): TweetMessage {
  return {
    id: tweet.id,
    created_at: new Date(tweet.created_at).toISOString(),
    text: tweet.text,
    user_id: tweet.user_id,
  };
}

/** The wire form of a tick (ISO timestamps), as producers publish it. */
export function encodePriceTick(tick: PriceTick): PriceTickMessage {
  return { ...tick, trade_timestamp: new Date(tick.trade_timestamp).toISOString() };
}
