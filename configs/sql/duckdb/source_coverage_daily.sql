-- source_coverage_daily: stories ingested and errors per source and Moroccan
-- day, with a row for EVERY day from the source's first poll to TODAY (the
-- Moroccan calendar day when the view is queried), zeros included: a day
-- without stories is a 0 row (a gap), and a source that went silent shows
-- zero rows up to today.
--
-- A source's day grid runs from its FIRST POLL to today: the Moroccan day of the
-- earliest of its first fetch (stories.fetched_at: the first poll that stored a
-- story of it) and its first error (errors.at: a poll that failed). A story
-- dated before the first poll (a feed's back catalogue, or one backdated story
-- published in 2019) gets its own row on its day, but the days between it and
-- the first poll are not filled with zeros: they were never watched, and
-- zero rows there would read as years of silence. The same holds after the
-- grid's end (today, or the last poll day if a clock is ahead of Morocco's)
-- for a story dated in the future. So no story or error is lost, and every
-- day a source was watched has a row. A source with stories but no fetch
-- time starts at its first story day.
-- feed_state is not used: it keeps only the last poll of each feed and has no
-- source column. A source never seen in stories or errors has no rows.
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
fetch_span AS (
    SELECT source, min(fetched_at) AS first_at, max(fetched_at) AS last_at
    FROM stories
    WHERE fetched_at IS NOT NULL
    GROUP BY source
),
fetch_days AS (
    SELECT
        f.source,
        CAST(timezone('UTC', f.at) + to_hours(COALESCE(tz.offset_hours, 1)) AS DATE) AS date
    FROM (SELECT source, first_at AS at FROM fetch_span UNION ALL SELECT source, last_at FROM fetch_span) AS f
    LEFT JOIN tz ON f.at >= tz.starts AND f.at < tz.ends
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
    -- the watched span: first to last poll day (story days only for a source never polled)
    SELECT
        source,
        COALESCE(min(date) FILTER (WHERE poll), min(date)) AS first_day,
        COALESCE(max(date) FILTER (WHERE poll), max(date)) AS last_day
    FROM (
        SELECT source, date, false AS poll FROM story_days
        UNION ALL
        SELECT source, date, true FROM fetch_days
        UNION ALL
        SELECT source, date, true FROM error_days
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
    UNION
    -- story days outside the watched span: their own rows, no zero days around them
    SELECT sd.source, sd.date
    FROM story_days AS sd
    JOIN spans AS sp USING (source)
    CROSS JOIN today AS t
    WHERE sd.date < sp.first_day OR sd.date > greatest(sp.last_day, t.today)
)
SELECT
    g.source,
    g.date,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM grid AS g
LEFT JOIN story_days AS sd USING (source, date)
LEFT JOIN error_days AS ed USING (source, date)
