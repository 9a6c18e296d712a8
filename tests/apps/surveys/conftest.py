from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.apps.notify.conftest import commit, run_queue
from tests.apps.org.conftest import smtp_down, smtp_server

__all__ = ["clear_cache", "commit", "run_queue", "smtp_down", "smtp_server"]


@pytest.fixture(autouse=True)
def clear_cache() -> Iterator[None]:
    """The rate limiter counts in the cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()
