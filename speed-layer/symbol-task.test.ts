import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertRule, DEFAULT_ALERT_RULES } from '../schemas/alerts.js';
import type { SentimentMinuteRow } from '../schemas/rows.js';
import { MINUTE_MS } from '../schemas/time.js';
import { resolveRule } from './alerts/alert-rules.js';
import type { PricedTweetRow } from './joins.js';
import { type Drained, type Mention, SymbolTask, type SymbolTaskOptions, type Tick } from './symbol-task.js';

const DELAY = 120_000;
const IDLE = 10_000;
const T12 = Date.UTC(2025, 0, 6, 12, 0, 0);
const at = (minutes: number, ms = 0) => T12 + minutes * MINUTE_MS + ms;

const options = (tweetSources: number[] = [0], tickPartition = 0): SymbolTaskOptions => ({
  delayMs: DELAY,
  idleTimeoutMs: IDLE,
  tweetSources,
  tickPartition,
});

/** Stage 1 as seen by stage 2: per source partition, offsets and the max event time so far. */
class Upstream {
  private readonly offsets = new Map<number, number>();
  private readonly maxima = new Map<number, number>();
  private ids = 0;

  mention(createdAt: number, o: { source?: number; symbol?: string; compound?: number } = {}): Mention {
    const source = o.source ?? 0;
    const offset = (this.offsets.get(source) ?? -1) + 1;
    this.offsets.set(source, offset);
    const max = Math.max(this.maxima.get(source) ?? Number.NEGATIVE_INFINITY, createdAt);
    this.maxima.set(source, max);
    return {
      id: `t${this.ids++}`,
      symbol: o.symbol ?? 'AAPL',
      createdAt,
      compound: o.compound ?? 0.5,
      sourcePartition: source,
      sourceOffset: offset,
      sourceMaxEventTime: max,
    };
  }
}

let tickOffset = 0;
const tick = (tradeTimestamp: number, close: number, symbol = 'AAPL', volume = 10): Tick => ({
  symbol,
  tradeTimestamp,
  open: close - 1,
  high: close + 2,
  low: close - 2,
  close,
  volume,
  offset: tickOffset++,
});

const finals = (rows: SentimentMinuteRow[]) => rows.filter((r) => r.final);
const row = (rows: SentimentMinuteRow[], symbol: string, minute: number) =>
  rows.find((r) => r.symbol === symbol && r.minute === minute);

/** Concatenation of several drains, for comparing whole runs. */
function concat(drains: Drained[]) {
  return {
    tweets: drains.flatMap((d) => d.tweets),
    ticks: drains.flatMap((d) => d.ticks),
    minutes: drains.flatMap((d) => d.minutes),
    alerts: drains.flatMap((d) => d.alerts),
    late: drains.reduce((n, d) => n + d.late, 0),
    lateTicks: drains.reduce((n, d) => n + d.lateTicks, 0),
    replayed: drains.reduce((n, d) => n + d.replayed, 0),
    watermarks: drains.map((d) => d.watermark),
  };
}

describe('SymbolTask: windows', () => {
  it('turns in-order tweets and ticks into final minute rows joined with their candles', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(0, 10_000), 100), 1);
    t.onMention(up.mention(at(0, 20_000), { compound: 0.5 }), 2);
    t.onMention(up.mention(at(0, 40_000), { compound: -0.5 }), 3);
    t.onTick(tick(at(0, 50_000), 102, 'AAPL', 5), 4);
    t.onMention(up.mention(at(1, 10_000), { compound: 0 }), 5);
    t.onTick(tick(at(1, 30_000), 105), 6);
    t.onMention(up.mention(at(4), { compound: 0.9 }), 7);
    t.onTick(tick(at(4), 110), 8);
    const d = t.drain(9);

    expect(d.watermark).toBe(at(2));
    expect(d.late).toBe(0);
    expect(finals(d.minutes)).toEqual([
      {
        symbol: 'AAPL',
        day: '2025-01-06',
        minute: at(0),
        tweet_count: 2,
        positive_count: 1,
        neutral_count: 0,
        negative_count: 1,
        compound_sum: 0,
        compound_min: -0.5,
        compound_max: 0.5,
        tweet_count_5m: 2,
        positive_count_5m: 1,
        neutral_count_5m: 0,
        negative_count_5m: 1,
        compound_sum_5m: 0,
        compound_min_5m: -0.5,
        compound_max_5m: 0.5,
        tick_count: 2,
        open_price: 99,
        high_price: 104,
        low_price: 98,
        close_price: 102,
        volume: 15,
        final: true,
        updated_at: 9,
      },
      expect.objectContaining({
        minute: at(1),
        tweet_count: 1,
        neutral_count: 1,
        tweet_count_5m: 3,
        compound_sum_5m: 0,
        tick_count: 1,
        open_price: 104,
        close_price: 105,
        final: true,
      }),
    ]);
    expect(d.minutes.filter((r) => !r.final).map((r) => r.minute)).toEqual([at(4)]);
    expect(d.ticks).toHaveLength(4);
    expect(d.tweets.map((r) => [r.created_at, r.price_at_tweet])).toEqual([
      [at(0, 20_000), 100],
      [at(0, 40_000), 100],
      [at(1, 10_000), 102],
      [at(4), undefined],
    ]);
    // The tick at 12:04:00 came after it; its final price waits for the tick side to pass 12:04.
    expect(t.stats().pendingMentions).toBe(1);
  });

  it('counts an out-of-order tweet within the delay in its own window', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0], 0));
    t.onTick(tick(at(3), 100), 0);
    t.onMention(up.mention(at(3)), 0);
    t.onMention(up.mention(at(1, 5)), 0);
    t.onMention(up.mention(at(10)), 0);
    t.onTick(tick(at(10), 100), 0);
    const d = t.drain(0);
    expect(d.late).toBe(0);
    expect(row(d.minutes, 'AAPL', at(1))).toMatchObject({ tweet_count: 1, final: true });
    expect(row(d.minutes, 'AAPL', at(3))).toMatchObject({ tweet_count: 1, tweet_count_5m: 2, final: true });
  });

  it('drops a tweet beyond the delay from the windows, counts it, and still writes its tweet row without price', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(5), 100), 0);
    t.onMention(up.mention(at(5)), 0);
    t.drain(0);
    const late = up.mention(at(2, 59_999));
    t.onTick(tick(at(2, 59_000), 99), 0);
    t.onMention(late, 0);
    t.onMention(up.mention(at(10)), 0);
    t.onTick(tick(at(10), 100), 0);
    const d = t.drain(1);
    expect(d.late).toBe(1);
    expect(d.lateTicks).toBe(1);
    const lateRow = d.tweets.find((r) => r.id === late.id) as PricedTweetRow;
    expect(lateRow).toMatchObject({ created_at: at(2, 59_999), symbol: 'AAPL', day: '2025-01-06' });
    expect(lateRow).not.toHaveProperty('price_at_tweet');
    expect(row(d.minutes, 'AAPL', at(2))).toBeUndefined();
    expect(d.ticks.map((r) => r.trade_timestamp)).toContain(at(2, 59_000));
  });

  it('emits a window final exactly once, over any number of drains', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    const all: SentimentMinuteRow[] = [];
    for (let s = 0; s < 600; s += 7) {
      t.onMention(up.mention(at(0, s * 1_000)), s);
      t.onTick(tick(at(0, s * 1_000), 100 + s), s);
      all.push(...t.drain(s).minutes);
    }
    const finalKeys = finals(all).map((r) => r.minute);
    expect(new Set(finalKeys).size).toBe(finalKeys.length);
    // The last event is at 12:09:55: the watermark 12:07:55 has passed the end of 12:06.
    expect(finalKeys).toEqual([0, 1, 2, 3, 4, 5, 6].map((m) => at(m)));
    // After a window's final row, no row of it is written again.
    for (const minute of finalKeys) {
      const rows = all.filter((r) => r.minute === minute);
      expect(rows.at(-1)?.final).toBe(true);
    }
  });

  it('never lowers its watermark when older data arrives', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(10), 100), 0);
    t.onMention(up.mention(at(10)), 0);
    const high = t.drain(0).watermark;
    t.onMention(up.mention(at(9)), 1);
    t.onTick(tick(at(1), 100), 1);
    expect(t.drain(1).watermark).toBe(high);
  });

  it('keeps windows open while the slower source partition lags', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0, 1]));
    t.onTick(tick(at(20), 100), 0);
    t.onMention(up.mention(at(20), { source: 0 }), 0);
    t.onMention(up.mention(at(0, 30_000), { source: 1 }), 0);
    let d = t.drain(0);
    expect(d.watermark).toBe(at(0, 30_000) - DELAY);
    expect(finals(d.minutes)).toEqual([]);
    t.onUpstreamWatermark(1, at(3), 1);
    d = t.drain(1);
    expect(finals(d.minutes).map((r) => r.minute)).toEqual([at(0)]);
  });

  it('puts a tweet at 12:01:00.000 in the 12:01 window and one at 12:00:59.999 in the 12:00 window', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(1), 100), 0);
    t.onMention(up.mention(at(1)), 0);
    t.onMention(up.mention(at(1, -1)), 0);
    t.onMention(up.mention(at(9)), 0);
    t.onTick(tick(at(9), 100), 0);
    const d = t.drain(0);
    expect(row(d.minutes, 'AAPL', at(0))).toMatchObject({ tweet_count: 1, tick_count: 0, final: true });
    expect(row(d.minutes, 'AAPL', at(1))).toMatchObject({ tweet_count: 1, tick_count: 1, final: true });
  });

  it('carries on each minute row the sum of its five panes', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    const compounds = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7];
    compounds.forEach((c, m) => {
      for (let k = 0; k <= m; k++) t.onMention(up.mention(at(m, k), { compound: c }), 0);
    });
    t.onUpstreamWatermark(0, at(30), IDLE * 2);
    const rows = finals(t.drain(IDLE * 2 + 1).minutes);
    for (const r of rows) {
      const panes = rows.filter((p) => p.minute <= r.minute && p.minute > r.minute - 5 * MINUTE_MS);
      expect(panes.length).toBe(Math.min(5, (r.minute - at(0)) / MINUTE_MS + 1));
      expect(r.tweet_count_5m).toBe(panes.reduce((n, p) => n + p.tweet_count, 0));
      expect(r.positive_count_5m).toBe(panes.reduce((n, p) => n + p.positive_count, 0));
      expect(r.negative_count_5m).toBe(panes.reduce((n, p) => n + p.negative_count, 0));
      expect(r.compound_sum_5m).toBeCloseTo(
        panes.reduce((n, p) => n + p.compound_sum, 0),
        12,
      );
      expect(r.compound_min_5m).toBe(Math.min(...panes.map((p) => p.compound_min as number)));
      expect(r.compound_max_5m).toBe(Math.max(...panes.map((p) => p.compound_max as number)));
    }
    expect(rows).toHaveLength(7);
  });
});

describe('SymbolTask: watermarks through the re-keying', () => {
  /** Stage 1 of one source partition: mentions to their internal partition, watermark-only messages to the others. */
  type Message = { kind: 'mention'; m: Mention } | { kind: 'watermark'; source: number; max: number };
  function stage1(
    up: Upstream,
    source: number,
    tweets: { createdAt: number; symbols: string[] }[],
    partitionOf: (symbol: string) => number,
    internalPartitions: number,
  ): Message[][] {
    const out: Message[][] = Array.from({ length: internalPartitions }, () => []);
    const sent = new Array<number>(internalPartitions).fill(Number.NEGATIVE_INFINITY);
    let max = Number.NEGATIVE_INFINITY;
    for (const tw of tweets) {
      max = Math.max(max, tw.createdAt);
      const reached = new Set<number>();
      for (const symbol of tw.symbols) {
        const m = up.mention(tw.createdAt, { source, symbol });
        const p = partitionOf(symbol);
        out[p]?.push({ kind: 'mention', m });
        reached.add(p);
        sent[p] = max;
      }
      for (let p = 0; p < internalPartitions; p++) {
        if (!reached.has(p) && (sent[p] as number) < max) {
          out[p]?.push({ kind: 'watermark', source, max });
          sent[p] = max;
        }
      }
    }
    return out;
  }

  it('gives no late row for in-order input when one source partition is read far ahead of the other', () => {
    const up = new Upstream();
    const partitionOf = (symbol: string) => (symbol === 'AAPL' || symbol === 'MSFT' ? 0 : 1);
    const symbols = ['AAPL', 'MSFT', 'TSLA', 'NVDA'];
    const sourceTweets = [0, 1].map((source) =>
      Array.from({ length: 2_000 }, (_, i) => ({
        createdAt: at(0, i * 1_000 + source * 7),
        symbols: [symbols[(i * 3 + source) % 4] as string],
      })),
    );
    const bySource = sourceTweets.map((tweets, source) => stage1(up, source, tweets, partitionOf, 2));
    for (const internal of [0, 1]) {
      const t = new SymbolTask(options([0, 1], internal));
      let now = 0;
      // Ticks first, then all of source 0, then all of source 1: a catch-up read, far out of step.
      for (let s = 0; s < 2_000; s += 5)
        t.onTick(tick(at(0, s * 1_000), 100, internal === 0 ? 'AAPL' : 'TSLA'), now++);
      for (const source of [0, 1]) {
        for (const msg of bySource[source]?.[internal] ?? []) {
          if (msg.kind === 'mention') t.onMention(msg.m, now++);
          else t.onUpstreamWatermark(msg.source, msg.max, now++);
        }
      }
      const d = t.drain(now);
      expect(d.late).toBe(0);
      expect(d.lateTicks).toBe(0);
      const fed = bySource.reduce(
        (n, s) => n + (s[internal] ?? []).filter((m) => m.kind === 'mention').length,
        0,
      );
      expect(d.tweets.filter((r) => r.price_at_tweet === undefined || true).length).toBeGreaterThanOrEqual(
        fed,
      );
      expect(finals(d.minutes).reduce((n, r) => n + r.tweet_count, 0)).toBeLessThanOrEqual(fed);
      expect(finals(d.minutes).length).toBeGreaterThan(0);
    }
  });

  it('keeps a silent source partition holding the watermark until stage 1 declares it idle (it may just be read behind)', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0, 1]));
    t.onMention(up.mention(at(0), { source: 1 }), 0);
    t.onMention(up.mention(at(10), { source: 0 }), 0);
    t.onTick(tick(at(10), 100), 0);
    t.onMention(up.mention(at(10, 1), { source: 0 }), 10 * IDLE);
    const d = t.drain(10 * IDLE);
    expect(d.watermark).toBe(at(0) - 120_000);
    expect(finals(d.minutes)).toEqual([]);
  });

  it('releases a source partition stage 1 declares idle, and is held back again when its data returns', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0, 1]));
    t.onMention(up.mention(at(0), { source: 1 }), 0);
    t.onMention(up.mention(at(10), { source: 0 }), 0);
    t.onTick(tick(at(10), 100), 0);
    expect(finals(t.drain(IDLE).minutes)).toEqual([]);

    // Stage 1 says source 1 has no data: the watermark follows source 0 and the ticks.
    t.onUpstreamIdle(1, IDLE + 1);
    t.onMention(up.mention(at(10, 1), { source: 0 }), IDLE + 1);
    t.onTick(tick(at(10, 1), 100), IDLE + 1);
    let d = t.drain(IDLE + 1);
    expect(d.watermark).toBe(at(8, 1));
    expect(finals(d.minutes).map((r) => r.minute)).toEqual([at(0)]);

    // Source 1 comes back at 12:07: it holds the watermark at 12:08:00.001 although source 0 runs on.
    t.onMention(up.mention(at(7), { source: 1 }), IDLE + 2);
    t.onMention(up.mention(at(20), { source: 0 }), IDLE + 2);
    t.onTick(tick(at(20), 100), IDLE + 2);
    d = t.drain(IDLE + 3);
    expect(d.watermark).toBe(at(8, 1));
    expect(d.late).toBe(1);
    expect(finals(d.minutes)).toEqual([]);
    t.onMention(up.mention(at(15), { source: 1 }), IDLE + 4);
    d = t.drain(IDLE + 4);
    expect(d.watermark).toBe(at(13));
    expect(finals(d.minutes).map((r) => r.minute)).toEqual([at(10)]);
  });
});

describe('SymbolTask: price at tweet', () => {
  it('writes a tweet with no tick yet without a price, and again once a tick at or before it arrives in time', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onMention(up.mention(at(5)), 0);
    let d = t.drain(0);
    expect(d.tweets).toHaveLength(1);
    expect(d.tweets[0]).not.toHaveProperty('price_at_tweet');
    t.onTick(tick(at(4, 30_000), 100), 1);
    t.onTick(tick(at(5, 10_000), 120), 1);
    d = t.drain(1);
    expect(d.tweets).toEqual([]);
    expect(t.stats().pendingMentions).toBe(1);
    t.onTick(tick(at(7, 1), 130), 2);
    d = t.drain(2);
    expect(d.tweets).toMatchObject([
      { created_at: at(5), price_at_tweet: 100, price_tick_at: at(4, 30_000) },
    ]);
    expect(t.stats().pendingMentions).toBe(0);
  });

  it('writes a tweet once when its provisional price is already the final one', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(5), 100), 0);
    t.onMention(up.mention(at(5, 1)), 0);
    t.onTick(tick(at(9), 100), 0);
    t.onMention(up.mention(at(9)), 0);
    const d = t.drain(1);
    expect(d.tweets.filter((r) => r.created_at === at(5, 1))).toMatchObject([{ price_at_tweet: 100 }]);
  });

  it('ignores a tick after the tweet and one older than the delay', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    t.onTick(tick(at(5) - DELAY - 1, 90), 0);
    t.onMention(up.mention(at(5)), 0);
    t.onTick(tick(at(5, 1), 110), 0);
    t.onTick(tick(at(9), 110), 0);
    const d = t.drain(1);
    const rows = d.tweets.filter((r) => r.created_at === at(5));
    expect(rows).toHaveLength(1);
    expect(rows[0]).not.toHaveProperty('price_at_tweet');
  });

  it('takes the last by offset of ticks with equal timestamps', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    const a = tick(at(5), 100);
    const b = tick(at(5), 101);
    t.onTick(a, 0);
    t.onTick(b, 0);
    t.onMention(up.mention(at(5)), 0);
    expect(t.drain(0).tweets[0]).toMatchObject({ price_at_tweet: 101, price_tick_at: at(5) });
  });

  it('waits for the tick side alone, not the tweet sources, to know the final price', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0, 1]));
    t.onMention(up.mention(at(5), { source: 0 }), 0);
    t.onTick(tick(at(8), 100), 0);
    const d = t.drain(1);
    expect(d.watermark).toBe(Number.NEGATIVE_INFINITY);
    expect(t.stats().pendingMentions).toBe(0);
    expect(d.tweets).toHaveLength(1);
  });

  it('prices a tweet finally once the task watermark passes it while the tick partition is idle', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0]));
    t.onMention(up.mention(at(5)), 0);
    t.onTick(tick(at(4, 30_000), 100), 0);
    expect(t.drain(0).tweets).toHaveLength(1);
    expect(t.stats().pendingMentions).toBe(1);
    // No tick for longer than the timeout: the tweet side alone moves the watermark past 12:05.
    t.onMention(up.mention(at(8)), IDLE + 1);
    const d = t.drain(IDLE + 1);
    expect(d.watermark).toBe(at(6));
    expect(d.tweets).toMatchObject([{ created_at: at(8) }, { created_at: at(5), price_at_tweet: 100 }]);
    expect(t.stats().pendingMentions).toBe(1);
  });
});

describe('SymbolTask: a tick partition read behind', () => {
  it('keeps holding the watermark while the stage says its ticks are not all read, and lets go once they are', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0]));
    t.onTick(tick(at(4, 30_000), 100), 0);
    t.onMention(up.mention(at(8)), 0);
    t.drain(0);
    // Past the idle timeout with no tick, but the consumer is behind on the tick partition.
    t.onTickInputBehind(IDLE);
    t.onMention(up.mention(at(9)), IDLE + 1);
    expect(t.drain(IDLE + 1).watermark).toBe(at(2, 30_000));
    // Caught up, and quiet for the timeout: the tick partition stops holding the watermark.
    t.onMention(up.mention(at(9, 1)), 2 * IDLE + 2);
    expect(t.drain(2 * IDLE + 2).watermark).toBe(at(7, 1));
  });
});

describe('SymbolTask: replays', () => {
  it('counts a replayed mention (same source offset) once', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    const m = up.mention(at(5));
    t.onMention(m, 0);
    t.onMention({ ...m }, 0);
    t.onMention(up.mention(at(5, 1)), 0);
    t.onMention({ ...m }, 0);
    t.onUpstreamWatermark(0, at(9), 0);
    t.onTick(tick(at(9), 1), 0);
    const d = t.drain(0);
    expect(d.replayed).toBe(2);
    expect(row(d.minutes, 'AAPL', at(5))).toMatchObject({ tweet_count: 2, final: true });
  });

  it('keeps both mentions of one tweet with two symbols on the same partition', () => {
    const up = new Upstream();
    const t = new SymbolTask(options());
    const a = up.mention(at(5));
    const b = { ...a, symbol: 'TSLA' };
    t.onMention(a, 0);
    t.onMention(b, 0);
    t.onMention({ ...b }, 0);
    expect(t.drain(0)).toMatchObject({ replayed: 1 });
    expect(t.stats().openWindows).toBe(2);
  });

  it('keeps a replayed tick out of the candle but writes it again to market_data', () => {
    const t = new SymbolTask(options());
    const a = tick(at(5), 100);
    t.onTick(a, 0);
    t.onTick({ ...a }, 0);
    t.onTick(tick(at(9), 100), 0);
    t.onUpstreamWatermark(0, at(9), 0);
    const d = t.drain(0);
    expect(d.replayed).toBe(1);
    expect(d.ticks).toHaveLength(3);
    expect(row(d.minutes, 'AAPL', at(5))).toMatchObject({ tick_count: 1, volume: 10 });
  });
});

// ---------------------------------------------------------------------------------------------
// Random runs: the tweets of up to three source partitions and one tick partition, each read in
// its own order with jitter (some beyond the delay), interleaved arbitrarily, with replays,
// upstream watermark messages, drains and processing-time gaps long enough for idleness.

type Op =
  | {
      kind: 'mention';
      source: number;
      advance: number;
      jitter: number;
      symbol: string;
      compound: number;
      step: number;
    }
  | { kind: 'tick'; advance: number; jitter: number; symbol: string; close: number; step: number }
  | { kind: 'replay'; back: number; step: number }
  | { kind: 'tickReplay'; step: number }
  | { kind: 'watermark'; source: number; step: number }
  | { kind: 'drain'; step: number };

const symbol = fc.constantFrom('AAPL', 'TSLA', 'NVDA');
const step = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 * IDLE }));
const jitter = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -DELAY, max: 0 }),
  fc.integer({ min: -3 * DELAY, max: 0 }),
);
const advance = fc.integer({ min: 0, max: 40_000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('mention' as const),
      source: fc.integer({ min: 0, max: 2 }),
      advance,
      jitter,
      symbol,
      // -0 included: JSON has no -0, a snapshot must not change what is written.
      compound: fc.oneof(fc.constantFrom(-0, 0, 0.05, -0.05), fc.double({ min: -1, max: 1, noNaN: true })),
      step,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      advance,
      jitter,
      symbol,
      close: fc.integer({ min: 1, max: 500 }),
      step,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.nat(), step }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tickReplay' as const), step }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('watermark' as const),
      source: fc.integer({ min: 0, max: 2 }),
      step,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const), step }) },
);

/**
 * Turns ops into the calls on a task; `fed` counts the distinct mentions delivered. At `cut` the
 * task is snapshot, through JSON, and restored; `incremental`: as the stage checkpoints, the
 * snapshot leaves out the pending rows, which come instead from the rows awaited between
 * checkpoints (taken at every drain, as the stage takes them after writing a batch's outputs).
 */
/** Rules loose enough to open and close alerts often in random runs. */
const LOOSE_RULES: AlertRule[] = DEFAULT_ALERT_RULES.map(resolveRule).map((r) => ({
  ...r,
  minTweets: 2,
  windowMs: 3 * MINUTE_MS,
  cooldownMs: 2 * MINUTE_MS,
  sentiment: 'below' in r.sentiment ? { below: 0 } : { above: 0 },
  price: 'atMost' in r.price ? { atMost: 0 } : { atLeast: 0 },
}));

function play(ops: Op[], cut?: number, incremental = false, probe = cut) {
  const opts = { ...options([0, 1, 2], 0), alertRules: LOOSE_RULES };
  let task = new SymbolTask(opts);
  const segments: PricedTweetRow[][] = [];
  if (incremental) task.takeAwaited();
  const restore = () => {
    if (!incremental) return SymbolTask.restore(JSON.parse(JSON.stringify(task.snapshot())), opts);
    segments.push(task.takeAwaited());
    const state = JSON.parse(JSON.stringify(task.snapshot(false)));
    const awaited = JSON.parse(JSON.stringify(segments.flat()));
    const restored = SymbolTask.restore(state, opts, awaited);
    restored.takeAwaited();
    return restored;
  };
  const up = new Upstream();
  const cursor = [at(0), at(0), at(0)];
  const maxima = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let tickCursor = at(0);
  let offset = 0;
  let now = 0;
  const sent: Mention[] = [];
  let lastTick: Tick | undefined;
  const drains: Drained[] = [];
  let probed: ReturnType<SymbolTask['stats']> | undefined;
  ops.forEach((op, i) => {
    if (i === cut) task = restore();
    if (i === probe) probed = task.stats();
    now += op.step;
    switch (op.kind) {
      case 'mention': {
        cursor[op.source] = (cursor[op.source] as number) + op.advance;
        const m = up.mention((cursor[op.source] as number) + op.jitter, {
          source: op.source,
          symbol: op.symbol,
          compound: op.compound,
        });
        maxima[op.source] = m.sourceMaxEventTime;
        sent.push(m);
        task.onMention(m, now);
        break;
      }
      case 'tick':
        tickCursor += op.advance;
        lastTick = {
          symbol: op.symbol,
          tradeTimestamp: tickCursor + op.jitter,
          open: op.close,
          high: op.close + 1,
          low: op.close - 1,
          close: op.close,
          volume: 1,
          offset: offset++,
        };
        task.onTick(lastTick, now);
        break;
      case 'tickReplay':
        if (lastTick) task.onTick({ ...lastTick }, now);
        break;
      case 'replay':
        if (sent.length > 0)
          task.onMention({ ...(sent[sent.length - 1 - (op.back % sent.length)] as Mention) }, now);
        break;
      case 'watermark':
        if (Number.isFinite(maxima[op.source] as number)) {
          task.onUpstreamWatermark(op.source, maxima[op.source] as number, now);
        }
        break;
      case 'drain':
        drains.push(task.drain(now));
        if (incremental) segments.push(task.takeAwaited());
        break;
    }
  });
  if (cut === ops.length) task = restore();
  if (probe === ops.length) probed = task.stats();
  drains.push(task.drain(now));
  return { task, drains, fed: sent.length, now, tickCursor, probed };
}

describe('SymbolTask: random runs', () => {
  it('continues after an incremental checkpoint (no pending rows in the snapshot, the rows awaited since kept apart) exactly as the uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.nat(), (ops, seed) => {
        const cut = seed % (ops.length + 1);
        const whole = play(ops, undefined, false, cut);
        const resumed = play(ops, cut, true);
        expect(resumed.probed).toEqual(whole.probed);
        expect(concat(resumed.drains)).toEqual(concat(whole.drains));
        expect(resumed.task.stats()).toEqual(whole.task.stats());
      }),
      { numRuns: 300 },
    );
  });

  it('continues after snapshot → JSON → restore at any point exactly as the uninterrupted run', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.nat(), (ops, seed) => {
        const cut = seed % (ops.length + 1);
        const whole = play(ops);
        const resumed = play(ops, cut);
        expect(concat(resumed.drains)).toEqual(concat(whole.drains));
        expect(resumed.task.stats()).toEqual(whole.task.stats());
      }),
      { numRuns: 300 },
    );
  });

  it('accounts for every mention: final minute tweet counts + late = mentions fed, each window final once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const run = play(ops);
        // Flush: every input far ahead, then everything before is final.
        const end = Math.max(run.tickCursor, at(0)) + 24 * 3_600_000;
        for (const source of [0, 1, 2]) run.task.onUpstreamWatermark(source, end, run.now);
        run.task.onTick(
          { symbol: 'ZZZ', tradeTimestamp: end, open: 1, high: 1, low: 1, close: 1, volume: 0, offset: 1e9 },
          run.now,
        );
        run.drains.push(run.task.drain(run.now));
        const all = concat(run.drains);
        const finalRows = finals(all.minutes);
        const keys = finalRows.map((r) => `${r.symbol}@${r.minute}`);
        expect(new Set(keys).size).toBe(keys.length);
        const replayed = all.replayed;
        expect(finalRows.reduce((n, r) => n + r.tweet_count, 0) + all.late).toBe(run.fed);
        expect(all.tweets.length).toBeGreaterThanOrEqual(run.fed);
        expect(replayed).toBeGreaterThanOrEqual(0);
        expect(run.task.stats()).toMatchObject({ openWindows: 1, pendingMentions: 0 });
      }),
      { numRuns: 300 },
    );
  });
});

describe('SymbolTask: bounded state', () => {
  it('holds as many windows, pending mentions and ticks after three hours of stream as after one', () => {
    const up = new Upstream();
    const t = new SymbolTask(options([0, 1]));
    const symbols = ['AAPL', 'TSLA', 'NVDA', 'MSFT', 'AMD'];
    const maxByHour = [0, 0, 0].map(() => ({
      openWindows: 0,
      heldPanes: 0,
      pendingMentions: 0,
      bufferedTicks: 0,
    }));
    let offset = 0;
    for (let ms = 0; ms < 3 * 3_600_000; ms += 100) {
      const now = ms;
      const time = at(0, ms);
      // Tweets from two sources, a little out of order; one tick per symbol per second.
      t.onMention(
        up.mention(time - (ms % 7_000), { source: 0, symbol: symbols[(ms / 100) % 5] as string }),
        now,
      );
      t.onMention(up.mention(time, { source: 1, symbol: symbols[(ms / 100 + 2) % 5] as string }), now);
      if (ms % 1_000 === 0) {
        for (const s of symbols) {
          t.onTick(
            {
              symbol: s,
              tradeTimestamp: time,
              open: 1,
              high: 1,
              low: 1,
              close: 1,
              volume: 1,
              offset: offset++,
            },
            now,
          );
        }
        t.drain(now);
        const stats = t.stats();
        const hour = maxByHour[Math.floor(ms / 3_600_000)] as (typeof maxByHour)[number];
        for (const k of Object.keys(hour) as (keyof typeof hour)[]) hour[k] = Math.max(hour[k], stats[k]);
      }
    }
    expect(maxByHour[2]).toEqual(maxByHour[0]);
    // Two minutes of delay: about 3 open minutes and 5 kept ones per symbol, 2 min 7 s of ticks.
    expect(maxByHour[2]?.heldPanes).toBeLessThanOrEqual(5 * 9);
    expect(maxByHour[2]?.bufferedTicks).toBeLessThanOrEqual(5 * 260);
  });
});

describe('SymbolTask: lateness a replay decides the same way', () => {
  // The same two logs (mentions; ticks) read in two interleavings, as a replay after a crash may:
  // every mention is late or not alike, because only the tweets' own watermark decides.
  it('judges a mention against the tweets watermark, whatever the ticks read before it', () => {
    const mentions = [at(0), at(3), at(1), at(2, 30_000), at(6), at(3, 59_000)];
    const ticks = [tick(at(0), 100), tick(at(9), 101), tick(at(10), 102)];
    const lateFlags = (ticksFirst: boolean) => {
      const up = new Upstream();
      const t = new SymbolTask(options());
      if (ticksFirst) for (const k of ticks) t.onTick(k, 0);
      for (const createdAt of mentions) t.onMention(up.mention(createdAt), 0);
      if (!ticksFirst) for (const k of ticks) t.onTick(k, 0);
      // A row may be sent twice (provisional, then final price): the decision is what counts.
      return [
        ...new Set(
          t
            .drain(0)
            .tweets.filter((r) => r.late !== undefined)
            .map((r) => `${r.created_at}:${r.late}`),
        ),
      ].sort();
    };
    const ticksFirst = lateFlags(true);
    expect(ticksFirst).toEqual(lateFlags(false));
    // at(1) came after at(3) had moved the tweets watermark to at(1): on time; at(6) then moves it
    // to at(4), so at(3, 59 s) is late.
    expect(ticksFirst.filter((f) => f.endsWith(':true'))).toEqual([`${at(3, 59_000)}:true`]);
  });
});

describe('SymbolTask: alerts', () => {
  const rules = DEFAULT_ALERT_RULES.map(resolveRule);

  /** Five minutes of prices falling 100 → 97, with six bearish tweets in them when `bearishInTime`. */
  function crash(t: SymbolTask, up: Upstream, bearishInTime: boolean) {
    for (let k = 0; k < 5; k++) t.onTick(tick(at(k, 1_000), 100 - (3 * k) / 4), 1);
    if (bearishInTime)
      for (let k = 0; k < 6; k++)
        t.onMention(up.mention(at(Math.min(k, 4), 5_000 + k), { compound: -0.9 }), 1);
  }

  it('opens the bearish alert from final minutes, once the watermark passes the window', () => {
    const up = new Upstream();
    const t = new SymbolTask({ ...options(), alertRules: rules });
    crash(t, up, true);
    expect(t.drain(2).alerts).toEqual([]);
    // The watermark passes 12:05 (minute 4 final) once both inputs reach 12:07.
    t.onMention(up.mention(at(7, 1_000), { compound: 0 }), 3);
    t.onTick(tick(at(7, 1_000), 97), 3);
    const opened = t.drain(4).alerts;
    expect(opened.map((a) => [a.event, a.row.alert_id])).toEqual([
      ['opened', 'bearish-sentiment-price-drop:AAPL:2025-01-06T12:04Z'],
    ]);
    expect(opened[0]?.row).toMatchObject({
      tweet_count: 6,
      mean_compound: -0.9,
      open_price: 99,
      close_price: 97,
    });
  });

  it('never opens an alert from late tweets, however bearish', () => {
    const up = new Upstream();
    const t = new SymbolTask({ ...options(), alertRules: rules });
    crash(t, up, false);
    t.onMention(up.mention(at(8), { compound: 0 }), 3);
    t.onTick(tick(at(8), 97), 3);
    expect(t.drain(4).alerts).toEqual([]);
    // The same six bearish tweets, now below the watermark: late, written, never in a window.
    for (let k = 0; k < 6; k++) t.onMention(up.mention(at(k % 5, 5_000), { compound: -0.9 }), 5);
    const after = t.drain(6);
    expect(after.late).toBe(6);
    t.onMention(up.mention(at(30), { compound: 0 }), 7);
    t.onTick(tick(at(30), 97), 7);
    expect([...after.alerts, ...t.drain(8).alerts]).toEqual([]);
  });

  /** Minute by minute, per symbol: tweets of one mood and a tick; in order, drained every few events. */
  const marketArb = fc.array(
    fc.record({
      symbol: fc.constantFrom('AAPL', 'TSLA'),
      tweets: fc.integer({ min: 0, max: 4 }),
      compound: fc.constantFrom(-0.9, -0.7, -0.2, 0.3, 0.8),
      close: fc.integer({ min: 96, max: 104 }),
    }),
    { minLength: 20, maxLength: 120 },
  );

  function playMarket(
    events: { symbol: string; tweets: number; compound: number; close: number }[],
    cut?: number,
  ) {
    const opts = { ...options(), alertRules: LOOSE_RULES.map((r) => ({ ...r, minTweets: 3 })) };
    let t = new SymbolTask(opts);
    const up = new Upstream();
    const out: Drained['alerts'] = [];
    events.forEach((e, i) => {
      if (i === cut) t = SymbolTask.restore(JSON.parse(JSON.stringify(t.snapshot())), opts);
      // Two events a minute of event time: about one minute becomes final per two events.
      const time = at(0) + i * 30_000;
      for (let k = 0; k < e.tweets; k++)
        t.onMention(up.mention(time + k, { symbol: e.symbol, compound: e.compound }), i);
      t.onTick(tick(time, e.close, e.symbol), i);
      if (i % 3 === 0) out.push(...t.drain(i).alerts);
    });
    out.push(...t.drain(events.length).alerts);
    return out;
  }

  it('continues after snapshot → JSON → restore inside open episodes exactly as the uninterrupted run', () => {
    let openAtCut = 0;
    let transitions = 0;
    fc.assert(
      fc.property(marketArb, fc.nat(), (events, seed) => {
        const cut = seed % (events.length + 1);
        const whole = playMarket(events);
        const resumed = playMarket(events, cut);
        expect(resumed).toEqual(whole);
        transitions += whole.length;
        const before = playMarket(events.slice(0, cut));
        if (
          before.filter((a) => a.event === 'opened').length >
          before.filter((a) => a.event === 'closed').length
        )
          openAtCut++;
      }),
      { numRuns: 200 },
    );
    // Not vacuous: many runs are cut while an alert is open.
    expect(openAtCut).toBeGreaterThan(20);
    expect(transitions).toBeGreaterThan(200);
  });
});
