"""The audit log: one row per staff read of a patient's record and per change to clinical,
consent and clinic-configuration records. Rows are only ever added.

The append-only rule is kept in three places: here (a saved row cannot be saved again, deleted,
or changed through a queryset), in the admin (read-only for everyone) and, on PostgreSQL, in a
trigger that refuses UPDATE, DELETE and TRUNCATE (migration 0002). The actor and the patient are
kept by id without a database constraint, so deleting a user or a patient never touches the log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry."""

    def __init__(self, what: str = "changed"):
        super().__init__(f"Audit entries cannot be {what}: the audit log is append-only.")


class Action(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    OVERRIDE = "override", "Override"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("changed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("changed")

    def delete(self):
        raise AuditLogIsAppendOnly("deleted")

    delete.queryset_only = True

    def _raw_delete(self, using):
        raise AuditLogIsAppendOnly("deleted")


class AuditEntry(models.Model):
    """Who did what to which record of which patient, when, and from where.

    `summary` is a short, non-clinical description ("check-in answers", "changed fields: Name");
    never free text or answers. `record_kind` is the record's model label (`scheduling.patient`)
    and `record_id` its id; a list read leaves `record_id` empty and names its filter in `summary`.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+",
                              help_text="Empty for the system (webhooks, workers).")
    actor_username = models.CharField(max_length=150, blank=True, help_text="As it was at the time.")
    actor_role = models.CharField(max_length=20, blank=True, help_text="The actor's role at the time.")
    action = models.CharField(max_length=10, choices=Action.choices)
    record_kind = models.CharField(max_length=100, help_text="The record's model label, e.g. scheduling.patient.")
    record_id = models.CharField(max_length=64, blank=True, help_text="Empty for a list read.")
    patient = models.ForeignKey("scheduling.Patient", null=True, blank=True, on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="+")
    summary = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="The client as seen through NUM_PROXIES.")
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="audit_patient_newest"),
            models.Index(fields=["actor", "-at"], name="audit_actor_newest"),
            models.Index(fields=["record_kind", "record_id"], name="audit_record"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "system"
        what = f"{self.record_kind} {self.record_id}".strip()
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("changed")
        kwargs.pop("force_update", None)
        kwargs["force_insert"] = True  # never an UPDATE, even with a pk set
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("deleted")
