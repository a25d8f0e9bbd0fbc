{{ config(materialized='view') }}
-- Every tick once: a producer retry repeats a tick with all its values, so identical rows are one.
SELECT DISTINCT
  symbol,
  {{ utc_timestamp('trade_timestamp') }} AS trade_timestamp,
  open_price,
  high_price,
  low_price,
  close_price,
  volume
FROM {{ source('bronze_ticks') }}
