"""Rows kept for a whole test module, then rolled back: what Django's ``TestCase.setUpTestData``
does for a class, for pytest modules whose tests only read a large set-up (a demo company).

The rows are written inside a transaction opened for the module; each test's own ``db``
transaction is a savepoint within it, so a test's writes are undone and the next test sees the
same rows; at the module's end the transaction is rolled back and the database is as empty as
before. Only for modules that never commit on their own (no ``transactional_db``, no second
process or connection).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction


@contextmanager
def module_rows(django_db_blocker: Any) -> Iterator[None]:
    """Open the module's transaction; roll it back on leaving."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
