from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins and risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The outbox sends our messages; their links and their reasons to stop are ours.
        from checkins import demo, outbox, planning
        from notifications.rendering import register_message_context
        from notifications.send_checks import register_follow_up_check
        from notifications.sms_fit import register_sample
        from scheduling import hooks
        from scheduling.demo import register_seeder

        for template in ("checkin", "checkin_nudge"):
            register_message_context(template, outbox.checkin_context)
            register_follow_up_check(template, outbox.checkin_send_check)
        register_message_context("staff_alert", outbox.alert_context)
        register_sample(outbox.longest_links)  # so `manage.py check` measures our texts with real links
        # A completed visit gets its check-ins in the transaction that completes it (scheduling.hooks).
        hooks.on_appointment_changed(planning.plan_on_completion)
        register_seeder(demo.seed_on_call)
