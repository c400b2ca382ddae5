from django.apps import AppConfig


class TelehealthConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "telehealth"
    verbose_name = "Telehealth"
