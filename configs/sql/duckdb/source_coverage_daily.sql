-- source_coverage_daily: stories ingested and errors per source and Moroccan
-- day, with a row for EVERY day from the source's first day to the last day
-- seen in the warehouse, so a day without stories shows as a 0 row (a gap)
-- and a source that went silent shows trailing zeros.
--
-- Days: for stories, stories_current.date (Africa/Casablanca day of
-- COALESCE(published_at, fetched_at)); for errors, the Africa/Casablanca day of
-- errors.at. Error days outside the story range still get their own rows so no
-- error is lost. Errors without a source are not counted.
-- The casablanca_offsets placeholder: see stories_current.sql (DuckDB's ICU is wrong after 2026-09).
CREATE OR REPLACE VIEW source_coverage_daily AS
WITH tz(starts, ends, offset_hours) AS (
    VALUES {casablanca_offsets}
),
story_days AS (
    SELECT source, date, count(*) AS stories
    FROM stories_current
    GROUP BY ALL
),
error_days AS (
    SELECT
        e.source,
        CAST(timezone('UTC', e."at") + to_hours(COALESCE(tz.offset_hours, 1)) AS DATE) AS date,
        count(*) AS errors
    FROM errors AS e
    LEFT JOIN tz ON e."at" >= tz.starts AND e."at" < tz.ends
    WHERE e.source IS NOT NULL
    GROUP BY ALL
),
firsts AS (
    SELECT source, min(date) AS first_day
    FROM (
        SELECT source, date FROM story_days
        UNION ALL
        SELECT source, date FROM error_days
        WHERE source NOT IN (SELECT source FROM story_days)
    )
    GROUP BY source
),
last_day AS (
    SELECT COALESCE(
        (SELECT max(date) FROM story_days),
        (SELECT max(date) FROM error_days)
    ) AS last_day
),
grid AS (
    SELECT
        f.source,
        CAST(unnest(generate_series(
            CAST(f.first_day AS TIMESTAMP),
            CAST(greatest(f.first_day, l.last_day) AS TIMESTAMP),
            INTERVAL 1 DAY
        )) AS DATE) AS date
    FROM firsts AS f, last_day AS l
),
keys AS (
    SELECT source, date FROM grid
    UNION
    SELECT source, date FROM error_days
)
SELECT
    k.source,
    k.date,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM keys AS k
LEFT JOIN story_days AS sd USING (source, date)
LEFT JOIN error_days AS ed USING (source, date)
