"""Settings for benchmark servers: the product's settings plus the bench-only one-insert ceiling
app and URL, so the product's own INSTALLED_APPS and URL conf never carry benchmark code."""

import os

# Importing config.settings first runs config/__init__, which loads the Celery app, which reads
# Django settings. Were this module the one named then, Django would read it half-imported; so
# the product's settings are named while they load, and this module is named again after.
_requested = os.environ.get("DJANGO_SETTINGS_MODULE")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
try:
    from config.settings import *  # noqa: E402,F401,F403
    from config.settings import INSTALLED_APPS  # noqa: E402
finally:
    if _requested is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = _requested

INSTALLED_APPS = [*INSTALLED_APPS, "bench.ceiling"]
ROOT_URLCONF = "bench.urls"
