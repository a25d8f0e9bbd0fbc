{{ config(materialized='table', partition_by='date') }}
-- Per (tweet, symbol): its compound and moving_avg_10, the mean compound of that tweet and the
-- nine of the symbol before it, ordered by event time then tweet id. The window looks back no
-- further than the start of the previous UTC day (window_tweets says how many it averaged), so a
-- day's figures depend on two days of bronze, whichever dates a run covers: each tweet is counted
-- once for its own day and once as context for the next.
WITH framed AS (
  SELECT s.symbol, s.id, s.created_at, s.compound, s.date, {{ add_days('s.date', 'k.days') }} AS frame_date
  FROM {{ ref('stg_tweet_symbols') }} s
  CROSS JOIN (VALUES (0), (1)) AS k(days)
),
averaged AS (
  SELECT
    symbol,
    id,
    created_at,
    compound,
    date,
    frame_date,
    avg(compound) OVER last_ten AS moving_avg_10,
    count(*) OVER last_ten AS window_tweets
  FROM framed
  WINDOW last_ten AS (
    PARTITION BY symbol, frame_date ORDER BY created_at, id ROWS BETWEEN 9 PRECEDING AND CURRENT ROW
  )
)
SELECT symbol, date, created_at, id, compound, moving_avg_10, window_tweets
FROM averaged
WHERE date = frame_date
