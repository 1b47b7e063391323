-- stories_latest: security stories of the last 30 Moroccan days, counted back
-- from the latest day in the warehouse (not the wall clock), newest first.
-- date = stories_current.date: published_date, else the Africa/Casablanca day of
-- COALESCE(published_at, fetched_at). url is the canonical URL.
CREATE OR REPLACE VIEW `{project}.{dataset}.stories_latest` AS
SELECT
    s.`date`,
    s.published_at,
    s.title,
    s.source,
    s.primary_place,
    s.places,
    s.categories,
    s.matched_terms,
    s.canonical_url AS url
FROM `{project}.{dataset}.stories_current` AS s
WHERE s.is_security
  AND s.`date` > DATE_SUB((SELECT MAX(`date`) FROM `{project}.{dataset}.stories_current`), INTERVAL 30 DAY)
