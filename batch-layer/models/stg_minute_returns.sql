{{ config(materialized='view') }}
-- One-minute log returns: ln(close / previous close) between consecutive one-minute candles of a
-- symbol within one UTC day (a day's first candle has none, so a day's figure needs no other day).
SELECT symbol, date, minute, log_return
FROM (
  SELECT
    symbol,
    date,
    minute,
    {{ ln('close_price / lag(close_price) OVER (PARTITION BY symbol, date ORDER BY minute)') }} AS log_return
  FROM {{ ref('candles_1m') }}
) returns
WHERE log_return IS NOT NULL
