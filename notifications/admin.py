from django.contrib import admin

from notifications.models import (
    AppointmentLink,
    ConsentEvent,
    InboundMessage,
    MessagingPolicy,
    OutboundMessage,
    ServiceMessagePlan,
)


@admin.register(MessagingPolicy)
class MessagingPolicyAdmin(admin.ModelAdmin):
    list_display = ("brand_name", "phone", "quiet_start", "quiet_end", "consented_daily_cap", "updated_at")

    def has_add_permission(self, request) -> bool:
        return not MessagingPolicy.objects.exists()


@admin.register(ServiceMessagePlan)
class ServiceMessagePlanAdmin(admin.ModelAdmin):
    list_display = ("service", "updated_at")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Read-only: rows change through planning, the dispatcher and webhooks only."""

    list_display = ("id", "kind", "channel", "status", "due_at", "sent_at", "provider_status", "patient", "appointment")
    list_filter = ("status", "channel", "kind")
    search_fields = ("provider_id", "to_address")
    raw_id_fields = ("patient", "appointment")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_number", "action", "needs_attention", "handled_at", "patient")
    list_filter = ("action", "needs_attention")
    raw_id_fields = ("patient", "appointment", "handled_by")


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    list_display = ("at", "patient", "phone", "action", "source", "detail")
    list_filter = ("action", "source")
    raw_id_fields = ("patient", "inbound")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(AppointmentLink)
