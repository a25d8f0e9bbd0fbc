{{ config(materialized='view') }}
-- Every tweet once: a producer retry can put the same tweet id in bronze twice; the copy read
-- first from the log (lowest partition, then offset) stands for it.
SELECT id, created_at, symbols, compound, label
FROM (
  SELECT
    id,
    {{ utc_timestamp('created_at') }} AS created_at,
    symbols,
    compound,
    label,
    row_number() OVER (PARTITION BY id ORDER BY source_partition, source_offset) AS copy_rank
  FROM {{ source('bronze_tweets') }}
) copies
WHERE copy_rank = 1
