"""The REST API, version 1. Each app contributes a router from its own ``api.py``."""

from __future__ import annotations

from ninja import NinjaAPI

from kizuna.apps.api.auth import ApiTokenAuth
from kizuna.apps.api.errors import install_error_handlers
from kizuna.apps.coverage.api import router as coverage_router
from kizuna.apps.customers.api import router as customers_router
from kizuna.apps.segments.api import router as segments_router
from kizuna.apps.touchpoints.api import router as touchpoints_router

api = NinjaAPI(
    title="Kizuna API",
    version="1",
    description=(
        "Customer Success operations: accounts, subscription lines, contacts and touchpoints. "
        "Authenticate with a personal API token: `Authorization: Bearer kz_…`. Amounts are "
        "integers in the company currency's minor units (JPY: yen)."
    ),
    auth=ApiTokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", customers_router)
api.add_router("/", touchpoints_router)
api.add_router("/", segments_router)
api.add_router("/", coverage_router)
api.add_router("/", "kizuna.apps.assignments.api.router")
api.add_router("/", "kizuna.apps.revenue.api.router")
api.add_router("/", "kizuna.apps.usage.api.router")
api.add_router("/", "kizuna.apps.onboarding.api.router")
api.add_router("/", "kizuna.apps.health.api.router")
