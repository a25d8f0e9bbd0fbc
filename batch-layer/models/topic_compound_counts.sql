{{ config(materialized='table', partition_by='date') }}
-- Per symbol per UTC day: how many of its tweets had each compound score. VADER rounds compound to
-- four decimals (speed-layer/sentiment/vader.ts), so a day has at most 20,001 rows per symbol.
-- Counts merge exactly across days: topic_statistics_all_time takes its count, mean, stddev,
-- exact quantiles, min and max from the sum of these over every day, not from bronze.
SELECT symbol, date, compound, count(*) AS tweets
FROM {{ ref('stg_tweet_symbols') }}
GROUP BY symbol, date, compound
