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
CREATE OR REPLACE VIEW `{project}.{dataset}.source_coverage_daily` AS
WITH story_days AS (
    SELECT source, `date`, COUNT(*) AS stories
    FROM `{project}.{dataset}.stories_current`
    GROUP BY source, `date`
),
fetch_days AS (
    SELECT source, DATE(MIN(fetched_at), 'Africa/Casablanca') AS `date`
    FROM `{project}.{dataset}.stories_current`
    GROUP BY source
),
error_days AS (
    SELECT source, DATE(`at`, 'Africa/Casablanca') AS `date`, COUNT(*) AS errors
    FROM `{project}.{dataset}.errors`
    WHERE source IS NOT NULL
    GROUP BY source, `date`
),
spans AS (
    SELECT source, MIN(`date`) AS first_day, MAX(`date`) AS last_day
    FROM (
        SELECT source, `date` FROM story_days
        UNION ALL
        SELECT source, `date` FROM fetch_days
        UNION ALL
        SELECT source, `date` FROM error_days
    )
    GROUP BY source
),
grid AS (
    SELECT sp.source, d AS `date`
    FROM spans AS sp
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
        sp.first_day, GREATEST(sp.last_day, CURRENT_DATE('Africa/Casablanca')))) AS d
)
SELECT
    g.source,
    g.`date`,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM grid AS g
LEFT JOIN story_days AS sd USING (source, `date`)
LEFT JOIN error_days AS ed USING (source, `date`)
