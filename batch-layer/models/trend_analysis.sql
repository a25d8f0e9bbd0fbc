{{ config(materialized='table', partition_by='date') }}
-- Per (tweet, symbol): its compound and moving_avg_10, the mean compound of that tweet and the
-- nine of the symbol before it, ordered by event time then tweet id. The window looks back no
-- further than the start of the previous UTC day (window_tweets says how many it averaged), so a
-- day's figures depend on two days of bronze, whichever dates a run covers.
-- Written out as the nine rows before (lag) rather than a ROWS frame, because the frame is cut at
-- the previous day, per row: one ordering of the symbol's tweets serves every day, where a frame
-- would need each tweet once per day it can be context for. Summed oldest first.
WITH ordered AS (
  SELECT
    symbol,
    id,
    created_at,
    compound,
    date,
    lag(compound, 9) OVER by_time AS c9,
    lag(date, 9) OVER by_time AS d9,
    lag(compound, 8) OVER by_time AS c8,
    lag(date, 8) OVER by_time AS d8,
    lag(compound, 7) OVER by_time AS c7,
    lag(date, 7) OVER by_time AS d7,
    lag(compound, 6) OVER by_time AS c6,
    lag(date, 6) OVER by_time AS d6,
    lag(compound, 5) OVER by_time AS c5,
    lag(date, 5) OVER by_time AS d5,
    lag(compound, 4) OVER by_time AS c4,
    lag(date, 4) OVER by_time AS d4,
    lag(compound, 3) OVER by_time AS c3,
    lag(date, 3) OVER by_time AS d3,
    lag(compound, 2) OVER by_time AS c2,
    lag(date, 2) OVER by_time AS d2,
    lag(compound, 1) OVER by_time AS c1,
    lag(date, 1) OVER by_time AS d1
  FROM {{ ref('stg_tweet_symbols') }}
  WINDOW by_time AS (PARTITION BY symbol ORDER BY created_at, id)
)
SELECT
  symbol,
  date,
  created_at,
  id,
  compound,
  (0
    + CASE WHEN d9 >= {{ add_days('date', -1) }} THEN c9 ELSE 0 END
    + CASE WHEN d8 >= {{ add_days('date', -1) }} THEN c8 ELSE 0 END
    + CASE WHEN d7 >= {{ add_days('date', -1) }} THEN c7 ELSE 0 END
    + CASE WHEN d6 >= {{ add_days('date', -1) }} THEN c6 ELSE 0 END
    + CASE WHEN d5 >= {{ add_days('date', -1) }} THEN c5 ELSE 0 END
    + CASE WHEN d4 >= {{ add_days('date', -1) }} THEN c4 ELSE 0 END
    + CASE WHEN d3 >= {{ add_days('date', -1) }} THEN c3 ELSE 0 END
    + CASE WHEN d2 >= {{ add_days('date', -1) }} THEN c2 ELSE 0 END
    + CASE WHEN d1 >= {{ add_days('date', -1) }} THEN c1 ELSE 0 END
    + compound) / (1
    + CASE WHEN d9 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d8 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d7 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d6 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d5 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d4 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d3 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d2 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d1 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
  ) AS moving_avg_10,
  CAST(1
    + CASE WHEN d9 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d8 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d7 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d6 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d5 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d4 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d3 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d2 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
    + CASE WHEN d1 >= {{ add_days('date', -1) }} THEN 1 ELSE 0 END
  AS BIGINT) AS window_tweets
FROM ordered
