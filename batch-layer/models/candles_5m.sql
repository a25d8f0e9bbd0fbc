{{ config(materialized='table', partition_by='date') }}
-- OHLCV per symbol per five minutes [bucket, bucket + 5 min), from the one-minute candles.
-- trade_count is cast back to BIGINT: DuckDB sums BIGINTs to a HUGEINT, which Parquet gets as a double.
WITH minutes AS (
  SELECT
    *,
    {{ bucket_start('minute', 300) }} AS bucket,
    row_number() OVER (PARTITION BY symbol, {{ bucket_start('minute', 300) }} ORDER BY minute) AS from_first,
    row_number() OVER (PARTITION BY symbol, {{ bucket_start('minute', 300) }} ORDER BY minute DESC) AS from_last
  FROM {{ ref('candles_1m') }}
)
SELECT
  symbol,
  CAST(bucket AS DATE) AS date,
  bucket AS minute,
  max(CASE WHEN from_first = 1 THEN open_price END) AS open_price,
  max(high_price) AS high_price,
  min(low_price) AS low_price,
  max(CASE WHEN from_last = 1 THEN close_price END) AS close_price,
  sum(volume) AS volume,
  CAST(sum(trade_count) AS BIGINT) AS trade_count
FROM minutes
GROUP BY symbol, bucket
