-- security_daily: per Moroccan day (see stories_current for how `date` is
-- derived: published_date, else the Africa/Casablanca day of
-- COALESCE(published_at, fetched_at)) and security category, the number of
-- security stories.
--
-- category is the story's primary_category ('unspecified' when a security
-- story has none), so per-category rows of a day add up to the day's total.
-- An extra row with category = 'ALL' per day that has any Arabic story holds
-- all security stories of the day (0 included); do not sum it with the others.
-- arabic_stories = Arabic stories that day (language = 'ar'), the same on every
-- row of a day; share = security_stories / arabic_stories.
CREATE OR REPLACE VIEW security_daily AS
WITH arabic AS (
    SELECT
        date,
        count(*) AS arabic_stories,
        count(*) FILTER (WHERE is_security) AS security_stories
    FROM stories_current
    WHERE language = 'ar'
    GROUP BY date
),
by_category AS (
    SELECT
        date,
        COALESCE(primary_category, 'unspecified') AS category,
        count(*) AS security_stories
    FROM stories_current
    WHERE language = 'ar' AND is_security
    GROUP BY ALL
)
SELECT
    a.date,
    'ALL' AS category,
    a.security_stories,
    a.arabic_stories,
    a.security_stories / a.arabic_stories AS share
FROM arabic AS a
UNION ALL
SELECT
    c.date,
    c.category,
    c.security_stories,
    a.arabic_stories,
    c.security_stories / a.arabic_stories AS share
FROM by_category AS c
JOIN arabic AS a USING (date)
