from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Every change of an appointment replans its messages in the same transaction (scheduling.hooks).
        from notifications import planning
        from scheduling import hooks

        hooks.on_appointment_changed(planning.replan_on_change)
