"""The REST API root, version 1, mounted at ``/api/v1/`` by ``kizuna.urls``: each app
contributes a router from its own ``api.py``; the shared plumbing (token auth, the one error
shape, bounded types) is ``kizuna.apps.api``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from kizuna.apps.api.auth import ApiTokenAuth
from kizuna.apps.api.errors import install_error_handlers
from kizuna.apps.api.schemas import ERROR_DESCRIPTIONS, documented_components
from kizuna.apps.assignments.api import router as assignments_router
from kizuna.apps.churnreasons.api import router as churnreasons_router
from kizuna.apps.coverage.api import router as coverage_router
from kizuna.apps.customers.api import router as customers_router
from kizuna.apps.diagnosis.api import router as diagnosis_router
from kizuna.apps.expansion.api import router as expansion_router
from kizuna.apps.feedback.api import router as feedback_router
from kizuna.apps.funnels.api import router as funnels_router
from kizuna.apps.health.api import router as health_router
from kizuna.apps.kpis.api import router as kpis_router
from kizuna.apps.notify.api import router as notify_router
from kizuna.apps.onboarding.api import router as onboarding_router
from kizuna.apps.playbooks.api import router as playbooks_router
from kizuna.apps.renewals.api import router as renewals_router
from kizuna.apps.renewals.api_forecast import router as renewals_forecast_router
from kizuna.apps.reports.api import router as reports_router
from kizuna.apps.revenue.api import router as revenue_router
from kizuna.apps.rules.api import router as rules_router
from kizuna.apps.segments.api import router as segments_router
from kizuna.apps.surveys.api import router as surveys_router
from kizuna.apps.surveys.api_followup import router as surveys_followup_router
from kizuna.apps.surveys.api_nps import router as surveys_nps_router
from kizuna.apps.tasks.api import router as tasks_router
from kizuna.apps.touchpoints.api import router as touchpoints_router
from kizuna.apps.usage.api import router as usage_router

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


class KizunaApi(NinjaAPI):
    """NinjaAPI with the names and error answers a generated client should see."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (``list_accounts``), not its module path.
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(documented_components())
        for operations in schema["paths"].values():
            for operation in operations.values():
                _document_errors(operation)
        return schema

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response.headers["Content-Language"] = translation.get_language() or "ja"
        return response


def _document_errors(operation: dict[str, Any]) -> None:
    """Every endpoint answers 401 without a valid token and 400 to invalid input; the other
    errors are declared by each endpoint (``kizuna.apps.api.schemas.errors``)."""
    responses = operation["responses"]
    if operation.get("security"):
        responses.setdefault(401, {})
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault(400, {})
    for status, description in ERROR_DESCRIPTIONS.items():
        if status in responses:
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": ERROR_REF}},
            }


api = KizunaApi(
    title="Kizuna API",
    version="1",
    description=(
        "Customer Success operations: accounts, subscription lines, contacts, touchpoints and "
        "tasks. "
        "Authenticate with a personal API token: `Authorization: Bearer kz_…`. Amounts are "
        "integers in the company currency's minor units (JPY: yen). Every error answers "
        '`{"error": {"code": …, "message": …, "fields": {…}}}` with a message in the '
        "member's language."
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
api.add_router("/", assignments_router)
api.add_router("/", revenue_router)
api.add_router("/", usage_router)
api.add_router("/", onboarding_router)
api.add_router("/", health_router)
api.add_router("/", tasks_router)
api.add_router("/", notify_router)
api.add_router("/", rules_router)
api.add_router("/", playbooks_router)
# the forecast's fixed paths (/renewals/forecast) before a renewal's (/renewals/{id})
api.add_router("/", renewals_forecast_router)
api.add_router("/", renewals_router)
api.add_router("/", funnels_router)
api.add_router("/", expansion_router)
api.add_router("/", feedback_router)
api.add_router("/", churnreasons_router)
api.add_router("/", surveys_router)
api.add_router("/", surveys_followup_router)
api.add_router("/", surveys_nps_router)
api.add_router("/", reports_router)
api.add_router("/", kpis_router)
api.add_router("/", diagnosis_router)
