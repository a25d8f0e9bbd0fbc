/**
 * Alerts on real Kafka, Cassandra and MinIO, checked as a user would: a seeded market with a
 * crash regime (alert-scenario.ts) is replayed at 45× its pace while `sentiment speed` is killed
 * with SIGKILL at random moments and restarted each time. Once it has drained, alerts_by_symbol
 * must hold exactly the alerts the oracle expects (ids, opening and closing minutes, figures) —
 * both over the scenario's minutes and over the final minute rows that landed, which must be the
 * scenario's: no tweet late and every tick in its window across the restarts — the
 * alerts topic exactly their events (distinct keys; at least once, so duplicates are counted and
 * printed), and the webhook receiver on 127.0.0.1 each event's key at least once and no other key.
 * The first process also kills itself right after its first alert write, before the checkpoint
 * that covers it (SPEED_CRASH_AT=after-alert-write:1): the restart must derive the same alert again.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { sleep } from '../../infra/retry.js';
import { type AlertRow, alertEventKey } from '../../schemas/alerts.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow, TweetBySymbolRow } from '../../schemas/rows.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import type { FinalMinute } from '../../speed-layer/alerts/alert-evaluator.js';
import { decodeAlertEvent } from '../../speed-layer/alerts/alert-event-codec.js';
import { type ReferenceAlert, referenceAlerts } from '../../speed-layer/alerts/reference-alerts.js';
import { TestWebhookReceiver } from '../../speed-layer/alerts/test-webhook-receiver.js';
import { type AlertScenario, SCENARIO_START, sanity, writeAlertScenario } from './alert-scenario.js';
import { deployment, exitOf, openReader, replay, startSpeed, stopSpeed, until } from './speed-harness.js';

const SECRET = 'it-alerts-webhook-secret';
const KILLS = 3;

async function alertRows(reader: Backends, s: AlertScenario): Promise<AlertRow[]> {
  const days = [utcDay(SCENARIO_START)];
  const rows: AlertRow[] = [];
  for (const symbol of s.symbols)
    for (const day of days)
      rows.push(
        ...(await reader.viewStore.query<AlertRow>(TABLES.alertsBySymbol.name, {
          partition: { symbol, day },
        })),
      );
  return rows.sort((a, b) => a.alert_id.localeCompare(b.alert_id));
}

/** Every message of the alerts topic, read from the start by a group of its own. */
async function topicKeys(reader: Backends, topic: string): Promise<string[]> {
  const total = [...(await reader.eventLog.endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
  const consumer = await reader.eventLog.consumer({
    groupId: `it-alerts-reader-${Date.now()}`,
    topics: [topic],
    fromBeginning: true,
  });
  const keys: string[] = [];
  try {
    const deadline = Date.now() + 60_000;
    while (keys.length < total && Date.now() < deadline) {
      for (const m of await consumer.poll({ maxWaitMs: 1000 })) {
        const decoded = decodeAlertEvent(m.value);
        if (!decoded.ok) throw new Error(`alerts topic: ${decoded.error}`);
        expect(m.key).toBe(decoded.value.alert.symbol);
        expect(m.headers['idempotency-key']).toBe(decoded.value.key);
        keys.push(decoded.value.key);
      }
    }
  } finally {
    await consumer.close();
  }
  return keys;
}

/** The final minute rows of a symbol's scenario day, as the rules saw them. */
async function finalMinutesOf(reader: Backends, symbol: string): Promise<FinalMinute[]> {
  const rows = await reader.viewStore.query<SentimentMinuteRow>(TABLES.sentimentByMinute.name, {
    partition: { symbol, day: utcDay(SCENARIO_START) },
  });
  return rows
    .filter((r) => r.final)
    .sort((a, b) => a.minute - b.minute)
    .map((r) => ({
      minute: r.minute,
      tweets: r.tweet_count,
      compoundSum: r.compound_sum,
      ticks: r.tick_count,
      open: r.open_price ?? 0,
      close: r.close_price ?? 0,
    }));
}

/** Tweets decided late, and the ticks that made it into minute windows (late ones do not). */
async function lateness(
  reader: Backends,
  s: AlertScenario,
): Promise<{ lateTweets: number; ticksInWindows: number }> {
  let lateTweets = 0;
  let ticksInWindows = 0;
  for (const symbol of s.symbols) {
    const tweets = await reader.viewStore.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
      partition: { symbol, day: utcDay(SCENARIO_START) },
    });
    lateTweets += tweets.filter((t) => t.late === true).length;
    // The closing tick's minute is never final: only the scenario's ticks are counted.
    ticksInWindows += (await finalMinutesOf(reader, symbol)).reduce((n, m) => n + m.ticks, 0);
  }
  return { lateTweets, ticksInWindows };
}

const expectedKeys = (expected: readonly ReferenceAlert[]) =>
  expected.flatMap((a) => [alertEventKey(a.alertId, 'opened'), alertEventKey(a.alertId, 'closed')]).sort();

describe('alerts on real servers', { timeout: 600_000 }, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('raises exactly the expected alerts into Cassandra, the topic and the webhook across kill -9', async () => {
    const s = await writeAlertScenario();
    cleanup.push(() => rm(s.dir, { recursive: true, force: true }));
    // The scenario is what it was built for; the exact ids come from the oracle.
    expect(sanity(s.expected)).toEqual([
      'bearish-sentiment-price-drop AAPL',
      'bearish-sentiment-price-drop AAPL',
      'bullish-sentiment-price-rise TSLA',
    ]);
    expect(s.expected.every((a) => a.closedAt !== undefined)).toBe(true);
    process.stdout.write(
      `alert scenario: ${s.tweets} tweets, ${s.ticks} ticks over ${s.symbols.join(', ')}\n`,
    );

    const receiver = await TestWebhookReceiver.start(SECRET);
    cleanup.push(() => receiver.close());
    const env = {
      ...deployment('alerts'),
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_WEBHOOK_SECRET: SECRET,
      SPEED_CHECKPOINT_INTERVAL: '2s',
    };
    const alertsTopic = loadConfig(env).topics.names.alerts;
    const reader = await openReader(env);
    cleanup.push(() => reader.close());

    const metricsPort = 19_300 + Math.floor(Math.random() * 500);
    let child: ChildProcess = startSpeed({ ...env, SPEED_CRASH_AT: 'after-alert-write:1' }, metricsPort);
    cleanup.push(() => stopSpeed(child));
    const feeding = Promise.all([
      replay(env, s.tweetsFile, 'tweets', '45'),
      replay(env, s.ticksFile, 'stock-prices', '45'),
    ]);
    let fed = false;
    void feeding.then(() => {
      fed = true;
    });
    // kill -9 at random moments while the market is replayed (about 60 s of it), restarting each time.
    // The first process dies by its own crash point, at its first alert write.
    const first = await Promise.race([exitOf(child), sleep(120_000).then(() => undefined)]);
    expect(first?.signal).toBe('SIGKILL');
    const selfKills = 1;
    child = startSpeed(env, metricsPort);
    let kills = 0;
    while (kills < KILLS && !fed) {
      await sleep(5_000 + Math.random() * 8_000);
      if (fed) break;
      child.kill('SIGKILL');
      expect((await exitOf(child)).signal).toBe('SIGKILL');
      kills++;
      child = startSpeed(env, metricsPort);
    }
    await feeding;
    await Promise.all([
      replay(env, s.closingTweetsFile, 'tweets'),
      replay(env, s.closingTicksFile, 'stock-prices'),
    ]);

    // The rules are a function of the final windows: the expectation is the oracle over the final
    // minute rows that landed. When nothing was late (the usual run), those are the scenario's own
    // minutes, and the expectation must be the scenario's.
    await until(
      'every minute of the scenario final',
      async () => {
        const minutes = await Promise.all(s.symbols.map((symbol) => finalMinutesOf(reader, symbol)));
        return minutes.every((m) => m.some((x) => x.minute >= SCENARIO_START + 44 * MINUTE_MS));
      },
      240_000,
    );
    const landed = new Map(
      await Promise.all(
        s.symbols.map(async (symbol) => [symbol, await finalMinutesOf(reader, symbol)] as const),
      ),
    );
    const expected = s.symbols.flatMap((symbol) =>
      referenceAlerts(
        s.rules,
        symbol,
        landed.get(symbol) as FinalMinute[],
        SCENARIO_START,
        SCENARIO_START + 55 * MINUTE_MS,
      ),
    );
    const late = await lateness(reader, s);
    const onTime = late.lateTweets === 0 && late.ticksInWindows === s.ticks;
    process.stdout.write(
      `alerts: final windows hold ${late.ticksInWindows} of ${s.ticks} ticks, ${late.lateTweets} tweets late${onTime ? '' : ' (expected: all ticks, none late)'}\n`,
    );
    // A restart must not make data late: the windows are the scenario's (the checks below then
    // hold the alerts to the scenario's own expectation).
    expect({ lateTweets: late.lateTweets, ticksInWindows: late.ticksInWindows }).toEqual({
      lateTweets: 0,
      ticksInWindows: s.ticks,
    });
    expect(expected).toEqual(s.expected);
    const expectedIds = expected.map((a) => a.alertId).sort();
    let seen: AlertRow[] = [];
    await until(
      'every expected alert closed in alerts_by_symbol',
      async () => {
        seen = await alertRows(reader, s);
        return seen.length >= expectedIds.length && seen.every((r) => r.status === 'closed');
      },
      240_000,
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}; alerts_by_symbol holds ${JSON.stringify(seen.map((r) => [r.alert_id, r.status]))}, expected ${expectedIds.join(', ')}`,
      );
    });
    const wanted = expectedKeys(expected);
    await until(
      'the webhook receiver saw every event',
      async () => wanted.every((k) => receiver.requests.some((r) => r.key === k)),
      120_000,
    );
    await sleep(3_000);
    expect(await stopSpeed(child)).toBe(0);

    const rows = await alertRows(reader, s);
    const onTopic = await topicKeys(reader, alertsTopic);
    const hooked = receiver.requests.map((r) => r.key as string);
    process.stdout.write(
      [
        `alerts across ${kills} kill -9 and ${selfKills} crash after an alert write:`,
        `  expected alerts ${expectedIds.length} (${expectedIds.join(', ')})`,
        `  alerts_by_symbol rows ${rows.length}, closed ${rows.filter((r) => r.status === 'closed').length}`,
        `  alerts topic messages ${onTopic.length}, distinct keys ${new Set(onTopic).size} vs expected events ${wanted.length} (duplicates ${onTopic.length - new Set(onTopic).size})`,
        `  webhook requests ${hooked.length}, distinct keys ${new Set(hooked).size} vs expected ${wanted.length}; bad signatures ${receiver.requests.filter((r) => !r.check.ok).length}`,
        '',
      ].join('\n'),
    );
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(rows.map((r) => r.alert_id)).toEqual(expectedIds);
    for (const a of expected) {
      const row = rows.find((r) => r.alert_id === a.alertId) as AlertRow;
      expect(row).toMatchObject({
        rule: a.rule,
        symbol: a.symbol,
        status: 'closed',
        opened_at: a.openedAt,
        closed_at: a.closedAt,
        last_true_at: a.lastTrueAt,
        tweet_count: a.tweets,
      });
      expect(row.mean_compound).toBeCloseTo(a.meanCompound, 9);
      expect(row.price_change).toBeCloseTo(a.priceChange, 9);
    }
    expect([...new Set(onTopic)].sort()).toEqual(wanted);
    expect([...new Set(hooked)].sort()).toEqual(wanted);
    expect(receiver.requests.every((r) => r.check.ok)).toBe(true);
  });
});
