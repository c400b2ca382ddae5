"""What the API itself keeps: the first answer to each Idempotency-Key (api/idempotency.py)."""

from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an Idempotency-Key, replayed for a retry."""

    owner = models.CharField(max_length=80, help_text="user:<id>, or anon:<hash> for anonymous callers")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_unique_owner_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
