"""The patient's waitlist form: which days and times of day they would take. Defaults: any
weekday, any time of day, from today for the next four weeks (a move-up: until the visit's day)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAY_CHOICES = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
# Times of day on the patient's clock; all three (the default) mean any time.
TIMES_OF_DAY = {"morning": ("07:00", "12:00"), "afternoon": ("12:00", "17:00"), "evening": ("17:00", "21:00")}
TIME_CHOICES = [
    ("morning", _("Morning (7 am to noon)")),
    ("afternoon", _("Afternoon (noon to 5 pm)")),
    ("evening", _("Evening (5 pm to 9 pm)")),
]


class WaitlistForm(forms.Form):
    earliest_date = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The first day you could come."),
    )
    latest_date = forms.DateField(
        label=_("Until"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The last day you would take. After it, you leave the waitlist."),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day of the week.")},
    )
    times = forms.MultipleChoiceField(
        label=_("Times of day"),
        choices=TIME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one time of day.")},
    )

    def __init__(self, *args, today: dt.date, last_day: dt.date, max_day: dt.date | None = None, **kwargs):
        """`today` on the patient's clock; `max_day` caps the last day (a move-up: the visit's day)."""
        kwargs.setdefault(
            "initial",
            {
                "earliest_date": today,
                "latest_date": last_day,
                "weekdays": [c for c, _label in WEEKDAY_CHOICES],
                "times": list(TIMES_OF_DAY),
            },
        )
        super().__init__(*args, **kwargs)
        self.today, self.max_day = today, max_day
        for name in ("earliest_date", "latest_date"):
            self.fields[name].widget.attrs.update({"min": today.isoformat()})
            if max_day is not None:
                self.fields[name].widget.attrs["max"] = max_day.isoformat()

    def clean(self):
        data = super().clean()
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first is not None and first < self.today:
            self.add_error("earliest_date", _("Choose today or a later day."))
        if self.max_day is not None and last is not None and last > self.max_day:
            self.add_error("latest_date", _("An earlier time means on or before the day of your visit."))
        if first is not None and last is not None and last < first:
            self.add_error("latest_date", _("The last day must not be before the first."))
        return data

    def time_ranges(self) -> list[list[str]]:
        """Empty (any time) when every time of day is chosen."""
        chosen = self.cleaned_data["times"]
        if set(chosen) == set(TIMES_OF_DAY):
            return []
        return [list(TIMES_OF_DAY[name]) for name in TIMES_OF_DAY if name in chosen]

    def weekday_numbers(self) -> list[int]:
        return sorted(int(day) for day in self.cleaned_data["weekdays"])
