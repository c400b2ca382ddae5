"""How the OpenAPI schema describes what drf-spectacular cannot find out alone."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from api.pagination import Pagination


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """accounts.authentication.DeviceTokenAuthentication: `Authorization: Token <token>`."""

    target_class = "accounts.authentication.DeviceTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization",
                                                   token_prefix=self.target.authenticate_header(None))



PAGINATION_ERROR = {
    "description": "The request is not valid (see `errors`); `invalid_pagination` for a `limit` or `offset` out of range.",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def document_pagination(result, generator, request, public):
    """Every paginated list documents `limit` and `offset` with their bounds, and the 400 it answers
    when one is out of range (api/pagination.py). drf-spectacular gives a view that paginates in its
    own `get` the paginated answer (`Paginated...List`) but not the parameters, and a list with no
    other parameter has no 400 of its own; a list added later is covered without remembering to."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or not _answers_a_page(operation):
                continue
            parameters = operation.setdefault("parameters", [])
            page_parameters = Pagination().get_schema_operation_parameters(view=None)  # fresh dicts: no YAML aliases
            named = {(parameter.get("in"), parameter.get("name")) for parameter in parameters}
            parameters.extend(parameter for parameter in page_parameters if ("query", parameter["name"]) not in named)
            operation["responses"].setdefault("400", PAGINATION_ERROR)
    return result


def _answers_a_page(operation: dict) -> bool:
    ok = operation.get("responses", {}).get("200", {})
    reference = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return reference.startswith("#/components/schemas/Paginated")
