/**
 * Turns a generator (tweets or ticks) into the message stream the publisher takes: wire JSON
 * (ISO timestamps), keyed as the topics want it (tweets by id, ticks by symbol), with the event
 * time as the message timestamp (for pacing; the event-log sink publishes arrival time), stopping after `count` messages or `durationMs` of the
 * generator's own clock (virtual with a seed, so a seeded run always has the same length).
 */

import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import type { PriceTick, Tweet } from '../schemas/events.js';
import { formatIso } from './iso-time.js';
import type { PriceWalk } from './price-walk.js';
import type { TweetGenerator } from './tweet-generator.js';

export interface RunLimit {
  count?: number;
  durationMs?: number;
}

/**
 * The wire JSON of a tweet, byte-identical to `JSON.stringify(encodeTweet(tweet))` but built field
 * by field: stringifying the object costs about as much as generating the tweet.
 */
export function tweetJson(tweet: Tweet): string {
  return `{"id":${JSON.stringify(tweet.id)},"created_at":"${formatIso(tweet.created_at)}","text":${JSON.stringify(tweet.text)},"user_id":${JSON.stringify(tweet.user_id)}}`;
}

export function tweetMessage(tweet: Tweet): OutgoingMessage {
  return { key: tweet.id, value: tweetJson(tweet), timestamp: tweet.created_at };
}

/** The wire JSON of a tick, byte-identical to `JSON.stringify(encodePriceTick(tick))`. */
export function tickJson(tick: PriceTick): string {
  // Finite numbers print the same through String() as through JSON.stringify.
  return `{"symbol":${JSON.stringify(tick.symbol)},"trade_timestamp":"${formatIso(tick.trade_timestamp)}","open_price":${tick.open_price},"high_price":${tick.high_price},"low_price":${tick.low_price},"close_price":${tick.close_price},"volume":${tick.volume}}`;
}

export function tickMessage(tick: PriceTick): OutgoingMessage {
  return { key: tick.symbol, value: tickJson(tick), timestamp: tick.trade_timestamp };
}

function* limited<T>(
  generator: { next(): T; peekNominal(): number; readonly startTime: number },
  limit: RunLimit,
  toMessage: (item: T) => OutgoingMessage,
): Generator<OutgoingMessage> {
  const end =
    limit.durationMs === undefined ? Number.POSITIVE_INFINITY : generator.startTime + limit.durationMs;
  const count = limit.count ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < count && generator.peekNominal() < end; i++) yield toMessage(generator.next());
}

export function tweetMessages(generator: TweetGenerator, limit: RunLimit = {}): Generator<OutgoingMessage> {
  return limited(generator, limit, tweetMessage);
}

export function tickMessages(walk: PriceWalk, limit: RunLimit = {}): Generator<OutgoingMessage> {
  return limited(walk, limit, tickMessage);
}
