{{ config(materialized='view') }}
-- One row per (tweet, symbol); a tweet without cashtags has no row here.
SELECT id, created_at, CAST(created_at AS DATE) AS date, compound, label, symbol
FROM (
  SELECT id, created_at, compound, label, {{ explode('symbols') }} AS symbol
  FROM {{ ref('stg_tweets') }}
) exploded
