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
CREATE OR REPLACE VIEW story_clusters AS
WITH members AS (
    SELECT
        COALESCE(s.cluster_id, s.article_id) AS cluster_id,
        s.article_id,
        s.source,
        s.title,
        s.date,
        COALESCE(s.published_at, s.fetched_at) AS seen_at,
        COALESCE(s.is_security, FALSE) AS is_security,
        s.primary_category,
        s.primary_place
    FROM stories_current AS s
),
clusters AS (
    SELECT
        m.cluster_id,
        count(*) AS stories,
        count(*) FILTER (WHERE m.is_security) AS security_stories,
        count(DISTINCT m.source) AS outlets,
        list_sort(list_distinct(list(m.source))) AS sources,
        min(m.seen_at) AS first_seen,
        max(m.seen_at) AS last_seen,
        min(m.date) AS first_date,
        first(m.title ORDER BY m.seen_at, m.article_id) FILTER (WHERE m.title IS NOT NULL) AS title,
        bool_or(m.is_security) AS is_security,
        first(m.primary_category ORDER BY m.seen_at, m.article_id)
            FILTER (WHERE m.is_security AND m.primary_category IS NOT NULL) AS primary_category,
        first(m.primary_place ORDER BY m.seen_at, m.article_id)
            FILTER (WHERE m.primary_place IS NOT NULL) AS primary_place
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
LEFT JOIN places AS p ON p.place = c.primary_place
