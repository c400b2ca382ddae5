"""Run Python with Clearday's settings in a fresh process, under an environment of the test's choosing."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# Variables the settings read; a test starts from none of them so the embedded defaults show.
SETTINGS_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CLEARDAY_PRODUCTION", "DEBUG",
                      "SMS_BACKEND", "EMAIL_BACKEND", "TIME_ZONE", "LOG_FORMAT", "CELERY_RESULT_BACKEND",
                      "CLEARDAY_DATA_DIR", "OTP_TTL_SECONDS", "SECURE_SSL_REDIRECT", "NUM_PROXIES", "PUBLIC_BASE_URL",
                      "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_API_BASE_URL",
                      "JITSI_APP_SECRET", "FIELD_ENCRYPTION_KEYS")

# Every secret production insists on (see config/settings.py).
PRODUCTION = {"CLEARDAY_PRODUCTION": "true", "ALLOWED_HOSTS": "clearday.example",
              "SECRET_KEY": "k8Jq2vN9xT4rW7yZ1bC6dF3gH5jL0mP8sU2wE4tY6iO9aS3zX7cV1nB5qR8fG2hK",
              "JITSI_APP_SECRET": "f3Lq9sZx2Vb7Nm4Kp8Rt1Wy6",
              "FIELD_ENCRYPTION_KEYS": "Vd6H0Yb8mJ3xPq2sLr5tNw9zKc4fGh7aUe1iOy0uBnQ="}


def environment(data_dir: Path, **variables: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "CLEARDAY_DATA_DIR": str(data_dir), **variables}


def run_python(code: str, *, data_dir: Path, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=environment(data_dir, **variables), cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=120)


def settings_json(expression: str, *, data_dir: Path, **variables: str):
    """Evaluate `expression` (with `s` = the settings module, after django.setup()) in a fresh process."""
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({expression}, default=str))")
    result = run_python(code, data_dir=data_dir, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
