import { describe, expect, it } from 'vitest';
import type { LogMessage } from '../infra/kafka/event-log.js';
import { MINUTE_MS } from '../schemas/time.js';
import { vaderScorer } from './sentiment/vader.js';
import { TweetIngest } from './tweet-ingest.js';

const DELAY = 2 * MINUTE_MS;
const T0 = Date.UTC(2025, 0, 6, 12, 0);
const scorer = vaderScorer();

function setup() {
  const ingest = new TweetIngest(
    { partition: 0, delayMs: DELAY, futureSkewMs: 300_000, idleTimeoutMs: 30_000, scorer },
    undefined,
    0,
  );
  let offset = 0;
  const send = (id: string, createdAt: number, text = 'good day for $AAPL') => {
    const value = new TextEncoder().encode(
      JSON.stringify({ id, created_at: new Date(createdAt).toISOString(), text, user_id: 'u1' }),
    );
    const m: LogMessage = {
      topic: 'tweets',
      partition: 0,
      offset: offset++,
      key: id,
      value,
      headers: {},
      timestamp: createdAt,
    };
    return ingest.process(m, 0);
  };
  return { ingest, send };
}

/** Ids of the mentions sent to stage 2, in order. */
const mentioned = (out: ReturnType<TweetIngest['drain']>) =>
  out.internal.flatMap((r) => (r.kind === 'mention' ? [r.id] : []));

describe('stage 1 mentions', () => {
  it("carry the tweet's own columns, for stage 2 to write the tweets_by_symbol row whole", () => {
    const { ingest, send } = setup();
    send('a', T0);
    const [first] = ingest.drain().internal;
    expect(first).toMatchObject({
      kind: 'mention',
      id: 'a',
      userId: expect.any(String),
      text: expect.any(String),
    });
    const r = first as { pos: number; neu: number; neg: number };
    expect(r.pos + r.neu + r.neg).toBeCloseTo(1, 3);
  });
});

describe('stage 1 duplicate check', () => {
  it('writes a repeated id to bronze again but mentions it once, within the watermark horizon', () => {
    const { ingest, send } = setup();
    expect(send('a', T0)).toMatchObject({ id: 'a', source_offset: 0 });
    send('b', T0 + 30_000);
    expect(send('a', T0 + 1_000)).toMatchObject({ id: 'a', source_offset: 2 });
    const out = ingest.drain();
    expect(out.duplicates).toBe(1);
    expect(mentioned(out)).toEqual(['a', 'b']);
  });

  it('forgets ids once the watermark passes their minute, and no longer needs their offsets', () => {
    const { ingest, send } = setup();
    send('a', T0 + 10_000);
    send('b', T0 + MINUTE_MS + 10_000);
    expect(ingest.lowestNeededOffset()).toBe(0);
    // Max event time T0 + 3 min: watermark T0 + 1 min, past the whole of minute T0 only.
    send('c', T0 + 3 * MINUTE_MS);
    send('a', T0 + 3 * MINUTE_MS + 1);
    send('b', T0 + 3 * MINUTE_MS + 2);
    const out = ingest.drain();
    expect(out.duplicates).toBe(1);
    expect(mentioned(out)).toEqual(['a', 'b', 'c', 'a']);
    expect(ingest.lowestNeededOffset()).toBe(1);
  });

  it('remembers no id of a tweet already below the watermark', () => {
    const { ingest, send } = setup();
    send('x', T0 + 5 * MINUTE_MS);
    send('late', T0);
    send('late', T0 + 1);
    const out = ingest.drain();
    expect(out.duplicates).toBe(0);
    expect(mentioned(out)).toEqual(['x', 'late', 'late']);
  });
});
