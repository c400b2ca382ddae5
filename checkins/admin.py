from django.contrib import admin

from checkins.models import CheckIn, CheckInAnswers, CheckInPlan, OnCallClinician, RiskAlert, RiskRule


@admin.register(CheckInPlan)
class CheckInPlanAdmin(admin.ModelAdmin):
    list_display = ("service", "integration_service", "updated_at")
    raw_id_fields = ("service", "integration_service")


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    list_display = ("description", "kind", "language", "pattern", "answer", "comparison", "threshold", "location",
                    "active")
    list_filter = ("kind", "language", "active", "location")
    search_fields = ("pattern", "description")


@admin.register(OnCallClinician)
class OnCallClinicianAdmin(admin.ModelAdmin):
    list_display = ("staff", "location", "sms_number", "email", "updated_at")
    raw_id_fields = ("staff",)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    """Read-only: check-ins change through planning and the patient's answers."""

    list_display = ("id", "patient", "appointment", "step_key", "status", "due_at", "expires_at", "answered_at")
    list_filter = ("status", "step_key")
    raw_id_fields = ("patient", "appointment", "location", "messages")
    exclude = ("link_nonce", "token_hash")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CheckInAnswers)
class CheckInAnswersAdmin(admin.ModelAdmin):
    list_display = ("checkin", "mood", "sleep", "phq2_score", "phq9_score", "gad7_score", "updated_at")
    raw_id_fields = ("checkin",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RiskAlert)
class RiskAlertAdmin(admin.ModelAdmin):
    """Read-only here: an alert is acknowledged with a note on its page or through the API."""

    list_display = ("id", "patient", "location", "status", "created_at", "acknowledged_by", "acknowledged_at")
    list_filter = ("status",)
    raw_id_fields = ("patient", "checkin", "location", "on_call", "acknowledged_by", "messages")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
