"""Generated requests against the committed OpenAPI document: whatever a client sends, the API
answers as documented and never with a 500.

Schemathesis reads docs/openapi.json (``kizuna openapi --check`` keeps it equal to the code),
generates valid and invalid requests for every operation from a fixed seed (about 15 an
operation, some 500 in all) and sends them with an admin's token to the WSGI application over a
small demo company (loaded once per worker, each operation's writes undone), so that half the
generated ids find a row. Each answer must be documented: its status, its content type and its
body's schema (the error shape included).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kizuna.apps.coverage.services import coverage_snapshot_fill
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.tenant.selectors import tenant_today
from tests.module_rows import module_rows

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
SEED = 20261128
# CI runs a few cases an operation; a deeper run locally:
# KIZUNA_FUZZ_EXAMPLES=200 KIZUNA_FUZZ_COVERAGE=1 pytest tests/apps/api/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("KIZUNA_FUZZ_EXAMPLES", "15"))
COVERAGE_PHASE = os.environ.get("KIZUNA_FUZZ_COVERAGE", "") == "1"
DEMO_ACCOUNTS = 12

config = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
        },
        # The coverage phase adds some 50 boundary cases an operation: too slow for every run.
        "phases": {"coverage": {"enabled": COVERAGE_PHASE}},
    }
)


def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half the generated ids point at rows the demo made (small ids), half are whatever."""
    if not path_parameters:
        return st.just(path_parameters)
    known = {
        key: st.integers(min_value=1, max_value=DEMO_ACCOUNTS)
        for key, value in path_parameters.items()
        if isinstance(value, int)
    }
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(known).map(lambda ids: {**path_parameters, **ids}),
    )


schema = schemathesis.openapi.from_path(DOCUMENT, config=config)
schema.app = WSGIHandler()
schema.hook(flatmap_path_parameters)


@pytest.fixture(scope="module")
def company(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One small demo company for every operation of a worker (``tests/module_rows.py``: each
    case runs in a savepoint, so its writes are undone and the next case sees the same
    company). The WSGI handler closes the database connection after each request, which would
    end that transaction; Django's own test client unhooks this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    usage = override_settings(USAGE_DIR=tmp_path_factory.mktemp("usage"))
    try:
        with usage, module_rows(django_db_blocker):
            demo_load_if_empty(accounts=DEMO_ACCOUNTS, seed=7, password="kizuna-demo")
            coverage_snapshot_fill(day=tenant_today())
            admin = User.objects.get(username="admin")
            _token, raw = api_token_create(user=admin, name="schemathesis")
            yield raw
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(company: str, db: Any) -> str:
    return company


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # a savepoint per operation
def test_it_answers_every_generated_request_as_documented_never_500(case: Any, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
