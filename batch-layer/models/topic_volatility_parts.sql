{{ config(materialized='table', partition_by='date') }}
-- Per symbol per UTC day, the parts the all-time volatilities merge from (count, mean and M2, the
-- sum of squared deviations from the mean): of the hourly mean compounds of the day's hours with
-- tweets (sentiment), and of the one-minute log returns within the day (price). Both series lie
-- within one day, so a day's parts need no other day.
WITH sentiment AS (
  SELECT
    symbol,
    date,
    count(*) AS sentiment_hours,
    avg(mean_compound) AS sentiment_mean,
    var_pop(mean_compound) * count(*) AS sentiment_m2
  FROM {{ ref('sentiment_hourly') }}
  WHERE tweets > 0
  GROUP BY symbol, date
),
price AS (
  SELECT
    symbol,
    date,
    count(*) AS price_returns,
    avg(log_return) AS price_mean,
    var_pop(log_return) * count(*) AS price_m2
  FROM {{ ref('stg_minute_returns') }}
  GROUP BY symbol, date
)
SELECT
  coalesce(s.symbol, p.symbol) AS symbol,
  coalesce(s.date, p.date) AS date,
  coalesce(s.sentiment_hours, 0) AS sentiment_hours,
  s.sentiment_mean,
  s.sentiment_m2,
  coalesce(p.price_returns, 0) AS price_returns,
  p.price_mean,
  p.price_m2
FROM sentiment s
FULL OUTER JOIN price p ON p.symbol = s.symbol AND p.date = s.date
