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
CREATE OR REPLACE VIEW security_incidents_weekly AS
SELECT
    CAST(isoyear(c.first_date) AS BIGINT) AS iso_year,
    CAST(week(c.first_date) AS BIGINT) AS iso_week,
    CAST(date_trunc('week', c.first_date) AS DATE) AS week_start,
    c.region,
    COALESCE(c.primary_category, 'unspecified') AS category,
    count(*) AS incidents,
    CAST(sum(c.security_stories) AS BIGINT) AS articles
FROM story_clusters AS c
WHERE c.is_security
GROUP BY ALL
