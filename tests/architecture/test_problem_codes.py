"""The schema says what the API answers: every problem code an operation's handler can raise is
listed under that operation's problem responses, every extension member any problem carries is in
the Problem schema, descriptions are written for clients (no code comments), and documented
defaults are the code's."""

from __future__ import annotations

import ast
import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from api.problem_codes import ENGINE_RULES, OPERATION_CODES
from scheduling.services.courses import START_WINDOW
from scheduling.services.placement import TAKEN_CODES

from . import problem_codes as source

METHODS = ("get", "post", "put", "patch", "delete")
# Members every problem has, or that DomainError's constructor takes for itself.
BASE_MEMBERS = {"type", "title", "status", "code", "detail"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func.view_class
        for method, operation in methods.items():
            if method in METHODS:
                yield path, method, view, operation


def engine_rule_codes() -> set[str]:
    """The codes the availability engine refuses with (SlotUnavailable's second argument, and the
    holder reasons explain.py ranks), less those that mean someone else took the time."""
    codes = set()
    for module in (m for name, m in source.modules.items() if name.startswith("scheduling.availability")):
        for node in ast.walk(module.tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "SlotUnavailable" and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant)):
                codes.add(node.args[1].value)
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PRECEDENCE" for t in node.targets):
                codes.update(element.value for element in node.value.elts)
    return codes - TAKEN_CODES


def test_the_engine_rules_the_schema_names_are_the_engines():
    assert set(ENGINE_RULES) == engine_rule_codes()


def test_every_operation_documents_every_code_its_handler_can_raise(schema):
    missing = []
    for path, method, view, operation in operations(schema):
        for status, code in sorted(source.handler_codes(view, method)):
            codes = set(ENGINE_RULES) if code == source.DYNAMIC else {code}
            documented = set(operation["responses"].get(str(status), {}).get("x-problem-codes", ()))
            missing += [f"{method.upper()} {path} ({operation['operationId']}): {status} {name}"
                        for name in sorted(codes - documented)]
    assert missing == [], "add them to api/problem_codes.py OPERATION_CODES:\n" + "\n".join(missing)


def test_the_listed_codes_belong_to_operations_that_exist_and_appear_in_the_schema(schema):
    ids = {operation["operationId"]: operation for *_, operation in operations(schema)}
    assert set(OPERATION_CODES) <= set(ids)
    for operation_id, by_status in OPERATION_CODES.items():
        for status, codes in by_status.items():
            response = ids[operation_id]["responses"][str(status)]
            assert response["x-problem-codes"] == sorted(set(codes))
            assert all(f"`{code}`" in response["description"] for code in codes)
            assert response["content"]["application/problem+json"]["schema"]["$ref"] == "#/components/schemas/Problem"


def test_a_lost_race_and_a_rule_are_documented_apart_for_booking(schema):
    book = schema["paths"]["/api/v1/appointments"]["post"]["responses"]
    assert "slot_taken" in book["409"]["x-problem-codes"] and "slot_taken" not in book["422"]["x-problem-codes"]
    assert {"outside_hours", "time_off", "min_notice", "gate_failed"} <= set(book["422"]["x-problem-codes"])


def extension_members_sent() -> dict[str, set[str]]:
    """Keyword arguments given to a core.errors class (or subclass) or to problem_body /
    problem_response anywhere in the product, beyond the base members: what problems carry."""
    sent: dict[str, set[str]] = {}
    for module in source.modules.values():
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            is_error = source.error_info(module, name) is not None if isinstance(node.func, ast.Name) else False
            if not (is_error or name in ("problem_body", "problem_response")):
                continue
            for keyword in node.keywords:
                if keyword.arg and keyword.arg not in BASE_MEMBERS:
                    sent.setdefault(keyword.arg, set()).add(module.name)
    return sent


def test_the_problem_schema_lists_every_extension_member_sent(schema):
    members = set(schema["components"]["schemas"]["Problem"]["properties"])
    sent = extension_members_sent()
    assert {"reason", "visit", "kind", "earliest_start", "gate", "how_to_satisfy", "overridable", "gates"} <= set(sent)
    assert sorted(set(sent) - members) == []


def descriptions(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield where, value
            else:
                yield from descriptions(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from descriptions(value, f"{where}/{index}")


# What a code comment says and a client never needs to read.
COMMENT_MARKERS = re.compile(r"serializer|queryset|hot path|for the schema|docstring|\bself\.|TODO|XXX|"
                             r"withheld`|tests/|\.py\b", re.IGNORECASE)


def test_no_code_comment_leaks_into_a_description(schema):
    leaks = [f"{where}: {text[:100]}" for where, text in descriptions(schema) if COMMENT_MARKERS.search(text)]
    assert leaks == []


def test_requests_built_on_a_shared_base_describe_themselves(schema):
    components = schema["components"]["schemas"]
    texts = [components[name].get("description", "") for name in
             ("HoldRequestRequest", "RescheduleRequestRequest", "CourseRequestRequest", "CancelRequestRequest")]
    assert len(set(texts) - {""}) == len([t for t in texts if t])  # none repeats another's


def test_documented_defaults_are_the_codes(schema):
    course = schema["components"]["schemas"]["CourseRequestRequest"]["properties"]
    assert f"default: {START_WINDOW.days} days after start_from" in course["start_by"]["description"]
    resume = schema["components"]["schemas"]["ResumeRequestRequest"]["properties"]
    assert f"default: {START_WINDOW.days} days after start_from" in resume["start_by"]["description"]
