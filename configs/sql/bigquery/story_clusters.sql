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
ranked AS (
    SELECT
        m.*,
        ROW_NUMBER() OVER (PARTITION BY m.cluster_id
                           ORDER BY IF(m.title IS NULL, 1, 0), m.seen_at, m.article_id) AS title_rank,
        ROW_NUMBER() OVER (PARTITION BY m.cluster_id
                           ORDER BY IF(m.is_security AND m.primary_category IS NOT NULL, 0, 1),
                                    m.seen_at, m.article_id) AS category_rank,
        ROW_NUMBER() OVER (PARTITION BY m.cluster_id
                           ORDER BY IF(m.primary_place IS NULL, 1, 0), m.seen_at, m.article_id) AS place_rank
    FROM members AS m
),
clusters AS (
    SELECT
        r.cluster_id,
        COUNT(*) AS stories,
        COUNTIF(r.is_security) AS security_stories,
        COUNT(DISTINCT r.source) AS outlets,
        ARRAY_AGG(DISTINCT r.source ORDER BY r.source) AS sources,
        MIN(r.seen_at) AS first_seen,
        MAX(r.seen_at) AS last_seen,
        MIN(r.`date`) AS first_date,
        MAX(IF(r.title_rank = 1, r.title, NULL)) AS title,
        LOGICAL_OR(r.is_security) AS is_security,
        MAX(IF(r.category_rank = 1 AND r.is_security, r.primary_category, NULL)) AS primary_category,
        MAX(IF(r.place_rank = 1, r.primary_place, NULL)) AS primary_place
    FROM ranked AS r
    GROUP BY r.cluster_id
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
