from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Every change of an appointment replans its messages in the same transaction (scheduling.hooks).
        from django.core import checks

        from notifications import places, planning, sms_fit
        from scheduling import hooks

        hooks.on_appointment_changed(planning.replan_on_change)
        # The answer to a cancel request offers the visit's link only to a patient who can use it.
        from notifications import inbound, rendering

        rendering.register_message_context(inbound.CANCEL_REQUEST_TEMPLATE, inbound.cancel_request_context)
        # A site's name in texts stays neutral (the admin asks before saving one).
        hooks.on_site_check(places.check_site)
        # `manage.py check`: every text fits one segment with the longest brand and this PUBLIC_BASE_URL.
        checks.register(sms_fit.check_sms_templates_fit, checks.Tags.templates)
        # The demo's showcase day: the texts behind the desk's marks (scheduling.demo).
        from notifications import demo
        from scheduling.demo import register_seeder

        register_seeder(demo.seed_showcase_texts, after_visits=True)
