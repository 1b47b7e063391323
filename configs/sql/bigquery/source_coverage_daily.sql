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
CREATE OR REPLACE VIEW `{project}.{dataset}.source_coverage_daily` AS
WITH story_days AS (
    SELECT source, `date`, COUNT(*) AS stories
    FROM `{project}.{dataset}.stories_current`
    GROUP BY source, `date`
),
fetch_days AS (
    SELECT source, DATE(fetched_at, 'Africa/Casablanca') AS `date`
    FROM `{project}.{dataset}.stories`
    WHERE fetched_at IS NOT NULL
    GROUP BY source, `date`
),
error_days AS (
    SELECT source, DATE(`at`, 'Africa/Casablanca') AS `date`, COUNT(*) AS errors
    FROM `{project}.{dataset}.errors`
    WHERE source IS NOT NULL
    GROUP BY source, `date`
),
spans AS (
    -- the watched span: first to last poll day (story days only for a source never polled)
    SELECT
        source,
        COALESCE(MIN(IF(poll, `date`, NULL)), MIN(`date`)) AS first_day,
        COALESCE(MAX(IF(poll, `date`, NULL)), MAX(`date`)) AS last_day
    FROM (
        SELECT source, `date`, FALSE AS poll FROM story_days
        UNION ALL
        SELECT source, `date`, TRUE AS poll FROM fetch_days
        UNION ALL
        SELECT source, `date`, TRUE AS poll FROM error_days
    )
    GROUP BY source
),
grid AS (
    SELECT sp.source, d AS `date`
    FROM spans AS sp
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
        sp.first_day, GREATEST(sp.last_day, CURRENT_DATE('Africa/Casablanca')))) AS d
    UNION DISTINCT
    -- story days outside the watched span: their own rows, no zero days around them
    SELECT sd.source, sd.`date`
    FROM story_days AS sd
    JOIN spans AS sp USING (source)
    WHERE sd.`date` < sp.first_day
        OR sd.`date` > GREATEST(sp.last_day, CURRENT_DATE('Africa/Casablanca'))
)
SELECT
    g.source,
    g.`date`,
    COALESCE(sd.stories, 0) AS stories,
    COALESCE(ed.errors, 0) AS errors
FROM grid AS g
LEFT JOIN story_days AS sd USING (source, `date`)
LEFT JOIN error_days AS ed USING (source, `date`)
