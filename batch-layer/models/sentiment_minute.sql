{{ config(materialized='table', partition_by='date') }}
-- Per symbol per minute [minute, minute + 1 min) with tweets or ticks: the batch twin of the speed
-- view sentiment_by_minute, read by the API for the buckets before the horizon. Counts and sums,
-- never means, so that every coarser bucket (5m, 1h, 1d) is re-aggregated from it exactly; the
-- minute's candle joined on.
WITH tweets AS (
  SELECT
    symbol,
    date_trunc('minute', created_at) AS minute,
    count(*) AS tweet_count,
    sum(CASE WHEN label = 'positive' THEN 1 ELSE 0 END) AS positive_count,
    sum(CASE WHEN label = 'neutral' THEN 1 ELSE 0 END) AS neutral_count,
    sum(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS negative_count,
    sum(compound) AS compound_sum,
    min(compound) AS compound_min,
    max(compound) AS compound_max
  FROM {{ ref('stg_tweet_symbols') }}
  GROUP BY symbol, date_trunc('minute', created_at)
)
SELECT
  coalesce(t.symbol, c.symbol) AS symbol,
  CAST(coalesce(t.minute, c.minute) AS DATE) AS date,
  coalesce(t.minute, c.minute) AS minute,
  CAST(coalesce(t.tweet_count, 0) AS BIGINT) AS tweet_count,
  CAST(coalesce(t.positive_count, 0) AS BIGINT) AS positive_count,
  CAST(coalesce(t.neutral_count, 0) AS BIGINT) AS neutral_count,
  CAST(coalesce(t.negative_count, 0) AS BIGINT) AS negative_count,
  CAST(coalesce(t.compound_sum, 0) AS DOUBLE) AS compound_sum,
  t.compound_min,
  t.compound_max,
  CAST(coalesce(c.trade_count, 0) AS BIGINT) AS tick_count,
  c.open_price,
  c.high_price,
  c.low_price,
  c.close_price,
  c.volume
FROM tweets t
FULL OUTER JOIN {{ ref('candles_1m') }} c ON t.symbol = c.symbol AND t.minute = c.minute
