"""What every response tells the browser: HTTPS only in production (HSTS, secure cookies), no
sniffing, no framing, no Referer to other sites, its own browsing context group, and a strict
Content-Security-Policy that only the video visit page and the API docs widen, each for one
reason. No CORS headers are sent: no other origin may read the API from a browser.

Production settings are built in a fresh process (tests/foundation/subprocess_env.py), as
`manage.py check --deploy` is.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs

from tests.foundation.subprocess_env import PRODUCTION, run_python, settings_json

PRODUCTION_RESPONSE = textwrap.dedent("""
    import json, django
    django.setup()
    from django.test import Client
    client = Client()
    page = client.get("/desk/login", HTTP_HOST="clearday.example", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/desk/login", HTTP_HOST="clearday.example")
    print(json.dumps({"status": page.status_code, "headers": dict(page.headers),
                      "cookies": {name: dict(morsel) for name, morsel in page.cookies.items()},
                      "plain": [plain.status_code, plain.headers.get("Location")]}))
""")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


# --- Production -------------------------------------------------------------------------------

def test_production_settings_make_the_site_https_only_with_secure_http_only_same_site_cookies(tmp_path):
    values = settings_json(
        "{name: getattr(s, name) for name in ['SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        " 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE',"
        " 'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', 'LANGUAGE_COOKIE_SAMESITE', 'X_FRAME_OPTIONS',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'SECURE_CROSS_ORIGIN_OPENER_POLICY']}",
        data_dir=tmp_path, **PRODUCTION)

    assert values == {
        "SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True, "LANGUAGE_COOKIE_HTTPONLY": True, "LANGUAGE_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY", "SECURE_CONTENT_TYPE_NOSNIFF": True, "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    }


def test_a_production_page_carries_every_security_header_and_plain_http_is_redirected(tmp_path):
    result = run_python(PRODUCTION_RESPONSE, data_dir=tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])

    headers, csrf_cookie = answer["headers"], answer["cookies"]["csrftoken"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert (csrf_cookie["secure"], csrf_cookie["httponly"], csrf_cookie["samesite"]) == (True, True, "Lax")
    assert answer["plain"] == [301, "https://clearday.example/desk/login"]


def test_production_secrets_are_the_environments_and_none_is_written_in_the_settings(tmp_path):
    secrets = ["SECRET_KEY", "JITSI_APP_SECRET", "TWILIO_AUTH_TOKEN", "EMAIL_HOST_PASSWORD"]
    chosen = {name: f"from-the-environment-{name.lower()}-7Gq2xV9pL4" for name in secrets}

    values = settings_json(f"[getattr(s, name) for name in {secrets!r}]", data_dir=tmp_path,
                           **{**PRODUCTION, **chosen})

    assert values == [chosen[name] for name in secrets]
    # The only literals a secret setting may hold are the development stand-ins, which name
    # themselves insecure; production refuses to start without the real ones.
    source = (settings.BASE_DIR / "config" / "settings.py").read_text()
    assignments = re.findall(r"^\s*(\w*(?:SECRET|TOKEN|PASSWORD|_KEY)\w*)\s*=\s*(.+)$", source, re.MULTILINE)
    literals = [(name, literal) for name, value in assignments
                for literal in re.findall(r"[\"']([^\"']{6,})[\"']", re.sub(r"env_\w+\([^)]*\)", "", value))]
    assert {name for name, _ in assignments} >= set(secrets)
    assert [(name, literal) for name, literal in literals if not literal.startswith("insecure-")] == []


# --- Every environment --------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/desk/login", "/me/sign-in", "/no-such-page", "/api/v1/services"])
def test_pages_and_the_api_answer_with_the_strict_policy(client, path):
    response = client.get(path)

    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"][0] == "'self'" and all(s.startswith("'nonce-") for s in directives["style-src"][1:])
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert not {"frame-src", "connect-src", "img-src", "script-src-attr", "style-src-attr"} & directives.keys()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_calendar_styles_carry_the_nonce_the_policy_names(client):
    from accounts.models import Role
    from tests.factories import LocationFactory, StaffMemberFactory, UserFactory

    location = LocationFactory(name="Phoenix", time_zone="America/Phoenix")
    desk = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=desk, roles=["front_desk"], locations=[location])
    client.force_login(desk)

    response = client.get(f"/desk/?location={location.pk}")

    nonces = re.findall(r'<style nonce="([^"]+)">', response.content.decode())
    assert response.status_code == 200
    assert len(nonces) == 1
    assert policy(response)["style-src"] == ["'self'", f"'nonce-{nonces[0]}'"]


@pytest.mark.django_db
def test_only_the_video_visit_page_may_post_to_the_video_server(client, settings):
    settings.JITSI_BASE_URL = "https://meet.clinic.example/clearday"

    visit_page = policy(client.get("/visit/not-a-real-token"))
    home = policy(client.get("/"))

    assert visit_page["form-action"] == ["'self'", "https://meet.clinic.example"]
    assert visit_page["script-src"] == ["'self'"] and "frame-src" not in visit_page
    assert home["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_only_the_api_docs_allow_inline_styles_and_their_scripts_still_come_from_here(client):
    swagger = client.get("/api/docs/")
    start_up_script = client.get("/api/docs/?script=")

    assert policy(swagger)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy(swagger)["script-src"] == ["'self'"]
    assert "<script>" not in swagger.content.decode()
    assert start_up_script["Content-Type"].startswith("application/javascript")
    assert "'unsafe-inline'" not in client.get("/")["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "options"])
def test_no_cors_headers_are_sent_to_another_origin(client, method):
    response = getattr(client, method)("/api/v1/services", HTTP_ORIGIN="https://elsewhere.example",
                                       HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")

    assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_no_template_has_an_inline_script_style_attribute_or_event_handler():
    """The policy would refuse them in the browser; this finds them without one."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=[\"']|\son[a-z]+=[\"']|javascript:|<style(?![^>]*nonce=)",
                        re.IGNORECASE)
    comment = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
    roots = [Path(d) for d in get_app_template_dirs("templates") if Path(d).is_relative_to(settings.BASE_DIR)
             and ".venv" not in Path(d).parts]
    found = [f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
             for root in roots for path in root.rglob("*.html")
             for match in inline.finditer(comment.sub("", path.read_text(encoding="utf-8")))]

    assert roots
    assert found == []
