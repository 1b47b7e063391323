import datetime as dt

import pytest

from transforms.dates import check_plausible, find_dates, local_date, parse_date

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("23 / 10 / 2017", "2017-10-23"),
    ("22-10-2025", "2025-10-22"),
    ("2017/10/23", "2017-10-23"),
    ("٢٣ / ١٠ / ٢٠١٧", "2017-10-23"),
    ("يوم الأربعاء 9 يناير 2019،", "2019-01-09"),
    ("15 ماي 2021", "2021-05-15"),
    ("4 يوليوز 2021", "2021-07-04"),
    ("12 غشت 2018", "2018-08-12"),
    ("7 شتنبر 2019", "2019-09-07"),
    ("3 نونبر 2019", "2019-11-03"),
    ("1 دجنبر 2019", "2019-12-01"),
    ("3 كانون الثاني 2020", "2020-01-03"),
    ("3 كانون الأول 2020", "2020-12-03"),
    ("9 تشرين الأول 2020", "2020-10-09"),
    ("3 أيار 2019", "2019-05-03"),
    ("2 تموز 2019", "2019-07-02"),
    ("5 مايو 2022", "2022-05-05"),
    ("5 أغسطس 2022", "2022-08-05"),
    ("5 سبتمبر 2022", "2022-09-05"),
    ("le 5 août 2021", "2021-08-05"),
    ("March 5, 2021", "2021-03-05"),
])
def test_parse_calendar_date(text, expected):
    d = parse_date(text, now=NOW)
    assert d is not None and d.tzinfo is not None
    assert local_date(d).isoformat() == expected
    # a date-only value keeps its calendar date in UTC too (pinned at local noon)
    assert d.astimezone(UTC).date().isoformat() == expected


def test_arabic_weekday_and_time_is_local_casablanca():
    d = parse_date("السبت 03 أكتوبر 2020 - 07:50", now=NOW)
    assert d == dt.datetime(2020, 10, 3, 6, 50, tzinfo=UTC)   # UTC+1 in October 2020


def test_am_pm_marks():
    d = parse_date("3 كانون الأول 2020 10:30 م", now=NOW)
    assert d.hour == 22 and d.astimezone(UTC).hour == 21  # 22:30 local, UTC+1


def test_iso_and_rfc822_keep_their_offset():
    assert parse_date("2020-10-03T07:50:00+01:00") == dt.datetime(2020, 10, 3, 6, 50, tzinfo=UTC)
    assert parse_date("Sat, 03 Oct 2020 07:50:00 GMT") == dt.datetime(2020, 10, 3, 7, 50, tzinfo=UTC)


def test_garbage_and_impossible_dates():
    assert parse_date("") is None
    assert parse_date("لا يوجد تاريخ هنا") is None
    assert parse_date("31 / 02 / 2020") is None
    assert parse_date("15 ماي الماضي") is None   # no year: not a date we can place


def test_date_only_today_is_never_in_the_future():
    early = dt.datetime(2025, 11, 1, 6, 0, tzinfo=UTC)   # before local noon
    d = parse_date("01 / 11 / 2025", now=early)
    assert d == early
    assert check_plausible(d, now=early) == (early, None)


def test_check_plausible_rejects_with_reason():
    d, why = check_plausible(dt.datetime(2026, 1, 1, tzinfo=UTC), now=NOW)
    assert d is None and why.startswith("future")
    d, why = check_plausible(dt.datetime(1980, 1, 1, tzinfo=UTC), now=NOW)
    assert d is None and why.startswith("implausible")
    ok = dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert check_plausible(ok, now=NOW) == (ok, None)
    # within the clock skew is fine
    soon = NOW + dt.timedelta(minutes=5)
    assert check_plausible(soon, now=NOW) == (soon, None)


def test_naive_datetime_is_read_as_casablanca():
    d, _ = check_plausible(dt.datetime(2020, 10, 3, 7, 50), now=NOW)
    assert d == dt.datetime(2020, 10, 3, 6, 50, tzinfo=UTC)


def test_find_dates_in_running_text():
    got = find_dates("تحركت سيارات الأمن ليلة 22-10-2025 ثم يوم 9 يناير 2019 وفي سنة 2090", now=NOW)
    assert sorted(local_date(d).isoformat() for d in got) == ["2019-01-09", "2025-10-22"]


# --- issue 15: month names of the Maghreb and the Mashriq, double names, Hijri, zones ---

from hypothesis import given, settings, strategies as st  # noqa: E402

from transforms.dates import MOROCCO_TZ, dated_phrases, parse_date_full, stated_day  # noqa: E402


@pytest.mark.parametrize("text, day", [
    ("12 جانفي 2023", "2023-01-12"), ("3 فيفري 2024", "2024-02-03"), ("9 أفريل 2022", "2022-04-09"),
    ("10 جوان 2023", "2023-06-10"), ("5 جويلية 2021", "2021-07-05"), ("15 أوت 2020", "2020-08-15"),
    ("1 شباط 2019", "2019-02-01"), ("2 آذار 2019", "2019-03-02"), ("3 نيسان 2019", "2019-04-03"),
    ("4 حزيران 2019", "2019-06-04"), ("6 آب 2019", "2019-08-06"), ("7 أيلول 2019", "2019-09-07"),
    ("8 تشرين الثاني 2019", "2019-11-08"), ("الأحد، 04 آب/اغسطس 2013", "2013-08-04"),
    ("5 أغسطس (آب) 2020", "2020-08-05"), ("٢٥ يناير ٢٠٢٤", "2024-01-25"),
    ("الخميس ١٤ رجب ١٤٤٥ هـ - ٢٥ يناير ٢٠٢٤ م", "2024-01-25"),   # the Hijri date is skipped
    ("1445/07/14 هـ الموافق 2024/01/25", "2024-01-25"),
    ("Publié le 1er mars 2024 à 18h30", "2024-03-01"), ("08 févr. 2024", "2024-02-08"),
])
def test_regional_month_names_double_names_and_hijri(text, day):
    got = parse_date_full(text, now=NOW)
    assert got is not None and got.day.isoformat() == day and stated_day(got.at).isoformat() == day


@pytest.mark.parametrize("text, offset", [
    ("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)", dt.timedelta(hours=4)),
    ("3 mars 2021 10:00 GMT+1", dt.timedelta(hours=1)),
    ("3 mars 2021 10:00 UTC", dt.timedelta(0)),
    ("25 يناير 2024 10:30 ص بتوقيت مكة المكرمة", dt.timedelta(hours=3)),
    ("25 يناير 2024 10:30 بتوقيت غرينتش", dt.timedelta(0)),
    ("25 janvier 2024 à 10h30 (heure de Paris)", dt.timedelta(hours=1)),
])
def test_zone_phrases_are_kept(text, offset):
    got = parse_date_full(text, now=NOW)
    assert got.zone_stated and got.at.utcoffset() == offset


def test_a_time_after_an_update_label_is_not_the_publication_time():
    got = parse_date_full("الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)", now=NOW)
    assert not got.has_time and got.at.hour == 12          # date only: pinned at noon in its zone


def test_iso_keeps_the_pages_offset_and_the_day_it_states():
    d = parse_date("2024-02-08T23:40:00+01:00")
    assert d.utcoffset() == dt.timedelta(hours=1) and stated_day(d) == dt.date(2024, 2, 8)
    # a UTC stamp is read as a Moroccan day
    assert stated_day(parse_date("2024-02-08T23:40:00Z")) == dt.date(2024, 2, 9)


def test_naive_times_are_in_casablanca_or_the_default_zone():
    assert parse_date("12 مارس 2024 21:05", now=NOW).tzinfo is MOROCCO_TZ
    beirut = dt.timezone(dt.timedelta(hours=2))
    assert parse_date("3 تشرين الثاني 2023 14:20", now=NOW, default_zone=beirut).utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize("text, kinds", [
    ("آخر تحديث: 09 فيفري 2024 - 09:12 نشر في: 08 فيفري 2024 - 23:40", ["updated", "published"]),
    ("Publié le 08 février 2024 à 18h30, modifié le 09 février 2024 à 07h02", ["published", "updated"]),
    ("Mis à jour le 15/03/2023 à 09h10 Publié le 14/03/2023 à 22h45", ["updated", "published"]),
    ("Updated March 5, 2024 Published March 3, 2024", ["updated", "published"]),
    ("الثلاثاء 12 مارس 2024 - 21:05", [""]),
])
def test_dated_phrases_label_published_and_updated(text, kinds):
    assert [p.kind for p in dated_phrases(text, now=NOW)] == kinds


# --- properties (hypothesis): never crash; what we print, we read back ---

_MONTH_SPELLINGS = {
    1: ["يناير", "جانفي", "كانون الثاني", "janvier"], 2: ["فبراير", "فيفري", "شباط", "février"],
    3: ["مارس", "آذار", "mars"], 4: ["أبريل", "أفريل", "نيسان", "avril"], 5: ["ماي", "مايو", "أيار", "mai"],
    6: ["يونيو", "جوان", "حزيران", "juin"], 7: ["يوليوز", "جويلية", "تموز", "juillet"],
    8: ["غشت", "أغسطس", "أوت", "آب", "آب/اغسطس", "août"], 9: ["شتنبر", "سبتمبر", "أيلول", "septembre"],
    10: ["أكتوبر", "تشرين الأول", "octobre"], 11: ["نونبر", "نوفمبر", "تشرين الثاني", "novembre"],
    12: ["دجنبر", "ديسمبر", "كانون الأول", "décembre"],
}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_date_never_crashes_and_is_aware(s):
    got = parse_date(s, now=NOW)
    assert got is None or got.tzinfo is not None
    for p in dated_phrases(s, now=NOW):
        assert p.at.tzinfo is not None and p.kind in ("", "published", "updated")


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2025, 10, 31)),
       data=st.data(), indic=st.booleans(), hour=st.one_of(st.none(), st.integers(0, 23)),
       minute=st.integers(0, 59), weekday=st.sampled_from(["", "الأحد، ", "le ", "نشر في: ", "Publié le "]))
def test_printed_dates_read_back_to_the_same_day(day, data, indic, hour, minute, weekday):
    month = data.draw(st.sampled_from(_MONTH_SPELLINGS[day.month]))
    form = data.draw(st.sampled_from(["named", "dmy", "ymd"]))
    text = {"named": f"{day.day} {month} {day.year}", "dmy": f"{day.day:02d}/{day.month:02d}/{day.year}",
            "ymd": f"{day.year}-{day.month:02d}-{day.day:02d}"}[form]
    if hour is not None:
        text += f" - {hour:02d}:{minute:02d}"
    text = weekday + text
    if indic:
        text = text.translate(_INDIC)
    got = parse_date_full(text, now=NOW)
    assert got is not None, text
    assert got.day == day and stated_day(got.at) == day
    if hour is not None:
        assert (got.at.hour, got.at.minute) == (hour, minute)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2090, 1, 1)),
       st.integers(-12 * 60, 14 * 60))
def test_iso_values_keep_instant_and_offset(naive, minutes):
    tz = dt.timezone(dt.timedelta(minutes=minutes))
    d = naive.replace(microsecond=0, tzinfo=tz)
    got = parse_date(d.isoformat())
    assert got == d and got.utcoffset() == d.utcoffset()
