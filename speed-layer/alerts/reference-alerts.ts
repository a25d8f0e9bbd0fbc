/**
 * A stateless oracle of the alert rule, for tests only: every minute of a symbol recomputed from
 * all of its final minutes, the hysteresis written out plainly. It shares nothing with
 * alert-evaluator.ts but the rule's definition, so a bug in the evaluator's incremental state
 * (skipping quiet stretches, pruning, snapshots) shows as a difference.
 */
import type { AlertRule } from '../../schemas/alerts.js';
import { MINUTE_MS } from '../../schemas/time.js';
import type { FinalMinute } from './alert-evaluator.js';

export interface ReferenceAlert {
  alertId: string;
  rule: string;
  symbol: string;
  openedAt: number;
  /** undefined: still open at the last minute evaluated */
  closedAt: number | undefined;
  lastTrueAt: number;
  tweets: number;
  meanCompound: number;
  priceChange: number;
}

/** Alerts of one symbol over minutes [from, to] (minute starts), in opening order per rule. */
export function referenceAlerts(
  rules: readonly AlertRule[],
  symbol: string,
  minutes: readonly FinalMinute[],
  from: number,
  to: number,
): ReferenceAlert[] {
  const out: ReferenceAlert[] = [];
  for (const rule of rules) {
    if (rule.symbols !== undefined && !rule.symbols.includes(symbol)) continue;
    let open: ReferenceAlert | undefined;
    for (let m = from; m <= to; m += MINUTE_MS) {
      const inWindow = minutes.filter((x) => x.minute > m - rule.windowMs && x.minute <= m);
      const tweets = inWindow.reduce((n, x) => n + x.tweets, 0);
      const mean = tweets > 0 ? inWindow.reduce((n, x) => n + x.compoundSum, 0) / tweets : 0;
      const ticked = inWindow.filter((x) => x.ticks > 0);
      const first = ticked[0];
      const last = ticked.at(-1);
      const change = first && last ? last.close / first.open - 1 : Number.NaN;
      const sentimentOk =
        'below' in rule.sentiment ? mean < rule.sentiment.below : mean > rule.sentiment.above;
      const priceOk =
        'atMost' in rule.price ? change <= rule.price.atMost + 1e-12 : change >= rule.price.atLeast - 1e-12;
      const holds = tweets >= rule.minTweets && ticked.length > 0 && sentimentOk && priceOk;
      if (!open && holds) {
        open = {
          alertId: `${rule.id}:${symbol}:${new Date(m).toISOString().slice(0, 16)}Z`,
          rule: rule.id,
          symbol,
          openedAt: m,
          closedAt: undefined,
          lastTrueAt: m,
          tweets,
          meanCompound: mean,
          priceChange: change,
        };
        out.push(open);
      } else if (open && holds) open.lastTrueAt = m;
      else if (open && m - open.lastTrueAt >= rule.cooldownMs) {
        open.closedAt = m;
        open = undefined;
      }
    }
  }
  return out;
}
