-- stories_current: exactly one row per article_id, the latest write
-- (by fetched_at, then run_id), plus `date`, the story's calendar day.
-- BigQuery writes are at-least-once, so the raw table can hold duplicates:
-- every analyst view reads from this one, never from the raw table.
--
-- date = published_date, the day the page states (in its own zone), when known;
-- else the Africa/Casablanca calendar day of COALESCE(published_at, fetched_at)
-- (published_at without published_date: rows written before the column existed).
CREATE OR REPLACE VIEW `{project}.{dataset}.stories_current` AS
SELECT
    s.*,
    COALESCE(s.published_date,
             DATE(COALESCE(s.published_at, s.fetched_at), 'Africa/Casablanca')) AS `date`
FROM `{project}.{dataset}.stories` AS s
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (
    PARTITION BY s.article_id
    ORDER BY s.fetched_at DESC, s.run_id DESC
) = 1
