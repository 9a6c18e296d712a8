from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tests.module_rows import module_rows


@pytest.fixture(autouse=True)
def usage_dir(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Path:
    """The demo's usage goes into the usage store: a fresh one per test, or the module's when
    the test reads the module's demo company."""
    if "demo_company" not in request.fixturenames:
        settings.USAGE_DIR = tmp_path / "usage"
    return Path(settings.USAGE_DIR)


@pytest.fixture(scope="module")
def demo_company(
    request: pytest.FixtureRequest,
    django_db_setup: Any,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """The demo (seed 7; 80 accounts unless the module sets ``DEMO_ACCOUNTS``), loaded once
    for a module whose tests only read it (each test's writes are undone;
    ``tests/module_rows.py``)."""
    from kizuna.apps.demo.services import demo_load_if_empty

    accounts = getattr(request.module, "DEMO_ACCOUNTS", 80)
    usage = override_settings(USAGE_DIR=tmp_path_factory.mktemp("usage"))
    with usage, module_rows(django_db_blocker):
        demo_load_if_empty(accounts=accounts, seed=7, password="kizuna-demo")
        yield


@pytest.fixture
def demo(demo_company: None, db: Any) -> None:
    """The module's demo company, inside this test's savepoint."""
