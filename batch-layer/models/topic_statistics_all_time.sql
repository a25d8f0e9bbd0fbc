{{ config(materialized='table') }}
-- topic_statistics over every day gold has: one row per symbol, the same columns without the day.
-- Merged from per-day parts instead of read from bronze, so that a run reads the bronze of its own
-- days only (all_days: this run's days as just computed, the others from their gold partitions):
--  * compound (count, mean, stddev, p50, p95, min, max) from the per-day counts of each score,
--    summed: the same multiset of scores as the tweets, so the quantiles are exact, interpolated
--    linearly between the closest ranks as quantile_cont and percentile do;
--  * the volatilities from per-day count n, mean and M2, combined as Chan et al. do:
--    n = Σ nᵢ, mean = Σ nᵢ·meanᵢ / n, M2 = Σ M2ᵢ + Σ nᵢ·(meanᵢ − mean)², stddev = √(M2 / (n − 1)).
WITH counts AS (
  SELECT symbol, compound, CAST(sum(tweets) AS BIGINT) AS tweets
  FROM {{ all_days('topic_compound_counts') }}
  GROUP BY symbol, compound
),
ranked AS (
  -- Each score holds the 0-based ranks [through - tweets, through) of the symbol's sorted scores.
  SELECT
    symbol,
    compound,
    tweets,
    CAST(sum(tweets) OVER (PARTITION BY symbol ORDER BY compound ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS through,
    CAST(sum(tweets) OVER (PARTITION BY symbol) AS BIGINT) AS total
  FROM counts
),
positions AS (
  -- The quantile's fractional rank (n − 1)·q, and the ranks below and above it.
  SELECT
    symbol,
    h50,
    floor(h50) AS lo50,
    ceil(h50) AS hi50,
    h95,
    floor(h95) AS lo95,
    ceil(h95) AS hi95
  FROM (
    SELECT DISTINCT
      symbol,
      CAST(total - 1 AS DOUBLE) * CAST(0.5 AS DOUBLE) AS h50,
      CAST(total - 1 AS DOUBLE) * CAST(0.95 AS DOUBLE) AS h95
    FROM ranked
  ) fractional
),
tweet_totals AS (
  SELECT
    symbol,
    CAST(sum(tweets) AS BIGINT) AS tweets,
    sum(compound * tweets) / sum(tweets) AS mean_compound,
    min(compound) AS min_compound,
    max(compound) AS max_compound
  FROM ranked
  GROUP BY symbol
),
tweets AS (
  SELECT
    t.symbol,
    t.tweets,
    t.mean_compound,
    CASE WHEN t.tweets >= 2
      THEN sqrt(sum(r.tweets * (r.compound - t.mean_compound) * (r.compound - t.mean_compound)) / (t.tweets - 1))
    END AS stddev_compound,
    max(CASE WHEN r.through - r.tweets <= q.lo50 AND q.lo50 < r.through THEN r.compound END) AS p50_lo,
    max(CASE WHEN r.through - r.tweets <= q.hi50 AND q.hi50 < r.through THEN r.compound END) AS p50_hi,
    max(q.h50 - q.lo50) AS p50_fraction,
    max(CASE WHEN r.through - r.tweets <= q.lo95 AND q.lo95 < r.through THEN r.compound END) AS p95_lo,
    max(CASE WHEN r.through - r.tweets <= q.hi95 AND q.hi95 < r.through THEN r.compound END) AS p95_hi,
    max(q.h95 - q.lo95) AS p95_fraction,
    t.min_compound,
    t.max_compound
  FROM ranked r
  JOIN tweet_totals t ON t.symbol = r.symbol
  JOIN positions q ON q.symbol = r.symbol
  GROUP BY t.symbol, t.tweets, t.mean_compound, t.min_compound, t.max_compound
),
parts AS (
  SELECT * FROM {{ all_days('topic_volatility_parts') }}
),
sentiment_totals AS (
  SELECT
    symbol,
    sum(sentiment_hours) AS n,
    sum(sentiment_hours * sentiment_mean) / sum(sentiment_hours) AS mean
  FROM parts
  WHERE sentiment_hours > 0
  GROUP BY symbol
),
sentiment AS (
  SELECT
    t.symbol,
    CASE WHEN t.n >= 2
      THEN sqrt((sum(p.sentiment_m2) + sum(p.sentiment_hours * (p.sentiment_mean - t.mean) * (p.sentiment_mean - t.mean))) / (t.n - 1))
    END AS sentiment_volatility
  FROM parts p
  JOIN sentiment_totals t ON t.symbol = p.symbol
  WHERE p.sentiment_hours > 0
  GROUP BY t.symbol, t.n
),
price_totals AS (
  SELECT
    symbol,
    sum(price_returns) AS n,
    sum(price_returns * price_mean) / sum(price_returns) AS mean
  FROM parts
  WHERE price_returns > 0
  GROUP BY symbol
),
price AS (
  SELECT
    t.symbol,
    CASE WHEN t.n >= 2
      THEN sqrt((sum(p.price_m2) + sum(p.price_returns * (p.price_mean - t.mean) * (p.price_mean - t.mean))) / (t.n - 1))
    END AS price_volatility
  FROM parts p
  JOIN price_totals t ON t.symbol = p.symbol
  WHERE p.price_returns > 0
  GROUP BY t.symbol, t.n
)
SELECT
  coalesce(t.symbol, p.symbol) AS symbol,
  coalesce(t.tweets, 0) AS tweets,
  t.mean_compound,
  t.stddev_compound,
  t.p50_lo + (t.p50_hi - t.p50_lo) * t.p50_fraction AS p50_compound,
  t.p95_lo + (t.p95_hi - t.p95_lo) * t.p95_fraction AS p95_compound,
  t.min_compound,
  t.max_compound,
  s.sentiment_volatility,
  p.price_volatility
FROM tweets t
LEFT JOIN sentiment s ON s.symbol = t.symbol
FULL OUTER JOIN price p ON p.symbol = t.symbol
