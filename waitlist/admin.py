from django.contrib import admin

from waitlist.models import FreedTime, Offer, WaitlistEntry, WaitlistSettings


@admin.register(WaitlistSettings)
class WaitlistSettingsAdmin(admin.ModelAdmin):
    """The clinic's offering mode: one at a time (held) or the first K to claim."""

    list_display = ("__str__", "mode", "hold_minutes", "first_k", "updated_at")

    def has_add_permission(self, request) -> bool:
        return not WaitlistSettings.objects.exists()


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "patient", "service", "place", "location", "priority", "status", "created_at")
    list_filter = ("status", "place", "service")
    raw_id_fields = ("patient", "service", "location", "staff", "move_up", "created_by", "booked_appointment")


class _ReadOnly(admin.ModelAdmin):
    """Written by the matcher and claims only."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(FreedTime)
class FreedTimeAdmin(_ReadOnly):
    list_display = ("id", "start", "end", "service", "location", "reason", "status", "freed_at", "refilled_at")
    list_filter = ("status", "reason")


@admin.register(Offer)
class OfferAdmin(_ReadOnly):
    list_display = ("id", "entry", "start", "mode", "status", "created_at", "expires_at", "closed_at")
    list_filter = ("status", "mode")
    raw_id_fields = ("entry", "freed", "hold", "appointment", "messages")
    exclude = ("link_nonce", "token_hash")
