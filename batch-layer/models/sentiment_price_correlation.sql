{{ config(materialized='table', partition_by='date') }}
-- Per symbol per UTC day: Pearson correlation of the hourly mean compound with the same hour's
-- price return and with the next hour's (the day's last hour pairs with the next day's first),
-- over the hours where both exist; *_hours counts them. NULL below two hours or when one side is
-- constant.
WITH hourly AS (
  SELECT symbol, date, hour, mean_compound, price_return
  FROM {{ ref('sentiment_hourly') }}
),
paired AS (
  SELECT h.symbol, h.date, h.mean_compound, h.price_return, n.price_return AS next_return
  FROM hourly h
  LEFT JOIN hourly n ON n.symbol = h.symbol AND n.hour = h.hour + INTERVAL 1 HOUR
  WHERE h.mean_compound IS NOT NULL
)
SELECT
  symbol,
  date,
  count(price_return) AS same_hour_hours,
  {{ pearson('mean_compound', 'price_return') }} AS corr_same_hour,
  count(next_return) AS next_hour_hours,
  {{ pearson('mean_compound', 'next_return') }} AS corr_next_hour
FROM paired
GROUP BY symbol, date
