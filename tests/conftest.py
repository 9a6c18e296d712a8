"""Shared fixtures: the five personas of the permission matrix and a small world for them.

Personas (all on the "strategic" team unless said otherwise):
- ``csm``: owns ``account``;
- ``teammate``: another CSM of the same team, owns nothing of ``account``;
- ``manager``: manager of the strategic team;
- ``outsider``: a CSM of another team;
- ``viewer``: reads everything, edits nothing;
- ``admin``: CS ops admin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PURE_DIRS = ("core", "demo", "cli", "integrations")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).parent
    for item in items:
        relative = Path(str(item.fspath)).relative_to(tests_dir)
        if relative.parts and relative.parts[0] in PURE_DIRS:
            item.add_marker(pytest.mark.pure)


@pytest.fixture(autouse=True)
def _forget_process_caches() -> None:
    """A test starts without what an earlier test's rolled-back data left in a process cache
    (the account list's filter choices), and in the default language: a request through the
    test client leaves its member's language active in the thread (``LocaleMiddleware``)."""
    from django.apps import apps

    if apps.ready:
        from django.utils import translation

        from kizuna.apps.customers.forms import filter_choices_clear

        filter_choices_clear()
        translation.deactivate()


@pytest.fixture
def world(db: Any) -> Any:
    from tests.factories import build_world

    return build_world()
