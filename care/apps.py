from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Clinical gates"
    default_auto_field = "django.db.models.BigAutoField"
