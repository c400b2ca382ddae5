"""The clinic admin's screens: sites, chairs and rooms, staff, services and phases, hours,
closures and patients. Validation says what is wrong and how to fix it: a phase needing a room
a location lacks, weekly rules that overlap, an unknown time zone."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import (
    Allocation,
    Appointment,
    Closure,
    HoursOverride,
    Location,
    Patient,
    Phase,
    Resource,
    Service,
    StaffMember,
    WorkingHours,
)
from .models.clinic import LANGUAGES, missing_resource_kinds, Modality, StaffRole, US_STATES


class ListChoiceField(forms.TypedMultipleChoiceField):
    """A JSON list field (roles, languages, states) edited as tick boxes."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return value if isinstance(value, (list, tuple)) else []


class StaffMemberForm(forms.ModelForm):
    roles = ListChoiceField(choices=StaffRole.choices)
    languages = ListChoiceField(choices=[(code, {"en": "English", "es": "Spanish"}[code]) for code in LANGUAGES])
    licensed_states = ListChoiceField(choices=[(s, s) for s in US_STATES], required=False,
                                      widget=forms.SelectMultiple(attrs={"size": 8}))

    class Meta:
        model = StaffMember
        fields = "__all__"


class HoursFormSet(forms.BaseInlineFormSet):
    """Rules added together must not overlap each other either (the model checks saved ones)."""

    def clean(self):
        super().clean()
        rules = [f.instance for f in self.forms
                 if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.instance.start_time and f.instance.end_time]
        for index, rule in enumerate(rules):
            for other in rules[:index]:
                if rule.overlaps(other):
                    raise ValidationError(f"Two rules overlap: {other} and {rule}. Change the times or the dates "
                                          "they are in effect.")


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = HoursFormSet
    extra = 0
    fields = ["weekday", "start_time", "end_time", "effective_from", "effective_to"]


class StaffHoursInline(WorkingHoursInline):
    fk_name = "staff"
    fields = [*WorkingHoursInline.fields, "location_for_staff"]


class ResourceHoursInline(WorkingHoursInline):
    fk_name = "resource"
    verbose_name_plural = "own hours (leave empty to follow the location's)"


class LocationHoursInline(WorkingHoursInline):
    fk_name = "location"


class OverrideInline(admin.TabularInline):
    model = HoursOverride
    extra = 0
    fields = ["date", "kind", "start_time", "end_time", "reason"]


class StaffOverrideInline(OverrideInline):
    fk_name = "staff"
    verbose_name_plural = "dates: these are the hours, time off and extra hours"


class ResourceOverrideInline(OverrideInline):
    fk_name = "resource"
    verbose_name_plural = "dates: these are the hours, out of service and extra hours"


class LocationOverrideInline(OverrideInline):
    fk_name = "location"
    verbose_name_plural = "dates: these are the hours (replacing the week's), blocked and extra hours"


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["name", "kind", "active"]
    show_change_link = True


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "time_zone", "state", "is_virtual", "rems_certified", "check_in_opens_minutes",
                    "active"]
    list_filter = ["is_virtual", "rems_certified", "active"]
    search_fields = ["name", "address"]
    inlines = [ResourceInline, LocationHoursInline, LocationOverrideInline, ClosureInline]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "kind", "active"]
    list_filter = ["location", "kind", "active"]
    search_fields = ["name"]
    inlines = [ResourceHoursInline, ResourceOverrideInline]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    form = StaffMemberForm
    list_display = ["display_name", "role_list", "language_list", "time_zone", "watch_capacity", "active"]
    list_filter = ["active", "locations"]
    search_fields = ["display_name", "user__username", "user__email"]
    filter_horizontal = ["locations"]
    autocomplete_fields = ["user"]
    inlines = [StaffHoursInline, StaffOverrideInline]

    @admin.display(description="roles")
    def role_list(self, obj: StaffMember) -> str:
        return ", ".join(obj.roles)

    @admin.display(description="languages")
    def language_list(self, obj: StaffMember) -> str:
        return ", ".join(obj.languages)


class PhaseFormSet(forms.BaseInlineFormSet):
    """A phase may only need a chair or room every in-person location of the service has.

    The service's locations come from the same submitted page (its form is validated first but
    its many-to-many is saved after the phases), so they are read from the form data."""

    def clean(self):
        super().clean()
        phases = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        orders = [p["order"] for p in phases if p.get("order") is not None]
        if len(orders) != len(set(orders)):
            raise ValidationError("Two phases have the same order; number them 1, 2, 3 ... in the order they happen.")
        if self.data.get("modality", getattr(self.instance, "modality", "")) == Modality.VIDEO:
            return
        ids = [pk for pk in self.data.getlist("locations") if str(pk).isdigit()]
        kinds = {p["resource_kind"]: p.get("name") or f"phase {p.get('order')}" for p in phases if p.get("resource_kind")}
        problems = missing_resource_kinds(locations=list(Location.objects.filter(pk__in=ids)), kinds=kinds)
        if problems:
            raise ValidationError(" ".join(problems) + " Add one there, or take that location off this service.")


class PhaseInline(admin.TabularInline):
    model = Phase
    formset = PhaseFormSet
    extra = 0
    ordering = ["order"]
    fields = ["order", "name", "duration_minutes", "staff_role", "staff_usage", "resource_kind", "present_role"]


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = "__all__"

    def clean(self):
        data = super().clean()
        virtual = [loc.name for loc in data.get("locations") or () if loc.is_virtual]
        if virtual:
            self.add_error("locations", f"{', '.join(virtual)} is a telehealth location: video visits need no "
                                        "location. Set the modality to video or either instead.")
        if data.get("modality") == Modality.VIDEO and data.get("locations"):
            self.add_error("locations", "A video-only service is not offered at a location; leave this empty or "
                                        "set the modality to either.")
        return data


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ["name", "code", "category", "modality", "duration", "bookable_online", "active"]
    list_filter = ["category", "modality", "bookable_online", "active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["locations"]
    inlines = [PhaseInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "description", "description_es", "category", "is_dosing", "modality",
                           "locations", "active"]}),
        ("Booking rules", {"fields": ["min_notice_minutes", "horizon_days", "slot_step_minutes",
                                      "buffer_before_minutes", "buffer_after_minutes", "cancellation_window_hours",
                                      "bookable_online", "patient_chooses_staff"]}),
        ("Instructions before the visit", {"fields": ["prep_instructions", "prep_instructions_es"]}),
    ]

    @admin.display(description="minutes")
    def duration(self, obj: Service) -> int:
        return sum(p.duration_minutes for p in obj.phases.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("phases")


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["__str__", "staff", "resource", "location", "location_for_staff"]
    list_filter = ["weekday", "location", "location_for_staff"]
    list_select_related = ["staff", "resource", "location", "location_for_staff"]


@admin.register(HoursOverride)
class HoursOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "start_time", "end_time", "staff", "resource", "location", "reason"]
    list_filter = ["kind", "location"]
    date_hierarchy = "date"
    list_select_related = ["staff", "resource", "location"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["location", "start_date", "end_date", "reason"]
    list_filter = ["location"]
    date_hierarchy = "start_date"


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["legal_last_name", "legal_first_name", "preferred_name", "date_of_birth", "phone", "language",
                    "state", "sms_consent", "sms_opted_out"]
    list_filter = ["language", "state", "sms_consent", "sms_opted_out", "prefers_email"]
    search_fields = ["legal_last_name", "legal_first_name", "preferred_name", "phone", "email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["user", "legal_first_name", "legal_last_name", "preferred_name", "date_of_birth"]}),
        ("Contact", {"fields": ["phone", "email", "time_zone", "language", "interpreter_language", "state",
                              "prefers_email"]}),
        ("SMS consent", {"fields": ["sms_consent", "sms_consent_at", "sms_consent_source", "sms_opted_out"]}),
        (None, {"fields": ["created_at"]}),
    ]


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    fields = ["phase", "staff", "resource", "start", "end", "exclusive", "share", "hold_expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: appointments change through the booking services, which keep allocations,
    events and messages in step."""

    list_display = ["start", "service", "location", "modality", "status", "patient"]
    list_filter = ["status", "modality", "location", "service"]
    date_hierarchy = "start"
    list_select_related = ["service", "location", "patient"]
    search_fields = ["patient__legal_last_name", "patient__phone"]
    inlines = [AllocationInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
