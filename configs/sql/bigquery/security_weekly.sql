-- security_weekly: per ISO week (Monday to Sunday, of Moroccan days:
-- stories_current.date), the Arabic stories, the security stories among them
-- and their share, with a row for EVERY week from the week of the first
-- Arabic story to the current week (today in Morocco), zeros included.
--
-- share = security_stories / arabic_stories, NULL in a week without Arabic
-- stories. complete = the week has ended (its Sunday is before today); the
-- current week is incomplete and its counts still grow.
-- Mondays are computed from DAYOFWEEK (Sunday = 1) rather than
-- DATE_TRUNC(d, ISOWEEK): the same day in BigQuery, and the BigQuery
-- emulator the tests run on rejects ISOWEEK there.
CREATE OR REPLACE VIEW `{project}.{dataset}.security_weekly` AS
WITH counts AS (
    SELECT
        DATE_SUB(`date`, INTERVAL MOD(EXTRACT(DAYOFWEEK FROM `date`) + 5, 7) DAY) AS week_start,
        COUNT(*) AS arabic_stories,
        COUNTIF(is_security) AS security_stories
    FROM `{project}.{dataset}.stories_current`
    WHERE language = 'ar'
    GROUP BY week_start
),
weeks AS (
    SELECT w AS week_start
    FROM (SELECT MIN(week_start) AS first_week, MAX(week_start) AS last_week FROM counts) AS b
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(
        b.first_week,
        GREATEST(b.last_week, DATE_SUB(CURRENT_DATE('Africa/Casablanca'), INTERVAL MOD(EXTRACT(DAYOFWEEK FROM CURRENT_DATE('Africa/Casablanca')) + 5, 7) DAY)),
        INTERVAL 7 DAY)) AS w
    WHERE b.first_week IS NOT NULL
)
SELECT
    EXTRACT(ISOYEAR FROM w.week_start) AS iso_year,
    EXTRACT(ISOWEEK FROM w.week_start) AS iso_week,
    w.week_start,
    COALESCE(c.security_stories, 0) AS security_stories,
    COALESCE(c.arabic_stories, 0) AS arabic_stories,
    SAFE_DIVIDE(c.security_stories, c.arabic_stories) AS share,
    DATE_ADD(w.week_start, INTERVAL 6 DAY) < CURRENT_DATE('Africa/Casablanca') AS complete
FROM weeks AS w
LEFT JOIN counts AS c USING (week_start)
