"""Clinic admin: dial-in numbers per telehealth location, in-person evaluations, interpreter flags.
Rooms and join passes are not shown: a pass is a credential."""

from django.contrib import admin
from django.utils import timezone

from .models import DialIn, InPersonEvaluation, InterpreterNeed


@admin.register(DialIn)
class DialInAdmin(admin.ModelAdmin):
    list_display = ["location", "number", "access_code"]


@admin.register(InPersonEvaluation)
class InPersonEvaluationAdmin(admin.ModelAdmin):
    list_display = ["prescriber", "patient", "evaluated_on", "recorded_by", "recorded_at"]
    list_filter = ["prescriber"]
    raw_id_fields = ["patient"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        obj.recorded_by, obj.recorded_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(InterpreterNeed)
class InterpreterNeedAdmin(admin.ModelAdmin):
    list_display = ["appointment", "language", "notes", "flagged_by", "flagged_at"]
    raw_id_fields = ["appointment"]
    readonly_fields = ["flagged_by", "flagged_at"]

    def save_model(self, request, obj, form, change):
        obj.flagged_by, obj.flagged_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
