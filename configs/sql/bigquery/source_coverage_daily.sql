-- source_coverage_daily: stories ingested and errors per source and Moroccan
-- day, with a row for EVERY day from the source's first day to the last day
-- seen in the warehouse, so a day without stories shows as a 0 row (a gap)
-- and a source that went silent shows trailing zeros.
--
-- Days: for stories, stories_current.date (Africa/Casablanca day of
-- COALESCE(published_at, fetched_at)); for errors, the Africa/Casablanca day of
-- errors.at. Error days outside the story range still get their own rows so no
-- error is lost. Errors without a source are not counted.
CREATE OR REPLACE VIEW `{project}.{dataset}.source_coverage_daily` AS
WITH story_days AS (
    SELECT source, `date`, COUNT(*) AS stories
    FROM `{project}.{dataset}.stories_current`
    GROUP BY source, `date`
),
error_days AS (
    SELECT source, DATE(`at`, 'Africa/Casablanca') AS `date`, COUNT(*) AS errors
    FROM `{project}.{dataset}.errors`
    WHERE source IS NOT NULL
    GROUP BY source, `date`
),
firsts AS (
    SELECT source, MIN(`date`) AS first_day
    FROM (
        SELECT source, `date` FROM story_days
        UNION ALL
        SELECT source, `date` FROM error_days
        WHERE source NOT IN (SELECT source FROM story_days)
    )
    GROUP BY source
),
last_day AS (
    SELECT COALESCE(
        (SELECT MAX(`date`) FROM story_days),
        (SELECT MAX(`date`) FROM error_days)
    ) AS last_day
),
grid AS (
    SELECT f.source, d AS `date`
    FROM firsts AS f
    CROSS JOIN last_day AS l
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(f.first_day, GREATEST(f.first_day, l.last_day))) AS d
),
keys AS (
    SELECT source, `date` FROM grid
    UNION DISTINCT
    SELECT source, `date` FROM error_days
)
SELECT
    k.source,
    k.`date`,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM keys AS k
LEFT JOIN story_days AS sd USING (source, `date`)
LEFT JOIN error_days AS ed USING (source, `date`)
