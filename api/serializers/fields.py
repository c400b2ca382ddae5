"""Input fields the serializers share."""

from __future__ import annotations

from rest_framework import serializers

# Every table's key is a 64-bit integer: a larger number is refused as invalid input (400)
# before it reaches a query, where the database driver would fail on it (500).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id in a request: a positive integer within the database's key range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
