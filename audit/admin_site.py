"""The admin site Clearday runs: Django's, with every add, change and delete made in it also
written to the audit log. Django's own LogEntry stays (it feeds the admin's history pages) but
it can be edited; the audit log cannot.

Every ModelAdmin registered on this site gets `AuditedModelAdmin` mixed in, so a new admin
class is covered without remembering to inherit from anything. The hooks are the admin's own
`log_addition`, `log_change` and `log_deletions`, which Django calls inside the transaction of
the change (and, for deletions, before the rows go).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote

from .models import Action
from .services import patient_link, record


def change_summary(message) -> str:
    """The admin's change message in words, naming fields and inlines, never their values."""
    if not isinstance(message, list):
        return "admin"
    parts = []
    for item in message:
        for verb, detail in item.items():
            detail = detail or {}
            name = detail.get("name", "")
            fields = ", ".join(str(f) for f in detail.get("fields", []))
            words = " ".join(w for w in (verb, name) if w)
            parts.append(f"{words} ({fields})" if fields else words)
    return ("admin: " + "; ".join(parts)) if parts else "admin: saved without changes"


class AuditedModelAdmin:
    """Mixed in ahead of each admin class: an admin class sets `audit_reads = False` to opt out
    of read records (the audit log's own admin), so the mixin must not define it itself."""

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        record(action=Action.CREATE, target=obj, actor=request.user, request=request,
               summary=change_summary(message))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        record(action=Action.CHANGE, target=obj, actor=request.user, request=request,
               summary=change_summary(message))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            record(action=Action.DELETE, target=obj, actor=request.user, request=request, summary="admin: deleted")
        return entries

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Opening a patient's record (or a record of one patient) in the admin is a staff read."""
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and getattr(self, "audit_reads", True) \
                and _concerns_a_patient(self.model):
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                record(action=Action.READ, target=obj, actor=request.user, request=request, summary="admin page")
        return response


def _concerns_a_patient(model) -> bool:
    return model._meta.label_lower == "scheduling.patient" or patient_link(model) is not None


class AuditedAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(admin_class.__name__, (AuditedModelAdmin, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})
        super().register(model_or_iterable, admin_class, **options)
