-- security_by_region_week: per ISO week (of Moroccan days: stories_current.date)
-- and region, the Arabic stories that mention a place of the region and the
-- security stories among them, with a row for EVERY week (from the week of
-- the first Arabic story to the current week, today in Morocco) and EVERY
-- region of the `places` table, zeros included: a trend per region.
--
-- A story counts once per region, however many of the region's places it
-- names (the region's own name included), and once in each region it names.
-- Places the gazetteer does not know have no region and are not counted.
-- region is the canonical Arabic name (places.region), region_latin its
-- Latin name from the gazetteer's region row. share = security_stories /
-- arabic_stories, NULL when the region had no Arabic story that week.
-- The casablanca_offsets placeholder: see stories_current.sql (DuckDB's ICU is wrong after 2026-09).
CREATE OR REPLACE VIEW security_by_region_week AS
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
story_regions AS (
    SELECT DISTINCT s.article_id, s.date, s.is_security, d.region
    FROM stories_current AS s,
         unnest(s.places) AS p(place)
    JOIN places AS d ON d.place = p.place
    WHERE s.language = 'ar' AND d.region IS NOT NULL
),
counts AS (
    SELECT
        CAST(date_trunc('week', date) AS DATE) AS week_start,
        region,
        count(*) AS arabic_stories,
        count(*) FILTER (WHERE is_security) AS security_stories
    FROM story_regions
    GROUP BY ALL
),
bounds AS (
    SELECT
        CAST(date_trunc('week', min(date)) AS DATE) AS first_week,
        CAST(date_trunc('week', max(date)) AS DATE) AS last_week
    FROM stories_current
    WHERE language = 'ar'
),
weeks AS (
    SELECT CAST(unnest(generate_series(
        CAST(b.first_week AS TIMESTAMP),
        CAST(greatest(b.last_week, date_trunc('week', t.today)) AS TIMESTAMP),
        INTERVAL 7 DAY
    )) AS DATE) AS week_start
    FROM bounds AS b, today AS t
    WHERE b.first_week IS NOT NULL
),
regions AS (
    SELECT DISTINCT region FROM places WHERE region IS NOT NULL
),
region_names AS (
    SELECT place AS region, any_value(name_latin) AS region_latin
    FROM places
    WHERE kind = 'region'
    GROUP BY place
)
SELECT
    CAST(isoyear(w.week_start) AS BIGINT) AS iso_year,
    CAST(week(w.week_start) AS BIGINT) AS iso_week,
    w.week_start,
    r.region,
    n.region_latin,
    COALESCE(c.security_stories, 0) AS security_stories,
    COALESCE(c.arabic_stories, 0) AS arabic_stories,
    c.security_stories / NULLIF(c.arabic_stories, 0) AS share
FROM weeks AS w
CROSS JOIN regions AS r
LEFT JOIN counts AS c ON c.week_start = w.week_start AND c.region = r.region
LEFT JOIN region_names AS n ON n.region = r.region
