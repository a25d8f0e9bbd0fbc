{{ config(materialized='table', partition_by='date') }}
-- Per symbol per UTC day: the distribution of its tweets' compound scores, how much its hourly
-- mean sentiment moved (sentiment_volatility: stddev of the hourly means) and how much its price
-- moved (price_volatility: stddev of its one-minute log returns).
WITH tweets AS (
  SELECT
    symbol,
    date,
    count(*) AS tweets,
    avg(compound) AS mean_compound,
    stddev_samp(compound) AS stddev_compound,
    {{ quantile('compound', 0.5) }} AS p50_compound,
    {{ quantile('compound', 0.95) }} AS p95_compound,
    min(compound) AS min_compound,
    max(compound) AS max_compound
  FROM {{ ref('stg_tweet_symbols') }}
  GROUP BY symbol, date
),
sentiment AS (
  SELECT symbol, date, stddev_samp(mean_compound) AS sentiment_volatility
  FROM {{ ref('sentiment_hourly') }}
  WHERE tweets > 0
  GROUP BY symbol, date
),
price AS (
  SELECT symbol, date, stddev_samp(log_return) AS price_volatility
  FROM {{ ref('stg_minute_returns') }}
  GROUP BY symbol, date
)
SELECT
  coalesce(t.symbol, p.symbol) AS symbol,
  coalesce(t.date, p.date) AS date,
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
LEFT JOIN sentiment s ON s.symbol = t.symbol AND s.date = t.date
FULL OUTER JOIN price p ON p.symbol = t.symbol AND p.date = t.date
