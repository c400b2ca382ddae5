from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist and backfill"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Freed time is found inside the transaction that frees it (scheduling.hooks); our offer
        # texts are outbox rows whose link and liveness only we know (notifications' registries);
        # a YES to an offer is ours to read before the usual confirmation (notifications.inbound).
        from notifications.inbound import register_reply_handler
        from notifications.rendering import register_message_context
        from notifications.send_checks import register_own_check
        from notifications.sms_fit import register_sample
        from scheduling import hooks
        from waitlist import claiming, freed, outbox

        hooks.on_appointment_changed(freed.record_freed_time)
        hooks.on_time_freed(freed.record_time_freed)
        register_message_context(outbox.OFFER_TEMPLATE, outbox.offer_context)
        register_own_check(outbox.OFFER_TEMPLATE, outbox.offer_send_check)
        register_sample(outbox.longest_links)
        register_reply_handler(claiming.claim_by_reply)
