"""The booking tests' small Phoenix clinic (one chair, one nurse), and a validator for what the
FHIR facade serves: fhir.resources' R4B models (fhir.resources 8 keeps R4-compatible models in
`fhir.resources.R4B`; its top-level package is R5)."""

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.booking.conftest import clinic, frozen, people  # noqa: F401  (fixtures)


def valid(body: dict) -> dict:
    """Validate a resource (a Bundle's entries too) with its R4B model; returns the body."""
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    for entry in body.get("entry", []):
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    return body


@pytest.fixture
def fhir_valid():
    return valid
