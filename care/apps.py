from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Clinical gates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling asks before it books, holds, moves or checks in a visit (scheduling.hooks).
        from care import demo, gates
        from scheduling import hooks
        from scheduling.demo import register_seeder

        hooks.on_booking_check(gates.enforce_gates)
        hooks.on_check_in_check(gates.check_in_gates)
        register_seeder(demo.seed_demo_records)
        register_seeder(demo.seed_showcase_records, after_visits=True)
