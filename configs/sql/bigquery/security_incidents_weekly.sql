-- security_incidents_weekly: security incidents (near-duplicate clusters with at
-- least one security story, see story_clusters) and their security articles,
-- per ISO week, region and category.
--
-- Each incident counts once, in the week of its first story's Moroccan day
-- (story_clusters.first_date; week_start is the Monday), the region of its
-- primary place (NULL: no known place) and its primary category
-- ('unspecified' when its security stories have none). articles = the
-- incident's security stories (every copy by every outlet), counted with the
-- incident. Rows are disjoint: add them up over regions or categories freely.
-- Mondays are computed from DAYOFWEEK (Sunday = 1) rather than
-- DATE_TRUNC(d, ISOWEEK): the same day in BigQuery, and the BigQuery
-- emulator the tests run on rejects ISOWEEK there.
CREATE OR REPLACE VIEW `{project}.{dataset}.security_incidents_weekly` AS
WITH incidents AS (
    SELECT
        DATE_SUB(c.first_date, INTERVAL MOD(EXTRACT(DAYOFWEEK FROM c.first_date) + 5, 7) DAY) AS week_start,
        c.region,
        COALESCE(c.primary_category, 'unspecified') AS category,
        c.security_stories
    FROM `{project}.{dataset}.story_clusters` AS c
    WHERE c.is_security
)
SELECT
    EXTRACT(ISOYEAR FROM i.week_start) AS iso_year,
    EXTRACT(ISOWEEK FROM i.week_start) AS iso_week,
    i.week_start,
    i.region,
    i.category,
    COUNT(*) AS incidents,
    SUM(i.security_stories) AS articles
FROM incidents AS i
GROUP BY iso_year, iso_week, i.week_start, i.region, i.category
