/**
 * A seeded market with a crash regime, written as replay files, and the alerts it must raise.
 *
 * Four symbols over 45 minutes of event time, tweets every minute and a tick every 5 s each:
 * - AAPL crashes twice (bearish tweets, about -0.6 % a minute) far enough apart to be two episodes;
 * - TSLA rallies once (bullish tweets, about +0.6 % a minute);
 * - NVDA gets bearish tweets while its price stays flat, and MSFT falls 3 % on neutral tweets:
 *   each half of a rule without the other, so neither may raise an alert.
 * Every event is in order and on time. The expected alerts come from the stateless oracle
 * (speed-layer/alerts/reference-alerts.ts) over the minutes as the scenario wrote them, scored
 * with the same VADER; `sanity` checks the oracle saw the episodes the scenario was built for.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../../producers/random.js';
import { tickJson, tweetJson } from '../../producers/synthetic-source.js';
import { type AlertRule, DEFAULT_ALERT_RULES } from '../../schemas/alerts.js';
import { MINUTE_MS } from '../../schemas/time.js';
import type { FinalMinute } from '../../speed-layer/alerts/alert-evaluator.js';
import { resolveRule } from '../../speed-layer/alerts/alert-rules.js';
import { type ReferenceAlert, referenceAlerts } from '../../speed-layer/alerts/reference-alerts.js';
import { extractCashtags } from '../../speed-layer/cashtags.js';
import { scoreSentiment } from '../../speed-layer/sentiment/vader.js';

export const SCENARIO_START = Date.UTC(2025, 0, 7, 10, 0);
const MINUTES = 45;
const TICK_EVERY_MS = 5_000;

type Mood = 'bearish' | 'bullish' | 'neutral';
interface Regime {
  mood: Mood;
  /** relative price change per minute */
  drift: number;
}

/** Per symbol, the regime of event minute k. */
const REGIMES: Record<string, (k: number) => Regime> = {
  AAPL: (k) =>
    (k >= 8 && k < 15) || (k >= 28 && k < 34)
      ? { mood: 'bearish', drift: -0.006 }
      : { mood: 'neutral', drift: 0 },
  TSLA: (k) => (k >= 18 && k < 25 ? { mood: 'bullish', drift: 0.006 } : { mood: 'neutral', drift: 0 }),
  NVDA: (k) => (k >= 10 && k < 20 ? { mood: 'bearish', drift: 0 } : { mood: 'neutral', drift: 0 }),
  MSFT: (k) => (k >= 20 && k < 26 ? { mood: 'neutral', drift: -0.006 } : { mood: 'neutral', drift: 0 }),
};
const START_PRICE: Record<string, number> = { AAPL: 190, TSLA: 240, NVDA: 480, MSFT: 410 };

const TEXTS: Record<Mood, string[]> = {
  bearish: [
    '$S is a disaster, terrible earnings and awful guidance',
    'Horrible crash for $S, I hate this, total loss',
    '$S collapse is scary and depressing, sell everything',
    'Worst day ever for $S holders, ugly and painful',
    '$S fraud fears, panic selling, this is a nightmare',
  ],
  bullish: [
    '$S is amazing, great earnings and wonderful guidance',
    'Love $S, fantastic rally, best stock ever',
    '$S breakout is awesome, so happy and excited',
    'Brilliant quarter for $S, strong win for holders',
    '$S to the moon, superb momentum, great buy',
  ],
  neutral: [
    'Watching $S today',
    '$S volume at the open',
    'Anyone holding $S into the close?',
    '$S chart update for the afternoon session',
    'Good morning, $S is on my list',
    '$S is down a bit, not great',
  ],
};

export interface AlertScenario {
  dir: string;
  tweetsFile: string;
  ticksFile: string;
  closingTweetsFile: string;
  closingTicksFile: string;
  tweets: number;
  ticks: number;
  symbols: string[];
  rules: AlertRule[];
  /** every alert the rules raise, closed by the end of the run */
  expected: ReferenceAlert[];
}

export async function writeAlertScenario(seed = 'alert-scenario'): Promise<AlertScenario> {
  const rng = new Random(seed);
  const dir = await mkdtemp(join(tmpdir(), 'it-alerts-'));
  const symbols = Object.keys(REGIMES).sort();
  const tweets: { created_at: number; line: string }[] = [];
  const ticks: { at: number; line: string }[] = [];
  const minutesBySymbol = new Map<string, FinalMinute[]>();
  let id = 0;
  for (const symbol of symbols) {
    const finals: FinalMinute[] = [];
    let price = START_PRICE[symbol] as number;
    for (let k = 0; k < MINUTES; k++) {
      const regime = (REGIMES[symbol] as (k: number) => Regime)(k);
      const minute = SCENARIO_START + k * MINUTE_MS;
      const count = rng.between(2, 5);
      const offsets = Array.from({ length: count }, () => rng.int(MINUTE_MS - 1000)).sort((a, b) => a - b);
      let compoundSum = 0;
      for (const offset of offsets) {
        const pool = TEXTS[regime.mood];
        const text = (pool[rng.int(pool.length)] as string).replace('$S', `$${symbol}`);
        // The oracle counts each tweet for its one symbol: the speed layer must find exactly that.
        if (extractCashtags(text).join() !== symbol)
          throw new Error(`scenario text ${text} is not about ${symbol} alone`);
        compoundSum += scoreSentiment(text).compound;
        const createdAt = minute + offset;
        tweets.push({
          created_at: createdAt,
          line: tweetJson({ id: `alert-${id++}`, created_at: createdAt, text, user_id: `u${rng.int(50)}` }),
        });
      }
      let open = 0;
      for (let t = 0; t < MINUTE_MS; t += TICK_EVERY_MS) {
        const before = price;
        // Drift per tick, plus noise small enough never to decide a rule by itself.
        price = price * (1 + regime.drift / (MINUTE_MS / TICK_EVERY_MS) + (rng.next() - 0.5) * 0.0002);
        price = Math.round(price * 10_000) / 10_000;
        if (t === 0) open = before;
        ticks.push({
          at: minute + t,
          line: tickJson({
            symbol,
            trade_timestamp: minute + t,
            open_price: before,
            high_price: Math.max(before, price),
            low_price: Math.min(before, price),
            close_price: price,
            volume: rng.between(10, 500),
          }),
        });
      }
      finals.push({
        minute,
        tweets: count,
        compoundSum,
        ticks: MINUTE_MS / TICK_EVERY_MS,
        open,
        close: price,
      });
    }
    minutesBySymbol.set(symbol, finals);
  }
  tweets.sort((a, b) => a.created_at - b.created_at);
  ticks.sort((a, b) => a.at - b.at);

  // Fifteen minutes after the last event, no cashtag and a tick per symbol at its last price: every
  // minute of the scenario becomes final and every episode's cool-down runs out.
  const closeAt = SCENARIO_START + (MINUTES + 15) * MINUTE_MS;
  const closingTweets = Array.from({ length: 20 }, (_, i) =>
    tweetJson({
      id: `alert-closing-${i}`,
      created_at: closeAt,
      text: 'end of the session',
      user_id: 'closing',
    }),
  );
  const closingTicks = symbols.map((symbol) => {
    const last = (minutesBySymbol.get(symbol) as FinalMinute[]).at(-1) as FinalMinute;
    return tickJson({
      symbol,
      trade_timestamp: closeAt,
      open_price: last.close,
      high_price: last.close,
      low_price: last.close,
      close_price: last.close,
      volume: 1,
    });
  });

  const rules = DEFAULT_ALERT_RULES.map(resolveRule);
  const lastMinute = SCENARIO_START + (MINUTES + 10) * MINUTE_MS;
  const expected = symbols.flatMap((symbol) =>
    referenceAlerts(rules, symbol, minutesBySymbol.get(symbol) as FinalMinute[], SCENARIO_START, lastMinute),
  );

  const files = {
    tweetsFile: join(dir, 'tweets.jsonl'),
    ticksFile: join(dir, 'ticks.jsonl'),
    closingTweetsFile: join(dir, 'closing-tweets.jsonl'),
    closingTicksFile: join(dir, 'closing-ticks.jsonl'),
  };
  await writeFile(files.tweetsFile, `${tweets.map((t) => t.line).join('\n')}\n`);
  await writeFile(files.ticksFile, `${ticks.map((t) => t.line).join('\n')}\n`);
  await writeFile(files.closingTweetsFile, `${closingTweets.join('\n')}\n`);
  await writeFile(files.closingTicksFile, `${closingTicks.join('\n')}\n`);
  return { dir, ...files, tweets: tweets.length, ticks: ticks.length, symbols, rules, expected };
}

/** The episodes the scenario was built for: two AAPL crashes, one TSLA rally, nothing else. */
export function sanity(expected: readonly ReferenceAlert[]): string[] {
  return expected.map((a) => `${a.rule} ${a.symbol}`).sort();
}
