"""Settings for the test suite: the product's settings with fast hashing and plain static files.

The test client speaks plain HTTP, so the production HTTPS settings are off here (the deploy
check with the README's production settings runs in tests/cli/test_security_settings.py); each
run gets a random secret key.
"""

import secrets
import tempfile
from pathlib import Path

from kizuna.settings import *  # noqa: F403
from kizuna.settings import STORAGES

SECRET_KEY = secrets.token_urlsafe(50)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
HTTPS = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# the drop folder of the minute import job: a folder no run has, unless a test sets its own
IMPORT_DIR = Path(tempfile.gettempdir()) / f"kizuna-test-imports-{secrets.token_hex(8)}"
