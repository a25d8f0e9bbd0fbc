{{ config(materialized='table', partition_by='date') }}
-- Per symbol per hour [hour, hour + 1 h): the tweets' sentiment and the hour's price move. A row
-- for every hour with tweets or ticks of the symbol (tweets = 0 and no sentiment when only ticks).
WITH tweets AS (
  SELECT
    symbol,
    date_trunc('hour', created_at) AS hour,
    count(*) AS tweets,
    avg(compound) AS mean_compound,
    CAST(sum(CASE WHEN label = 'positive' THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS positive_share,
    CAST(sum(CASE WHEN label = 'neutral' THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS neutral_share,
    CAST(sum(CASE WHEN label = 'negative' THEN 1 ELSE 0 END) AS DOUBLE) / count(*) AS negative_share
  FROM {{ ref('stg_tweet_symbols') }}
  GROUP BY symbol, date_trunc('hour', created_at)
),
minutes AS (
  SELECT
    symbol,
    date_trunc('hour', minute) AS hour,
    open_price,
    close_price,
    row_number() OVER (PARTITION BY symbol, date_trunc('hour', minute) ORDER BY minute) AS from_first,
    row_number() OVER (PARTITION BY symbol, date_trunc('hour', minute) ORDER BY minute DESC) AS from_last
  FROM {{ ref('candles_1m') }}
),
prices AS (
  SELECT
    symbol,
    hour,
    max(CASE WHEN from_first = 1 THEN open_price END) AS open_price,
    max(CASE WHEN from_last = 1 THEN close_price END) AS close_price
  FROM minutes
  GROUP BY symbol, hour
)
SELECT
  coalesce(t.symbol, p.symbol) AS symbol,
  CAST(coalesce(t.hour, p.hour) AS DATE) AS date,
  coalesce(t.hour, p.hour) AS hour,
  coalesce(t.tweets, 0) AS tweets,
  t.mean_compound,
  t.positive_share,
  t.neutral_share,
  t.negative_share,
  p.open_price,
  p.close_price,
  p.close_price / p.open_price - 1 AS price_return
FROM tweets t
FULL OUTER JOIN prices p ON t.symbol = p.symbol AND t.hour = p.hour
