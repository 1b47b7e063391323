-- security_daily: per day (stories_current.date: published_date, else the
-- Africa/Casablanca day of COALESCE(published_at, fetched_at)) and security category, the
-- number of security stories.
--
-- category is the story's primary_category ('unspecified' when a security
-- story has none), so per-category rows of a day add up to the day's total.
-- An extra row with category = 'ALL' per day that has any Arabic story holds
-- all security stories of the day (0 included); do not sum it with the others.
-- arabic_stories = Arabic stories that day (language = 'ar');
-- share = security_stories / arabic_stories.
CREATE OR REPLACE VIEW `{project}.{dataset}.security_daily` AS
WITH arabic AS (
    SELECT
        `date`,
        COUNT(*) AS arabic_stories,
        COUNTIF(is_security) AS security_stories
    FROM `{project}.{dataset}.stories_current`
    WHERE language = 'ar'
    GROUP BY `date`
),
by_category AS (
    SELECT
        `date`,
        COALESCE(primary_category, 'unspecified') AS category,
        COUNT(*) AS security_stories
    FROM `{project}.{dataset}.stories_current`
    WHERE language = 'ar' AND is_security
    GROUP BY `date`, category
)
SELECT
    a.`date`,
    'ALL' AS category,
    a.security_stories,
    a.arabic_stories,
    a.security_stories / a.arabic_stories AS share
FROM arabic AS a
UNION ALL
SELECT
    c.`date`,
    c.category,
    c.security_stories,
    a.arabic_stories,
    c.security_stories / a.arabic_stories AS share
FROM by_category AS c
JOIN arabic AS a USING (`date`)
