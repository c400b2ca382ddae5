"""`manage.py check` renders every SMS template in every language with the longest brand the
admin allows and the configured PUBLIC_BASE_URL; the admin refuses a brand that breaks a text;
sites are named in texts by a short, neutral name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from notifications import places, sms_fit
from notifications.models import MessagingPolicy
from tests.factories import LocationFactory

LONG_BASE_URL = "https://appointments.desert-sunrise-wellness-center.example.com"  # 63 characters
ISSUE_BASE_URL = "https://appointments.desertsunrise-clinic.co"  # 44 characters, https


def test_the_check_passes_on_the_defaults_and_on_a_44_character_https_base_url(settings):
    call_command("check")
    settings.PUBLIC_BASE_URL = ISSUE_BASE_URL
    assert len(ISSUE_BASE_URL) == 44
    assert sms_fit.check_sms_templates_fit() == []


def test_the_check_fails_on_a_long_base_url_with_the_longest_brand(settings):
    settings.PUBLIC_BASE_URL = LONG_BASE_URL
    with pytest.raises(SystemCheckError, match=r"notifications\.E001") as failed:
        call_command("check")
    assert "the join_link text in en" in str(failed.value) and "the join_link text in es" in str(failed.value)
    [error] = sms_fit.check_sms_templates_fit()
    assert error.id == "notifications.E001" and "30-character clinic name" in error.msg


def test_every_template_on_disk_is_measured_in_both_languages():
    measured = sms_fit.templates()
    assert {"join_link", "reminder", "confirmation", "checkin", "staff_alert", "reschedule"} <= {t for t, _ in measured}
    assert {language for _, language in measured} == {"en", "es"}


@pytest.mark.django_db
def test_the_admin_refuses_a_brand_that_would_break_a_text_and_says_by_how_much(settings):
    settings.PUBLIC_BASE_URL = "https://appointments.desert-sunrise-wellness.example"  # 52 characters
    policy = MessagingPolicy.current()
    policy.brand_name = "Desert Sunrise Wellness Center"
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    message = refused.value.message_dict["brand_name"][0]
    assert "texts would need two segments" in message and "Shorten it by at least" in message
    policy.brand_name = "Desert Sunrise"
    policy.full_clean()
    policy.brand_name = "Clínica Sol 😀"
    with pytest.raises(ValidationError, match="outside the plain SMS alphabet"):
        policy.full_clean()


@pytest.mark.django_db
def test_a_site_is_named_by_its_short_neutral_name_and_the_admin_refuses_a_clinical_one():
    site = LocationFactory(name="Ketamine Infusion Center of Scottsdale North", short_name="")
    assert places.label(site) == ""
    with pytest.raises(ValidationError, match="give a short name"):
        site.full_clean()
    site.short_name = "Infusion Scottsdale"
    with pytest.raises(ValidationError, match="remove: infusion"):
        site.full_clean()
    site.short_name = "Scottsdale"
    site.full_clean()
    assert places.phrase(site, language="es") == "en Scottsdale"
    assert places.phrase(LocationFactory(name="San Diego"), language="en") == "at San Diego"
    assert places.phrase(None, language="en") == "by video"


@pytest.mark.django_db
def test_the_admin_page_refuses_the_brand_with_the_reason_and_keeps_the_old_one(admin_client, settings):
    import json

    settings.PUBLIC_BASE_URL = "https://appointments.desert-sunrise-wellness.example"
    policy = MessagingPolicy.current()
    url = f"/admin/notifications/messagingpolicy/{policy.pk}/change/"
    data = {
        "brand_name": "Desert Sunrise Wellness Center",
        "phone": "+16025550100",
        "quiet_start": "08:00",
        "quiet_end": "21:00",
        "quiet_hours_by_state": json.dumps(policy.quiet_hours_by_state),
        "consented_daily_cap": "2",
        "consented_weekly_cap": "",
        "confirmation_grace_minutes": "3",
        "max_attempts": "5",
    }
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    assert "texts would need two segments" in refused.content.decode()
    assert MessagingPolicy.current().brand_name == "Clearday Clinic"
    accepted = admin_client.post(url, {**data, "brand_name": "Desert Sunrise"})
    assert accepted.status_code == 302
    assert MessagingPolicy.current().brand_name == "Desert Sunrise"
