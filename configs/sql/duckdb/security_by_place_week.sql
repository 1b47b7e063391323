-- security_by_place_week: security stories per ISO week and place.
-- A story counts once for every distinct place in its `places` list.
-- The week is that of the story's Moroccan day (stories_current.date:
-- published_date, else the Africa/Casablanca day of COALESCE(published_at, fetched_at));
-- week_start is the Monday. region, lat and lon come from the `places`
-- dimension table (NULL for a place the gazetteer does not know).
CREATE OR REPLACE VIEW security_by_place_week AS
WITH story_places AS (
    SELECT DISTINCT s.article_id, s.date, p.place
    FROM stories_current AS s,
         unnest(s.places) AS p(place)
    WHERE s.is_security AND p.place IS NOT NULL
)
SELECT
    CAST(isoyear(sp.date) AS BIGINT) AS iso_year,
    CAST(week(sp.date) AS BIGINT) AS iso_week,
    CAST(date_trunc('week', sp.date) AS DATE) AS week_start,
    sp.place,
    d.region,
    count(*) AS stories,
    d.lat,
    d.lon
FROM story_places AS sp
LEFT JOIN places AS d ON d.place = sp.place
GROUP BY ALL
