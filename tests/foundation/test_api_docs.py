"""The API is documented: OpenAPI at /api/schema/, Swagger UI at /api/docs/ with no CDN."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_documents_sign_in(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/code", "/api/v1/auth/verify", "/api/v1/auth/logout", "/api/v1/me"} <= schema["paths"].keys()
    verify_errors = schema["paths"]["/api/v1/auth/verify"]["post"]["responses"]["400"]["content"]
    assert verify_errors["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_docs_page_loads_its_assets_from_this_server(settings):
    settings.WHITENOISE_USE_FINDERS = True  # the test run has no collectstatic
    client = Client()

    page = client.get("/api/docs/")
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.content.decode())

    assert page.status_code == 200
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert all(client.get(asset).status_code == 200 for asset in assets)
