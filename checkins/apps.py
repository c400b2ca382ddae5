from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "checkins"
    verbose_name = "Check-ins and risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The outbox renders check-in and risk-alert messages; their links are ours to build.
        from notifications.rendering import register_message_context

        from checkins import links

        register_message_context("checkin", links.checkin_message_context)
        register_message_context("checkin_nudge", links.checkin_message_context)
        register_message_context("staff_alert", links.alert_message_context)
