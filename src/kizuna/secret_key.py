"""Kizuna's secret key: from the environment in production, generated once for a trial.

Production sets ``KIZUNA_SECRET_KEY``; no default is shipped. A trial on one machine
(``kizuna demo`` or ``KIZUNA_DEBUG=1``) gets a random key written to the data folder on first
start and read from there afterwards, so sessions survive a restart. Without either, the
setting stays empty: tools that sign nothing (migrations, translations, type checks) still run,
and the web server refuses to start (``kizuna.wsgi`` calls :func:`require_secret_key`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "secret_key"
MINIMUM_LENGTH = 50  # Django's deploy check asks for 50 characters or more

MISSING_KEY = (
    "KIZUNA_SECRET_KEY is not set. In production (KIZUNA_DEBUG off) Kizuna needs a secret key "
    "of its own: generate one with "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' and set KIZUNA_SECRET_KEY "
    "(README, Running in production). For a trial on this machine, `kizuna demo` or "
    "KIZUNA_DEBUG=1 generates one in the data folder."
)


def secret_key_from_file(path: Path) -> str:
    """The key stored at ``path``, created first if missing: random, readable by the owner
    only (0600). Safe when several processes start at once: each writes a complete candidate
    to its own temporary file and links it into place; the first link wins and everyone
    reads the winner's key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(MINIMUM_LENGTH) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(candidate, path)  # atomic: the file appears whole or not at all
        finally:
            candidate.unlink(missing_ok=True)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MINIMUM_LENGTH:
        raise ImproperlyConfigured(
            f"The secret key file {path} is empty or too short; delete it to generate a new "
            "one (this signs everyone out)."
        )
    return key


def require_secret_key() -> None:
    """Refuse to serve without a secret key, saying how to configure one."""
    from django.conf import settings

    try:
        configured = bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django's own "must not be empty"
        configured = False
    if not configured:
        raise ImproperlyConfigured(MISSING_KEY)
