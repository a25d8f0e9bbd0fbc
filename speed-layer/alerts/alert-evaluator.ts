/**
 * The alert rule, in this one file: rules evaluated in event time over final minute windows only,
 * with hysteresis, one alert per episode.
 *
 * The symbol task hands over every pane the watermark makes final (ascending minute per symbol),
 * then calls `advance(watermark)`. Every minute M of a symbol with `M + 1 min <= watermark` is
 * then final, with or without a pane (a minute without one had no tweet and no tick), and is
 * evaluated exactly once, in order:
 *
 * - window(M) = the final minutes in [M + 1 min - rule.window, M + 1 min);
 * - true when it holds >= min_tweets tweets, their mean compound is strictly below (above) the
 *   bound, and the price change — close of its last minute with a tick over open of its first, minus
 *   one — is at most (at least) the bound (to 1e-12, so that a change of exactly 2 % is not lost to
 *   float rounding); a window with no tick has no price change and is false;
 * - an alert opens at the first true M while none is open for (rule, symbol); its id is
 *   rule:symbol:M, so a replay that rebuilds the same final minutes rebuilds the same ids;
 * - it closes at the first M with M - (last true minute) >= cool-down: false for the whole
 *   cool-down. Until then a true minute only moves the last true minute; nothing is written.
 *
 * Late rows never reach a final pane, so nothing they carry can open, close or change an alert.
 * Pure: no I/O, no clock (`now` is only the rows' updated_at); `snapshot` is plain JSON.
 */
import { type AlertEventKind, type AlertRow, type AlertRule, alertId } from '../../schemas/alerts.js';
import { MINUTE_MS, utcDay, windowStart } from '../../schemas/time.js';

/** What a rule needs of one final minute of a symbol. */
export interface FinalMinute {
  minute: number;
  tweets: number;
  compoundSum: number;
  ticks: number;
  /** open of the minute's first tick and close of its last; meaningless while ticks is 0 */
  open: number;
  close: number;
}

/** An alert opening or closing, with the row as it stands after it. */
export interface AlertTransition {
  event: AlertEventKind;
  row: AlertRow;
}

interface Episode {
  rule: string;
  /** the row written when it opened (figures of the opening window) */
  row: AlertRow;
  lastTrueAt: number;
}

interface SymbolAlerts {
  /** next minute to evaluate */
  next: number;
  /** final minutes held for the windows, ascending */
  minutes: FinalMinute[];
  open: Episode[];
}

export interface AlertEvaluatorState {
  version: 1;
  symbols: [string, SymbolAlerts][];
}

/** Relative slack of the price bound: a change of exactly the bound counts. */
const PRICE_EPSILON = 1e-12;

interface WindowFigures {
  tweets: number;
  meanCompound: number;
  priceChange: number | undefined;
  open: number;
  close: number;
}

export class AlertEvaluator {
  private readonly symbols = new Map<string, SymbolAlerts>();
  private readonly maxWindowMs: number;

  constructor(private readonly rules: readonly AlertRule[]) {
    this.maxWindowMs = Math.max(MINUTE_MS, ...rules.map((r) => r.windowMs));
  }

  /** A pane the watermark made final; per symbol in ascending minute order. */
  onFinalMinute(symbol: string, m: FinalMinute): void {
    if (this.rules.length === 0 || !this.watched(symbol)) return;
    let s = this.symbols.get(symbol);
    if (s === undefined) {
      s = { next: m.minute, minutes: [], open: [] };
      this.symbols.set(symbol, s);
    }
    // A minute already evaluated cannot change (it was final); a repeat is ignored.
    if (m.minute < s.next) return;
    const last = s.minutes.at(-1);
    if (last !== undefined && m.minute <= last.minute) return;
    s.minutes.push({ ...m });
  }

  /** Evaluates every minute the watermark has made final; transitions in minute order per symbol. */
  advance(watermark: number, now: number, emit: (t: AlertTransition) => void): void {
    if (!Number.isFinite(watermark)) return;
    for (const [symbol, s] of this.symbols) {
      let m = s.next;
      while (m + MINUTE_MS <= watermark) {
        if (s.open.length === 0 && !this.hasDataInWindow(s, m)) {
          // Nothing can be true until the next minute with data: skip the empty stretch.
          const nextData = s.minutes.find((x) => x.minute > m);
          if (nextData === undefined || nextData.minute + MINUTE_MS > watermark) {
            // The first minute not yet final.
            m = windowStart(watermark, MINUTE_MS);
            break;
          }
          m = nextData.minute;
          continue;
        }
        this.evaluate(symbol, s, m, now, emit);
        m += MINUTE_MS;
      }
      s.next = Math.max(s.next, m);
      // Keep the minutes a window ending at or after `next` can still reach.
      const keepFrom = s.next + MINUTE_MS - this.maxWindowMs;
      let drop = 0;
      while (drop < s.minutes.length && (s.minutes[drop] as FinalMinute).minute < keepFrom) drop++;
      if (drop > 0) s.minutes.splice(0, drop);
      if (s.minutes.length === 0 && s.open.length === 0) this.symbols.delete(symbol);
    }
  }

  snapshot(): AlertEvaluatorState {
    return {
      version: 1,
      symbols: [...this.symbols].map(([symbol, s]) => [
        symbol,
        {
          next: s.next,
          minutes: s.minutes.map((m) => ({ ...m })),
          open: s.open.map((e) => ({ rule: e.rule, row: { ...e.row }, lastTrueAt: e.lastTrueAt })),
        },
      ]),
    };
  }

  static restore(state: AlertEvaluatorState, rules: readonly AlertRule[]): AlertEvaluator {
    if (state.version !== 1)
      throw new Error(`AlertEvaluator: unknown snapshot version ${String(state.version)}`);
    const evaluator = new AlertEvaluator(rules);
    const known = new Set(rules.map((r) => r.id));
    for (const [symbol, s] of state.symbols) {
      evaluator.symbols.set(symbol, {
        next: s.next,
        minutes: s.minutes.map((m) => ({ ...m })),
        // An episode of a rule removed from the rules file since is dropped with the rule.
        open: s.open
          .filter((e) => known.has(e.rule))
          .map((e) => ({ rule: e.rule, row: { ...e.row }, lastTrueAt: e.lastTrueAt })),
      });
    }
    return evaluator;
  }

  private watched(symbol: string): boolean {
    return this.rules.some((r) => r.symbols === undefined || r.symbols.includes(symbol));
  }

  private hasDataInWindow(s: SymbolAlerts, m: number): boolean {
    const from = m + MINUTE_MS - this.maxWindowMs;
    return s.minutes.some((x) => x.minute >= from && x.minute <= m);
  }

  private evaluate(
    symbol: string,
    s: SymbolAlerts,
    m: number,
    now: number,
    emit: (t: AlertTransition) => void,
  ): void {
    for (const rule of this.rules) {
      if (rule.symbols !== undefined && !rule.symbols.includes(symbol)) continue;
      const figures = windowFigures(s.minutes, m + MINUTE_MS - rule.windowMs, m);
      const holds = ruleHolds(rule, figures);
      const episode = s.open.find((e) => e.rule === rule.id);
      if (episode === undefined) {
        if (!holds) continue;
        const row: AlertRow = {
          symbol,
          day: utcDay(m),
          opened_at: m,
          rule: rule.id,
          alert_id: alertId(rule.id, symbol, m),
          direction: rule.direction,
          status: 'open',
          window_start: m + MINUTE_MS - rule.windowMs,
          window_end: m + MINUTE_MS,
          tweet_count: figures.tweets,
          mean_compound: figures.meanCompound,
          price_change: figures.priceChange as number,
          open_price: figures.open,
          close_price: figures.close,
          last_true_at: m,
          updated_at: now,
        };
        s.open.push({ rule: rule.id, row, lastTrueAt: m });
        emit({ event: 'opened', row: { ...row } });
      } else if (holds) {
        episode.lastTrueAt = m;
      } else if (m - episode.lastTrueAt >= rule.cooldownMs) {
        s.open.splice(s.open.indexOf(episode), 1);
        emit({
          event: 'closed',
          row: {
            ...episode.row,
            status: 'closed',
            last_true_at: episode.lastTrueAt,
            closed_at: m,
            updated_at: now,
          },
        });
      }
    }
  }
}

/** Sums over the final minutes in [from, to] (minute starts). */
export function windowFigures(minutes: readonly FinalMinute[], from: number, to: number): WindowFigures {
  let tweets = 0;
  let compoundSum = 0;
  let first: FinalMinute | undefined;
  let last: FinalMinute | undefined;
  for (const x of minutes) {
    if (x.minute < from) continue;
    if (x.minute > to) break;
    tweets += x.tweets;
    compoundSum += x.compoundSum;
    if (x.ticks > 0) {
      first ??= x;
      last = x;
    }
  }
  const open = first?.open ?? 0;
  const close = last?.close ?? 0;
  return {
    tweets,
    meanCompound: tweets > 0 ? compoundSum / tweets : 0,
    priceChange: first !== undefined && open > 0 ? close / open - 1 : undefined,
    open,
    close,
  };
}

export function ruleHolds(rule: AlertRule, f: WindowFigures): boolean {
  if (f.tweets < rule.minTweets || f.priceChange === undefined) return false;
  const sentiment =
    'below' in rule.sentiment ? f.meanCompound < rule.sentiment.below : f.meanCompound > rule.sentiment.above;
  if (!sentiment) return false;
  return 'atMost' in rule.price
    ? f.priceChange <= rule.price.atMost + PRICE_EPSILON
    : f.priceChange >= rule.price.atLeast - PRICE_EPSILON;
}
