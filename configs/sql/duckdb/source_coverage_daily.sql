-- source_coverage_daily: stories ingested and errors per source and Moroccan
-- day, with a row for EVERY day from the source's first day to TODAY (the
-- Moroccan calendar day when the view is queried), zeros included: a day
-- without stories is a 0 row (a gap), and a source that went silent shows
-- zero rows up to today.
--
-- A source's first day is the earliest of
--   * its first story day (stories_current.date), so stories a feed still
--     carried from before the first poll are counted;
--   * the Moroccan day of its earliest fetched_at (the first poll that stored
--     a story of it);
--   * the Moroccan day of its earliest error (a poll that failed).
-- feed_state is not used: it keeps only the last poll of each feed and has no
-- source column. A source never seen in stories or errors has no rows.
-- A source's last row is today, or its last story or error day if that is
-- later (a clock ahead of Morocco's), so no row is lost.
--
-- Days: for stories, stories_current.date (Africa/Casablanca day); for
-- errors and fetches, the Africa/Casablanca day of errors.at and fetched_at.
-- Errors without a source are not counted.
-- The casablanca_offsets placeholder: see stories_current.sql (DuckDB's ICU is wrong after 2026-09).
CREATE OR REPLACE VIEW source_coverage_daily AS
WITH tz(starts, ends, offset_hours) AS (
    VALUES {casablanca_offsets}
),
today AS (
    SELECT CAST(
        timezone('UTC', now())
        + to_hours(COALESCE((SELECT max(offset_hours) FROM tz WHERE now() >= starts AND now() < ends), 1))
        AS DATE
    ) AS today
),
story_days AS (
    SELECT source, date, count(*) AS stories
    FROM stories_current
    GROUP BY ALL
),
first_fetch AS (
    SELECT source, min(fetched_at) AS fetched_at
    FROM stories_current
    GROUP BY source
),
fetch_days AS (
    SELECT
        f.source,
        CAST(timezone('UTC', f.fetched_at) + to_hours(COALESCE(tz.offset_hours, 1)) AS DATE) AS date
    FROM first_fetch AS f
    LEFT JOIN tz ON f.fetched_at >= tz.starts AND f.fetched_at < tz.ends
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
spans AS (
    SELECT source, min(date) AS first_day, max(date) AS last_day
    FROM (
        SELECT source, date FROM story_days
        UNION ALL
        SELECT source, date FROM fetch_days
        UNION ALL
        SELECT source, date FROM error_days
    )
    GROUP BY source
),
grid AS (
    SELECT
        sp.source,
        CAST(unnest(generate_series(
            CAST(sp.first_day AS TIMESTAMP),
            CAST(greatest(sp.last_day, t.today) AS TIMESTAMP),
            INTERVAL 1 DAY
        )) AS DATE) AS date
    FROM spans AS sp, today AS t
)
SELECT
    g.source,
    g.date,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM grid AS g
LEFT JOIN story_days AS sd USING (source, date)
LEFT JOIN error_days AS ed USING (source, date)
