"""The one pagination every API list uses (settings: DEFAULT_PAGINATION_CLASS): `limit` and `offset`.

DRF's LimitOffsetPagination quietly replaces a `limit` it cannot read with the default, and passes
any size it can read to the database: `?limit=18446744073709551616` reached PostgreSQL as a LIMIT
beyond bigint and answered 500. Here both are checked first, and anything outside their range is a
400 problem (`invalid_pagination`, with `errors` naming the parameter), never a guess:

- `limit`: a whole number from 1 to MAX_LIMIT. A larger one is refused rather than clamped: a
  client that asked for 1000 rows and silently got 200 could take a partial list for the whole;
  the error names the maximum, and `next` links to the following page.
- `offset`: a whole number from 0 to the database's integer range. An offset past the end is an
  empty page (as in DRF), not an error.
- an empty value (`?limit=`) counts as absent.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination

from api.serializers.fields import MAX_ID
from core.errors import DomainError

MAX_LIMIT = 200


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, error_messages={
        "invalid": f"limit must be a whole number from 1 to {MAX_LIMIT}.",
        "min_value": f"limit must be a whole number from 1 to {MAX_LIMIT}.",
        "max_value": f"limit is at most {MAX_LIMIT}; follow `next` for the following page.",
        "max_string_length": f"limit must be a whole number from 1 to {MAX_LIMIT}.",
    })
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_ID, error_messages={
        "invalid": "offset must be a whole number, 0 or more.",
        "min_value": "offset must be a whole number, 0 or more.",
        "max_value": "offset is beyond any list's length.",
        "max_string_length": "offset is beyond any list's length.",
    })


def invalid_pagination(errors: dict) -> DomainError:
    fields = [{"field": name, "message": str(messages[0]), "code": messages[0].code} for name, messages in errors.items()]
    return DomainError(fields[0]["message"], code="invalid_pagination", errors=fields)


class Pagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        query = PageQuerySerializer(data={name: request.query_params.get(name) for name in ("limit", "offset")
                                          if request.query_params.get(name, "") != ""})
        if not query.is_valid():
            raise invalid_pagination(query.errors)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        """The same bounds in the schema, so clients (and the fuzz) know them."""
        bounds = {"limit": {"minimum": 1, "maximum": MAX_LIMIT, "default": self.default_limit},
                  "offset": {"minimum": 0, "maximum": MAX_ID}}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
