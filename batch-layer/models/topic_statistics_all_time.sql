{{ config(materialized='table') }}
-- topic_statistics over all of bronze: one row per symbol, the same columns without the day.
-- Exact quantiles do not merge, so every run recomputes it from every bronze object.
WITH tweets AS (
  SELECT
    symbol,
    count(*) AS tweets,
    avg(compound) AS mean_compound,
    stddev_samp(compound) AS stddev_compound,
    {{ quantile('compound', 0.5) }} AS p50_compound,
    {{ quantile('compound', 0.95) }} AS p95_compound,
    min(compound) AS min_compound,
    max(compound) AS max_compound
  FROM {{ ref('stg_tweet_symbols') }}
  GROUP BY symbol
),
sentiment AS (
  SELECT symbol, stddev_samp(mean_compound) AS sentiment_volatility
  FROM {{ ref('sentiment_hourly') }}
  WHERE tweets > 0
  GROUP BY symbol
),
price AS (
  SELECT symbol, stddev_samp(log_return) AS price_volatility
  FROM {{ ref('stg_minute_returns') }}
  GROUP BY symbol
)
SELECT
  coalesce(t.symbol, p.symbol) AS symbol,
  coalesce(t.tweets, 0) AS tweets,
  t.mean_compound,
  t.stddev_compound,
  t.p50_compound,
  t.p95_compound,
  t.min_compound,
  t.max_compound,
  s.sentiment_volatility,
  p.price_volatility
FROM tweets t
LEFT JOIN sentiment s ON s.symbol = t.symbol
FULL OUTER JOIN price p ON p.symbol = t.symbol
