-- stories_current: exactly one row per article_id, the latest write
-- (by fetched_at, then run_id), plus `date`, the story's calendar day.
--
-- date = published_date, the day the page states (in its own zone), when known;
-- else the Africa/Casablanca calendar day of COALESCE(published_at, fetched_at)
-- (published_at without published_date: rows written before the column existed).
-- Morocco is UTC+1 except during Ramadan (UTC+0) and, before 2018, in winter.
-- DuckDB 2.0's bundled ICU data gets Africa/Casablanca wrong after 2026-09
-- (it returns UTC+0 for every later date), so we do not call timezone() here:
-- the casablanca_offsets placeholder is filled by pipeline/sql.py from Python's tz database
-- with the UTC periods whose offset is not +1 h; every other instant is UTC+1.
-- All analyst views read from this view, never from the raw table.
CREATE OR REPLACE VIEW stories_current AS
WITH ranked AS (
    SELECT
        s.*,
        row_number() OVER (
            PARTITION BY s.article_id
            ORDER BY s.fetched_at DESC, s.run_id DESC
        ) AS _rank
    FROM stories AS s
),
tz(starts, ends, offset_hours) AS (
    VALUES {casablanca_offsets}
)
SELECT
    r.* EXCLUDE (_rank),
    COALESCE(
        r.published_date,
        CAST(
            timezone('UTC', COALESCE(r.published_at, r.fetched_at))
            + to_hours(COALESCE(tz.offset_hours, 1))
            AS DATE
        )
    ) AS date
FROM ranked AS r
LEFT JOIN tz
    ON COALESCE(r.published_at, r.fetched_at) >= tz.starts
   AND COALESCE(r.published_at, r.fetched_at) < tz.ends
WHERE r._rank = 1
