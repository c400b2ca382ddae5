from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calendars"
    verbose_name = "Calendars"

    def ready(self) -> None:
        from notifications.channels.email import register_attachments
        from scheduling import hooks

        from . import email, feeds

        hooks.on_appointment_changed(feeds.appointment_changed)
        register_attachments("confirmation", email.confirmation_attachments)
