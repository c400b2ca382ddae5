"""Errors as OperationOutcome resources: the API's problem details (same status, same stable
`code`, same words) in FHIR's shape, so an integrator branches on the code either way."""

from __future__ import annotations

from typing import Any

from api.problems import problem_exception_handler, TYPE_BASE

CONTENT_TYPE = "application/fhir+json"
CODE_SYSTEM = TYPE_BASE.rstrip("/")

# FHIR's issue types (http://hl7.org/fhir/issue-type) for our statuses.
_ISSUE_TYPES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    412: "conflict",
    415: "not-supported",
    422: "business-rule",
    429: "throttled",
    503: "transient",
}


def operation_outcome(
    status: int, code: str, detail: str, *, diagnostics: str = "", expressions: list[str] | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": _ISSUE_TYPES.get(status, "exception"),
        "details": {"coding": [{"system": CODE_SYSTEM, "code": code}], "text": detail},
    }
    if diagnostics:
        issue["diagnostics"] = diagnostics
    if expressions:
        issue["expression"] = expressions
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_exception_handler(exc: Exception, context: dict):
    """The API's handler decides status, code and words (and logs, rolls back, sets Retry-After);
    this one only reshapes its body."""
    response = problem_exception_handler(exc, context)
    if response is None:
        return None
    problem = response.data or {}
    errors = problem.get("errors") or []
    outcome = operation_outcome(
        response.status_code,
        problem.get("code", "error"),
        problem.get("detail", ""),
        expressions=[e["field"] for e in errors if e.get("field")] or None,
    )
    for error in errors[1:]:
        outcome["issue"].append(
            {
                "severity": "error",
                "code": "invalid",
                "details": {
                    "coding": [{"system": CODE_SYSTEM, "code": error.get("code", "invalid")}],
                    "text": error.get("message", ""),
                },
                **({"expression": [error["field"]]} if error.get("field") else {}),
            }
        )
    response.data = outcome
    response.content_type = CONTENT_TYPE
    return response
