import gc
import importlib
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# The web process's garbage collector. Reference counting frees what a request builds; the cycle
# collector only has to find cycles, and by default it runs every 700 new objects. A month of
# availability makes thousands per request, so it ran several times per answer, each time walking
# everything loaded at start-up: 3 ms of a lean answer and 11 ms of a full one went to it
# (docs/architecture.md, "Settings and processes"). So what start-up loads (settings, models, the
# URL conf and the views it imports) is frozen out of the collector's reach, and it runs every
# 50,000 new objects.
importlib.import_module(settings.ROOT_URLCONF)
gc.freeze()
gc.set_threshold(50_000, *gc.get_threshold()[1:])
