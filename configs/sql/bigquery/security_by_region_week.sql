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
-- Mondays are computed from DAYOFWEEK (Sunday = 1) rather than
-- DATE_TRUNC(d, ISOWEEK): the same day in BigQuery, and the BigQuery
-- emulator the tests run on rejects ISOWEEK there.
CREATE OR REPLACE VIEW `{project}.{dataset}.security_by_region_week` AS
WITH story_regions AS (
    SELECT DISTINCT s.article_id, s.`date`, s.is_security, d.region
    FROM `{project}.{dataset}.stories_current` AS s
    CROSS JOIN UNNEST(s.places) AS p
    JOIN `{project}.{dataset}.places` AS d ON d.place = p
    WHERE s.language = 'ar' AND d.region IS NOT NULL
),
counts AS (
    SELECT
        DATE_SUB(`date`, INTERVAL MOD(EXTRACT(DAYOFWEEK FROM `date`) + 5, 7) DAY) AS week_start,
        region,
        COUNT(*) AS arabic_stories,
        COUNTIF(is_security) AS security_stories
    FROM story_regions
    GROUP BY week_start, region
),
bounds AS (
    SELECT
        DATE_SUB(MIN(`date`), INTERVAL MOD(EXTRACT(DAYOFWEEK FROM MIN(`date`)) + 5, 7) DAY) AS first_week,
        DATE_SUB(MAX(`date`), INTERVAL MOD(EXTRACT(DAYOFWEEK FROM MAX(`date`)) + 5, 7) DAY) AS last_week
    FROM `{project}.{dataset}.stories_current`
    WHERE language = 'ar'
),
weeks AS (
    SELECT w AS week_start
    FROM bounds AS b
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
        b.first_week,
        GREATEST(b.last_week, DATE_SUB(CURRENT_DATE('Africa/Casablanca'), INTERVAL MOD(EXTRACT(DAYOFWEEK FROM CURRENT_DATE('Africa/Casablanca')) + 5, 7) DAY)),
        INTERVAL 7 DAY)) AS w
    WHERE b.first_week IS NOT NULL
),
regions AS (
    SELECT DISTINCT region FROM `{project}.{dataset}.places` WHERE region IS NOT NULL
),
region_names AS (
    SELECT place AS region, ANY_VALUE(name_latin) AS region_latin
    FROM `{project}.{dataset}.places`
    WHERE kind = 'region'
    GROUP BY place
)
SELECT
    EXTRACT(ISOYEAR FROM w.week_start) AS iso_year,
    EXTRACT(ISOWEEK FROM w.week_start) AS iso_week,
    w.week_start,
    r.region,
    n.region_latin,
    COALESCE(c.security_stories, 0) AS security_stories,
    COALESCE(c.arabic_stories, 0) AS arabic_stories,
    SAFE_DIVIDE(c.security_stories, c.arabic_stories) AS share
FROM weeks AS w
CROSS JOIN regions AS r
LEFT JOIN counts AS c ON c.week_start = w.week_start AND c.region = r.region
LEFT JOIN region_names AS n ON n.region = r.region
