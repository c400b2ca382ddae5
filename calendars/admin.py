"""Clinic admin: the feed settings, and clinicians' feed URLs (issue a new one, or delete the row
to revoke it). A URL is shown once, in the message after it is issued."""

from django.contrib import admin, messages

from . import feeds
from .models import FeedSettings, FeedToken


@admin.register(FeedSettings)
class FeedSettingsAdmin(admin.ModelAdmin):
    list_display = ["show_patient_initials", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not FeedSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = ["staff", "created_at", "created_by", "last_read_at"]
    fields = ["staff"]
    actions = ["issue_new_url"]

    def get_readonly_fields(self, request, obj=None):
        return ["staff"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        url = feeds.issue_feed_token(staff=obj.staff, actor=request.user)
        obj.pk = FeedToken.objects.get(staff=obj.staff).pk
        messages.warning(request, f"The calendar feed URL of {obj.staff} (shown only now): {url}")

    @admin.action(description="Issue a new URL (the old one stops working)")
    def issue_new_url(self, request, queryset):
        for row in queryset.select_related("staff"):
            url = feeds.issue_feed_token(staff=row.staff, actor=request.user)
            messages.warning(request, f"The calendar feed URL of {row.staff} (shown only now): {url}")
