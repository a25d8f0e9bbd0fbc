{{ config(materialized='table', partition_by='date') }}
-- Per (tweet, symbol): its compound and moving_avg_10, the mean compound of that tweet and the
-- nine of the symbol before it, ordered by event time then tweet id. The window looks back no
-- further than the start of the previous UTC day (window_tweets says how many it averaged), so a
-- day's figures depend on two days of bronze, whichever dates a run covers.
-- How: where the symbol has ten or more tweets from the start of the previous day up to this one,
-- the plain ten-row frame lies inside that span; elsewhere the span holds fewer than ten, and its
-- mean is the previous day's sum plus this day's running sum. Two orderings of the tweets, no copy
-- of a tweet per day it is context for.
WITH ordered AS (
  SELECT
    symbol,
    id,
    created_at,
    compound,
    date,
    avg(compound) OVER (
      PARTITION BY symbol ORDER BY created_at, id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW
    ) AS last_ten_mean,
    sum(compound) OVER (
      PARTITION BY symbol, date ORDER BY created_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS day_sum,
    count(*) OVER (
      PARTITION BY symbol, date ORDER BY created_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS day_tweets
  FROM {{ ref('stg_tweet_symbols') }}
),
days AS (
  SELECT symbol, date, sum(compound) AS total, count(*) AS tweets
  FROM {{ ref('stg_tweet_symbols') }}
  GROUP BY symbol, date
),
spans AS (
  SELECT
    o.*,
    coalesce(p.total, 0) + o.day_sum AS span_sum,
    coalesce(p.tweets, 0) + o.day_tweets AS span_tweets
  FROM ordered o
  LEFT JOIN days p ON p.symbol = o.symbol AND p.date = {{ add_days('o.date', -1) }}
)
SELECT
  symbol,
  date,
  created_at,
  id,
  compound,
  CASE WHEN span_tweets >= 10 THEN last_ten_mean ELSE span_sum / span_tweets END AS moving_avg_10,
  CAST(least(span_tweets, 10) AS BIGINT) AS window_tweets
FROM spans
