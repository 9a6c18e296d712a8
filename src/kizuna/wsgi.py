"""WSGI entry point: ``gunicorn kizuna.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

from kizuna.secret_key import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
require_secret_key()  # refuse to start without one, rather than fail on the first login
application = get_wsgi_application()
