"""Read-mostly admin views of the clinical records; changes go through the API (care.services)."""

from django.contrib import admin

from .models import Clearance, ContraindicationScreening, Escort, GateOverride, MonitoringForm, RemsEnrolment


@admin.register(Clearance)
class ClearanceAdmin(admin.ModelAdmin):
    list_display = ["patient", "treatment", "evaluated_on", "cleared_by", "expires_on", "revoked_at"]
    list_filter = ["treatment"]
    raw_id_fields = ["patient", "evaluation", "screening"]


@admin.register(ContraindicationScreening)
class ScreeningAdmin(admin.ModelAdmin):
    list_display = ["patient", "answered_at", "source"]
    raw_id_fields = ["patient"]


@admin.register(RemsEnrolment)
class RemsEnrolmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "enrolled_on", "rems_patient_id"]
    raw_id_fields = ["patient"]


@admin.register(MonitoringForm)
class MonitoringFormAdmin(admin.ModelAdmin):
    list_display = ["appointment", "submitted_on", "reference"]
    raw_id_fields = ["appointment"]


@admin.register(Escort)
class EscortAdmin(admin.ModelAdmin):
    list_display = ["appointment", "name", "phone", "confirmed_adult"]
    raw_id_fields = ["appointment"]


@admin.register(GateOverride)
class GateOverrideAdmin(admin.ModelAdmin):
    list_display = ["at", "gate", "moment", "patient", "service", "start", "actor", "reason"]
    list_filter = ["gate", "moment"]
    readonly_fields = [f.name for f in GateOverride._meta.fields]
