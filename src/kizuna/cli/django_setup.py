"""Set Django up for commands that need the database. Such a command imports the apps' modules
inside its function, after ``setup()``: models cannot be imported before it, and the commands
that need no database (``kizuna --help``, ``kizuna revenue``) start without Django. These late
imports are listed in tests/test_structure.py."""

from __future__ import annotations

import os


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
