"""Gunicorn settings for the web process. `make run` and docker compose start the same command
(`gunicorn --config python:config.gunicorn config.wsgi:application`); HOST and PORT pick the address."""

from config.env import env_int, env_str
from config.settings import LOGGING

bind = [f"{env_str('HOST', '0.0.0.0')}:{env_int('PORT', 8000)}"]  # nosec B104 - the container's port; HOST narrows it
workers = env_int("WEB_CONCURRENCY", 2)
timeout = 30
graceful_timeout = 20
# Addresses of proxies whose X-Forwarded-* headers gunicorn trusts.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Django's request-id middleware writes one access line per request; gunicorn's own lines go
# through the same handlers, so production output is JSON throughout.
accesslog = None
logconfig_dict = {
    **LOGGING,
    "loggers": {
        **LOGGING["loggers"],
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
