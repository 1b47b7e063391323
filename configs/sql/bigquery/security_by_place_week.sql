-- security_by_place_week: security stories per ISO week and place.
-- A story counts once for every distinct place in its `places` list.
-- The week is that of the story's Moroccan day (stories_current.date:
-- published_date, else the Africa/Casablanca day of COALESCE(published_at, fetched_at));
-- week_start is the Monday. region, lat and lon come from the `places`
-- dimension table (NULL for a place the gazetteer does not know).
-- week_start is computed from DAYOFWEEK (Sunday = 1) rather than
-- DATE_TRUNC(date, ISOWEEK): same Monday in BigQuery, and the BigQuery
-- emulator the tests run on rejects ISOWEEK there (and gets WEEK(MONDAY) wrong).
CREATE OR REPLACE VIEW `{project}.{dataset}.security_by_place_week` AS
WITH story_places AS (
    SELECT DISTINCT s.article_id, s.`date`, p AS place
    FROM `{project}.{dataset}.stories_current` AS s
    CROSS JOIN UNNEST(s.places) AS p
    WHERE s.is_security AND p IS NOT NULL
)
SELECT
    EXTRACT(ISOYEAR FROM sp.`date`) AS iso_year,
    EXTRACT(ISOWEEK FROM sp.`date`) AS iso_week,
    DATE_SUB(sp.`date`, INTERVAL MOD(EXTRACT(DAYOFWEEK FROM sp.`date`) + 5, 7) DAY) AS week_start,
    sp.place,
    d.region,
    COUNT(*) AS stories,
    d.lat,
    d.lon
FROM story_places AS sp
LEFT JOIN `{project}.{dataset}.places` AS d ON d.place = sp.place
GROUP BY iso_year, iso_week, week_start, sp.place, d.region, d.lat, d.lon
