-- security_weekly: per ISO week (Monday to Sunday, of Moroccan days:
-- stories_current.date), the Arabic stories, the security stories among them
-- and their share, with a row for EVERY week from the week of the first
-- Arabic story to the current week (today in Morocco), zeros included.
--
-- share = security_stories / arabic_stories, NULL in a week without Arabic
-- stories. complete = the week has ended (its Sunday is before today); the
-- current week is incomplete and its counts still grow.
-- The casablanca_offsets placeholder: see stories_current.sql (DuckDB's ICU is wrong after 2026-09).
CREATE OR REPLACE VIEW security_weekly AS
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
counts AS (
    SELECT
        CAST(date_trunc('week', date) AS DATE) AS week_start,
        count(*) AS arabic_stories,
        count(*) FILTER (WHERE is_security) AS security_stories
    FROM stories_current
    WHERE language = 'ar'
    GROUP BY ALL
),
weeks AS (
    SELECT CAST(unnest(generate_series(
        CAST(b.first_week AS TIMESTAMP),
        CAST(greatest(b.last_week, date_trunc('week', t.today)) AS TIMESTAMP),
        INTERVAL 7 DAY
    )) AS DATE) AS week_start, t.today
    FROM (SELECT min(week_start) AS first_week, max(week_start) AS last_week FROM counts) AS b, today AS t
    WHERE b.first_week IS NOT NULL
)
SELECT
    CAST(isoyear(w.week_start) AS BIGINT) AS iso_year,
    CAST(week(w.week_start) AS BIGINT) AS iso_week,
    w.week_start,
    COALESCE(c.security_stories, 0) AS security_stories,
    COALESCE(c.arabic_stories, 0) AS arabic_stories,
    c.security_stories / NULLIF(c.arabic_stories, 0) AS share,
    w.week_start + 6 < w.today AS complete
FROM weeks AS w
LEFT JOIN counts AS c USING (week_start)
