-- story_clusters: one row per near-duplicate cluster (the copies of one story
-- by several outlets; transforms/clusters.py). A story without a cluster_id
-- (written before clustering existed) is a cluster of its own.
--
-- stories = stories in the cluster; security_stories = those labelled security;
-- outlets = distinct sources, listed in `sources`; first_seen / last_seen =
-- earliest / latest COALESCE(published_at, fetched_at) (UTC); first_date =
-- the Moroccan day of the first story (stories_current.date).
-- title = the first story's title; is_security = any story is security;
-- primary_category = the first security story's category; primary_place =
-- the first story's that names a place ("first": by time, then article_id);
-- region from the `places` dimension.
CREATE OR REPLACE VIEW `{project}.{dataset}.story_clusters` AS
WITH members AS (
    SELECT
        COALESCE(s.cluster_id, s.article_id) AS cluster_id,
        s.article_id,
        s.source,
        s.title,
        s.`date`,
        COALESCE(s.published_at, s.fetched_at) AS seen_at,
        COALESCE(s.is_security, FALSE) AS is_security,
        s.primary_category,
        s.primary_place
    FROM `{project}.{dataset}.stories_current` AS s
),
clusters AS (
    SELECT
        m.cluster_id,
        COUNT(*) AS stories,
        COUNTIF(m.is_security) AS security_stories,
        COUNT(DISTINCT m.source) AS outlets,
        ARRAY_AGG(DISTINCT m.source ORDER BY m.source) AS sources,
        MIN(m.seen_at) AS first_seen,
        MAX(m.seen_at) AS last_seen,
        MIN(m.`date`) AS first_date,
        ARRAY_AGG(m.title IGNORE NULLS ORDER BY m.seen_at, m.article_id LIMIT 1)[SAFE_OFFSET(0)] AS title,
        LOGICAL_OR(m.is_security) AS is_security,
        ARRAY_AGG(IF(m.is_security, m.primary_category, NULL) IGNORE NULLS
                  ORDER BY m.seen_at, m.article_id LIMIT 1)[SAFE_OFFSET(0)] AS primary_category,
        ARRAY_AGG(m.primary_place IGNORE NULLS ORDER BY m.seen_at, m.article_id LIMIT 1)[SAFE_OFFSET(0)]
            AS primary_place
    FROM members AS m
    GROUP BY m.cluster_id
)
SELECT
    c.cluster_id,
    c.stories,
    c.security_stories,
    c.outlets,
    c.sources,
    c.first_seen,
    c.last_seen,
    c.first_date,
    c.title,
    c.is_security,
    c.primary_category,
    c.primary_place,
    p.region
FROM clusters AS c
LEFT JOIN `{project}.{dataset}.places` AS p ON p.place = c.primary_place
