{{ config(materialized='table', partition_by='date', drop_empty_columns=true) }}
-- The seed's "sentiment vs topic per hour": one row per hour, one column per symbol (named by the
-- symbol) holding that hour's mean compound. A day's file has a column for each symbol with
-- tweets that day; read several days with union-by-name.
WITH hourly AS (
  SELECT date, hour, symbol, mean_compound
  FROM {{ ref('sentiment_hourly') }}
  WHERE tweets > 0
)
{{ pivot('hourly', on='symbol', value='mean_compound', group_by='date, hour') }}
