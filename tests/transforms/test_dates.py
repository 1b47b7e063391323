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
