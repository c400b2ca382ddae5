"""The audit log in the admin: clinic admins filter and search it; nobody, superusers included,
can add, change or delete an entry."""

from django.contrib import admin
from django.utils.html import format_html

from accounts.models import Role
from scheduling.models import Patient

from .models import AuditEntry


class PatientFilter(admin.SimpleListFilter):
    """By patient: the choices are the patients in the newest entries (listing every patient ever
    named would mean scanning the whole log); any patient is reached with `?patient=<id>`, the
    link each row's patient column carries."""

    title = "patient"
    parameter_name = "patient"
    RECENT_ENTRIES = 500

    def lookups(self, request, model_admin):
        recent = AuditEntry.objects.exclude(patient_id=None).values_list("patient_id", flat=True)
        ids = set(recent[: self.RECENT_ENTRIES])
        if (self.value() or "").isdigit():
            ids.add(int(self.value()))
        return [(str(p.pk), f"{p.display_name} ({p.pk})") for p in Patient.objects.filter(pk__in=ids).order_by("pk")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(patient_id=int(value)) if value.isdigit() else queryset.none()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_username", "actor_role", "action", "record_kind", "record_id", "patient_link",
                    "summary", "ip", "request_id"]
    list_filter = [("actor", admin.RelatedOnlyFieldListFilter), "actor_role", "action", "record_kind", PatientFilter,
                   "at"]
    search_fields = ["actor_username", "=record_id", "=request_id", "summary"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    show_full_result_count = False  # the log grows without bound; counting every page is wasted work
    actions = None
    audit_reads = False

    @admin.display(description="patient")
    def patient_link(self, entry):
        if entry.patient_id is None:
            return ""
        return format_html('<a href="?patient={}">{}</a>', entry.patient_id, entry.patient_id)

    def has_module_permission(self, request):
        return self._is_clinic_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_clinic_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @staticmethod
    def _is_clinic_admin(request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.has_role(Role.ADMIN))
