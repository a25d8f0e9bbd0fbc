{{ config(materialized='table', partition_by='date') }}
-- OHLCV per symbol per minute [minute, minute + 1 min): open of the first tick, close of the
-- last (by trade time; equal times broken by price so that a rerun picks the same tick).
WITH ranked AS (
  SELECT
    symbol,
    date_trunc('minute', trade_timestamp) AS minute,
    open_price,
    high_price,
    low_price,
    close_price,
    volume,
    row_number() OVER (
      PARTITION BY symbol, date_trunc('minute', trade_timestamp)
      ORDER BY trade_timestamp, open_price, close_price, volume
    ) AS from_first,
    row_number() OVER (
      PARTITION BY symbol, date_trunc('minute', trade_timestamp)
      ORDER BY trade_timestamp DESC, close_price DESC, open_price DESC, volume DESC
    ) AS from_last
  FROM {{ ref('stg_ticks') }}
)
SELECT
  symbol,
  CAST(minute AS DATE) AS date,
  minute,
  max(CASE WHEN from_first = 1 THEN open_price END) AS open_price,
  max(high_price) AS high_price,
  min(low_price) AS low_price,
  max(CASE WHEN from_last = 1 THEN close_price END) AS close_price,
  sum(volume) AS volume,
  count(*) AS trade_count
FROM ranked
GROUP BY symbol, minute
