"""Times as a patient reads them: the zone's abbreviation is the one in force on the day shown,
a fall-back day's repeated hour says which of the two it is, English dates are in US order and
Spanish ones use lowercase month abbreviations and "horarios"."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import time_machine
from django.utils import translation

from web import formatting
from web.views.common import time_buttons

LA = "America/Los_Angeles"
PACIFIC = ZoneInfo(LA)
DECEMBER = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC)  # a Monday, PST


def pacific(day: dt.date, hour: int, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, fold=fold), tzinfo=PACIFIC).astimezone(dt.UTC)


def slot(start: dt.datetime) -> SimpleNamespace:
    return SimpleNamespace(start=start, staff_id=None, resource_id=None, assignments=())


def test_july_times_seen_in_december_are_labelled_pdt_not_todays_pst():
    july = [pacific(dt.date(2027, 7, 12), 9), pacific(dt.date(2027, 7, 12), 10)]
    with time_machine.travel(DECEMBER, tick=False), translation.override("en"):
        assert formatting.zone_label(LA) == "Pacific time (PST)"
        assert formatting.zone_label_for(LA, july) == "Pacific time (PDT)"
        assert formatting.zone_label_for(LA, [], day=dt.date(2027, 7, 12)) == "Pacific time (PDT)"
        assert formatting.zone_label_for(LA, [], day=dt.date(2027, 1, 12)) == "Pacific time (PST)"


def test_on_the_fall_back_day_the_two_one_oclock_buttons_differ():
    fall_back = dt.date(2027, 11, 7)
    starts = [pacific(fall_back, 0, 30), pacific(fall_back, 1), pacific(fall_back, 1, fold=1), pacific(fall_back, 3)]
    assert starts[2] - starts[1] == dt.timedelta(hours=1)
    with time_machine.travel(DECEMBER, tick=False), translation.override("en"):
        labels = [formatting.time_label(start, LA) for start in starts]
        assert formatting.time_label(starts[1], LA) == "1:00 AM PDT"
        assert formatting.zone_label_for(LA, starts) == "Pacific time (PDT/PST)"
    assert labels == ["12:30 AM", "1:00 AM PDT", "1:00 AM PST", "3:00 AM"]
    with time_machine.travel(DECEMBER, tick=False), translation.override("es"):
        assert [formatting.time_label(start, LA) for start in starts[1:3]] == ["01:00 PDT", "01:00 PST"]


def test_buttons_carry_the_abbreviation_only_when_the_times_shown_straddle_a_change():
    with translation.override("en"):
        plain = time_buttons([slot(pacific(dt.date(2027, 7, 12), 9))], LA)
        mixed = time_buttons([slot(pacific(dt.date(2027, 11, 6), 9)), slot(pacific(dt.date(2027, 11, 8), 9))], LA)
    assert [b["label"] for b in plain] == ["9:00 AM"]
    assert [b["label"] for b in mixed] == ["9:00 AM PDT", "9:00 AM PST"]


def test_english_dates_read_in_us_order():
    day = dt.date(2026, 12, 7)
    with translation.override("en"):
        assert formatting.day_label(day) == "Monday, December 7"
        assert formatting.day_label(day, with_year=True) == "Monday, December 7, 2026"
        assert formatting.short_day_label(day) == "Mon, Dec 7"
        assert formatting.when_label(pacific(day, 9, 15), LA) == "Monday, December 7, 2026, 9:15 AM Pacific time (PST)"


def test_spanish_dates_use_lowercase_month_abbreviations():
    day = dt.date(2026, 12, 7)
    with translation.override("es"):
        assert formatting.day_label(day) == "lunes 7 de diciembre"
        assert formatting.short_day_label(day) == "lun 7 dic"
        assert (
            formatting.when_label(pacific(day, 9, 15), LA)
            == "lunes 7 de diciembre de 2026, 09:15 hora del Pacífico (PST)"
        )
