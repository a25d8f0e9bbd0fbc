{{ config(materialized='table', partition_by='date') }}
-- Per symbol per hour: trailing 6-hour and 24-hour moving averages (the hour and the 5 or 23
-- clock hours before it) of the hourly mean compound and of the hourly close, each the plain mean
-- over the hours in the window that have a value.
WITH hourly AS (
  SELECT *, CAST({{ epoch_seconds('hour') }} / 3600 AS BIGINT) AS hour_index
  FROM {{ ref('sentiment_hourly') }}
)
SELECT
  symbol,
  date,
  hour,
  mean_compound,
  close_price,
  avg(mean_compound) OVER (PARTITION BY symbol ORDER BY hour_index RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) AS sentiment_ma_6h,
  avg(mean_compound) OVER (PARTITION BY symbol ORDER BY hour_index RANGE BETWEEN 23 PRECEDING AND CURRENT ROW) AS sentiment_ma_24h,
  avg(close_price) OVER (PARTITION BY symbol ORDER BY hour_index RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) AS price_ma_6h,
  avg(close_price) OVER (PARTITION BY symbol ORDER BY hour_index RANGE BETWEEN 23 PRECEDING AND CURRENT ROW) AS price_ma_24h
FROM hourly
