"""The check-in form, built for one check-in and one page of it, with its messages in the
patient's language. The page and the API validate through the same form.

Page "first" asks the step's sections (mood, sleep, side effects), its questionnaires (the PHQ-2,
the whole PHQ-9, the GAD-7), the free text and, when it is offered, whether to book integration
therapy. Page "rest" is the PHQ-9's items 3-9, asked only when the PHQ-2 came out positive.
"""

from __future__ import annotations

from django import forms

from checkins import questionnaires as q
from checkins.wording import NO_SIDE_EFFECTS, say, SIDE_EFFECTS

FIRST, REST = "first", "rest"
SCALE = [(value, str(value)) for value in range(11)]
FREE_TEXT_LIMIT = 2000
OTHER_LIMIT = 300


def phq_numbers(checkin, page: str) -> range:
    """Which PHQ-9 items a page asks (1-based)."""
    if page == REST:
        return range(3, 10)
    if "phq9" in checkin.questionnaires:
        return range(1, 10)
    if "phq2" in checkin.questionnaires:
        return range(1, 3)
    return range(0)


def gad_numbers(checkin, page: str) -> range:
    return range(1, 8) if page == FIRST and "gad7" in checkin.questionnaires else range(0)


class CheckInForm(forms.Form):
    def __init__(self, *args, checkin, page: str, language: str, offer_integration: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.checkin, self.page, self.language = checkin, page, language
        say_ = lambda key, **values: say(key, language, **values)  # noqa: E731 - a short local alias
        sections = checkin.sections if page == FIRST else []
        if "mood" in sections:
            self.fields["mood"] = self._scale(say_("mood"), say_("error_mood"))
        if "sleep" in sections:
            self.fields["sleep"] = self._scale(say_("sleep"), say_("error_sleep"))
        if "side_effects" in sections:
            choices = [(NO_SIDE_EFFECTS, say_("effect_none"))] + [(e, say_(f"effect_{e}")) for e in SIDE_EFFECTS]
            self.fields["side_effects"] = forms.MultipleChoiceField(
                label=say_("side_effects"), choices=choices, widget=forms.CheckboxSelectMultiple,
                error_messages={"required": say_("error_side_effects"), "invalid_choice": say_("error_side_effects")})
            self.fields["side_effects_other"] = forms.CharField(
                label=say_("effect_other_detail"), required=False, max_length=OTHER_LIMIT,
                error_messages={"max_length": say_("error_too_long", limit=OTHER_LIMIT)})
        # Items are numbered down the page: the PHQ-9 by its own item numbers, the GAD-7 after it.
        options = list(enumerate(q.OPTIONS[language]))
        self.numbers: dict[str, int] = {}
        phq = phq_numbers(checkin, page)
        for number in phq:
            self.numbers[f"phq_{number}"] = number
            self.fields[f"phq_{number}"] = self._item(q.PHQ9_ITEMS[language][number - 1], options, number)
        for number in gad_numbers(checkin, page):
            shown = (phq[-1] if phq else 0) + number
            self.numbers[f"gad_{number}"] = shown
            self.fields[f"gad_{number}"] = self._item(q.GAD7_ITEMS[language][number - 1], options, shown)
        if page == FIRST:
            self.fields["free_text"] = forms.CharField(
                label=say_("free_text"), required=False, max_length=FREE_TEXT_LIMIT, widget=forms.Textarea,
                error_messages={"max_length": say_("error_too_long", limit=FREE_TEXT_LIMIT)})
            if offer_integration:
                self.fields["wants_integration"] = forms.TypedChoiceField(
                    label=say_("integration"), choices=[("yes", say_("yes_book")), ("no", say_("no_thanks"))],
                    coerce=lambda value: value == "yes", widget=forms.RadioSelect,
                    error_messages={"required": say_("error_integration"),
                                    "invalid_choice": say_("error_integration")})

    @staticmethod
    def _scale(label: str, error: str) -> forms.TypedChoiceField:
        return forms.TypedChoiceField(label=label, choices=SCALE, coerce=int, widget=forms.RadioSelect,
                                      error_messages={"required": error, "invalid_choice": error})

    def _item(self, label: str, options, number: int) -> forms.TypedChoiceField:
        error = say("error_item", self.language, number=number)
        return forms.TypedChoiceField(label=label, choices=options, coerce=int, widget=forms.RadioSelect,
                                      error_messages={"required": error, "invalid_choice": error})

    def clean(self):
        data = super().clean()
        effects = data.get("side_effects")
        if effects:
            if NO_SIDE_EFFECTS in effects and len(effects) > 1:
                self.add_error("side_effects", say("error_none_and_effect", self.language))
            elif "other" in effects and not data.get("side_effects_other", "").strip():
                self.add_error("side_effects_other", say("error_other_detail", self.language))
        return data

    # --- what the template and the services read -------------------------------------------

    def _items(self, prefix: str) -> list[tuple[int, forms.BoundField]]:
        """(the number shown, the field) for each questionnaire item on the page."""
        return [(self.numbers[name], self[name]) for name in self.fields if name.startswith(prefix)]

    @property
    def phq_fields(self) -> list[tuple[int, forms.BoundField]]:
        return self._items("phq_")

    @property
    def gad_fields(self) -> list[tuple[int, forms.BoundField]]:
        return self._items("gad_")

    def answers(self) -> dict:
        """The cleaned page as keyword arguments of services.PageAnswers."""
        data = self.cleaned_data
        return {
            "mood": data.get("mood"), "sleep": data.get("sleep"),
            "side_effects": [e for e in data.get("side_effects", []) if e != NO_SIDE_EFFECTS],
            "side_effects_other": data.get("side_effects_other", ""),
            "phq_items": [data[f"phq_{n}"] for n in phq_numbers(self.checkin, self.page)],
            "gad7_items": [data[f"gad_{n}"] for n in gad_numbers(self.checkin, self.page)],
            "free_text": data.get("free_text", ""), "wants_integration": data.get("wants_integration"),
        }


def data_from_json(payload: dict) -> dict:
    """The API's JSON body (the field names the questions endpoint lists) as form data."""
    data = dict(payload)
    if isinstance(data.get("wants_integration"), bool):
        data["wants_integration"] = "yes" if data["wants_integration"] else "no"
    for name, value in payload.items():
        if isinstance(value, bool) and name != "wants_integration":
            data[name] = "invalid"  # True is not 1 on a 0-10 or 0-3 scale
    return data
