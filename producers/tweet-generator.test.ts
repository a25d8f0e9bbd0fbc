import { describe, expect, it } from 'vitest';
import { decodeTweet } from '../schemas/events.js';
import { RegimeSchedule } from './regime-schedule.js';
import { tweetJson, tweetMessages } from './synthetic-source.js';
import { TweetGenerator, type TweetGeneratorOptions } from './tweet-generator.js';

const timeline = { clock: 'virtual', ratePerSecond: 200, jitterMs: 2000, lateRatio: 0.03 } as const;
const make = (options: Partial<TweetGeneratorOptions> = {}) =>
  new TweetGenerator({ seed: 7, timeline, ...options });
const take = (generator: TweetGenerator, n: number) => Array.from({ length: n }, () => generator.next());
const CASHTAG = /\$([A-Za-z]{1,6}(?:\.[A-Za-z])?)\b/g;

describe('tweet generator', () => {
  it('reproduces the exact same tweets, ids and timestamps from the same seed', () => {
    const a = take(make(), 2000).map(tweetJson);
    const b = take(make(), 2000).map(tweetJson);
    expect(b).toEqual(a);
  });

  it('gives a different stream for a different seed', () => {
    const a = take(make(), 50).map((t) => t.text);
    const b = take(make({ seed: 8 }), 50).map((t) => t.text);
    expect(b).not.toEqual(a);
  });

  it('emits only messages the tweet schema accepts, with the wire JSON of encodeTweet', () => {
    for (const tweet of take(make(), 5000)) {
      const wire = tweetJson(tweet);
      const decoded = decodeTweet(wire);
      expect(decoded.ok, wire).toBe(true);
      if (decoded.ok) expect(decoded.value).toEqual(tweet);
    }
  });

  it('mentions one to three cashtags from the symbol list in nearly every tweet', () => {
    const symbols = ['AAPL', 'TSLA', 'BTC', 'BRK.B'];
    const tweets = take(make({ symbols }), 5000);
    let withCashtag = 0;
    for (const t of tweets) {
      const tags = [...new Set([...t.text.matchAll(CASHTAG)].map((m) => (m[1] as string).toUpperCase()))];
      if (tags.length > 0) withCashtag++;
      expect(tags.length).toBeLessThanOrEqual(3);
      for (const tag of tags) expect(symbols).toContain(tag);
    }
    expect(withCashtag / tweets.length).toBeGreaterThan(0.97);
  });

  it('uses every symbol of the default list and sometimes several per tweet', () => {
    const tweets = take(make(), 5000);
    const seen = new Set(
      tweets.flatMap((t) => [...t.text.matchAll(CASHTAG)].map((m) => (m[1] as string).toUpperCase())),
    );
    expect(seen.size).toBe(14);
    expect(seen).toContain('BTC');
    expect(seen).toContain('ETH');
    const multi = tweets.filter(
      (t) => new Set([...t.text.matchAll(CASHTAG)].map((m) => m[1])).size > 1,
    ).length;
    expect(multi / tweets.length).toBeGreaterThan(0.2);
  });

  it('mixes emoji, emoticons, caps, negations, hashtags, mentions and links', () => {
    const texts = take(make(), 5000).map((t) => t.text);
    const share = (re: RegExp) => texts.filter((t) => re.test(t)).length / texts.length;
    expect(share(/\p{Extended_Pictographic}/u)).toBeGreaterThan(0.2);
    expect(share(/(?:^|\s)(?::\)|:\(|:D|;\)|:-\)|:-\(|:'\(|:-\/|:\||=\))/)).toBeGreaterThan(0.05);
    expect(share(/\b[A-Z]{4,}\b(?<!\$[A-Z]+)/)).toBeGreaterThan(0.05);
    expect(share(/\b(not|no|never|don't|can't|isn't|won't)\b/i)).toBeGreaterThan(0.05);
    expect(share(/(?:^|\s)#\w+/)).toBeGreaterThan(0.1);
    expect(share(/(?:^|\s)@\w+/)).toBeGreaterThan(0.05);
    expect(share(/https:\/\/t\.co\/\w{10}/)).toBeGreaterThan(0.05);
  });

  it('draws authors from a bounded population', () => {
    const users = new Set(take(make({ users: 50 }), 5000).map((t) => t.user_id));
    expect(users.size).toBeLessThanOrEqual(50);
    expect(users.size).toBeGreaterThan(20);
  });

  it('gives unique snowflake ids that carry the creation time', () => {
    const generator = make({ timeline: { ...timeline, ratePerSecond: Number.POSITIVE_INFINITY } });
    const tweets = take(generator, 20_000);
    expect(new Set(tweets.map((t) => t.id)).size).toBe(tweets.length);
    const first = BigInt(tweets[0]?.id as string);
    expect(Number(first >> 22n) + 1_288_834_974_657).toBe(generator.startTime);
  });

  it('leans bullish in bullish regimes and bearish in bearish ones', () => {
    const bullWords = /\b(great|love|moon|amazing|win|excellent|happy|buy|bullish|strong)/i;
    const bearWords = /\b(crash|terrible|ugly|worst|scared|panic|hate|disaster|sell|puts|dumping)/i;
    const count = (share: { bullishShare: number; bearishShare: number }) => {
      const schedule = new RegimeSchedule({ seed: 1, ...share });
      const texts = take(make({ schedule }), 3000).map((t) => t.text);
      return {
        bull: texts.filter((t) => bullWords.test(t)).length,
        bear: texts.filter((t) => bearWords.test(t)).length,
      };
    };
    const inBull = count({ bullishShare: 1, bearishShare: 0 });
    const inBear = count({ bullishShare: 0, bearishShare: 1 });
    expect(inBull.bull).toBeGreaterThan(inBull.bear * 2);
    expect(inBear.bear).toBeGreaterThan(inBear.bull * 2);
  });

  it('stops after the count or the duration of event time', () => {
    expect([...tweetMessages(make(), { count: 123 })]).toHaveLength(123);
    // 200 tweets/s on the virtual clock: 10 s of event time is 2000 tweets.
    expect([...tweetMessages(make(), { durationMs: 10_000 })]).toHaveLength(2000);
  });
});

describe('wire JSON of generated events', () => {
  it('is byte-identical to JSON.stringify of the schema encoders', async () => {
    const { encodeTweet, encodePriceTick } = await import('../schemas/events.js');
    const { PriceWalk } = await import('./price-walk.js');
    const { tickJson } = await import('./synthetic-source.js');
    for (const tweet of take(make(), 3000)) expect(tweetJson(tweet)).toBe(JSON.stringify(encodeTweet(tweet)));
    const walk = new PriceWalk({ seed: 3, timeline });
    for (let i = 0; i < 3000; i++) {
      const tick = walk.next();
      expect(tickJson(tick)).toBe(JSON.stringify(encodePriceTick(tick)));
    }
  });
});
