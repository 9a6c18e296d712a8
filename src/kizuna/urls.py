"""Top-level URL map: each app owns its own ``urls.py``; the composed pages
(``kizuna.apps.pages.urls``) mount the namespaces they share with a lower app."""

from django.contrib import admin
from django.urls import include, path

from kizuna.api import api
from kizuna.apps.pages import urls as pages

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include(pages.customers)),
    path("accounts/", include("kizuna.apps.touchpoints.urls")),
    path("segments/", include("kizuna.apps.segments.urls")),
    path("", include(pages.coverage)),
    path("", include("kizuna.apps.assignments.urls")),
    path("revenue/", include("kizuna.apps.revenue.urls")),
    # the monthly CS report, under the KPI pages' prefix (before any "kpis/" line)
    path("kpis/report/", include("kizuna.apps.reports.urls")),
    path("usage/", include(pages.usage)),
    path("onboarding/", include("kizuna.apps.onboarding.urls")),
    path("health/", include("kizuna.apps.health.urls")),
    path("rules/", include("kizuna.apps.rules.urls")),
    path("imports/", include("kizuna.apps.imports.urls")),
    path("tasks/", include("kizuna.apps.tasks.urls")),
    path("csqls/", include("kizuna.apps.expansion.urls")),
    path("feedback/", include("kizuna.apps.feedback.urls")),
    path("playbooks/", include("kizuna.apps.playbooks.urls")),
    # the renewal forecast (its own URL module, beside the renewals pipeline's)
    path("renewals/forecast/", include("kizuna.apps.renewals.urls_forecast")),
    path("renewals/", include("kizuna.apps.renewals.urls")),
    path("funnels/", include("kizuna.apps.funnels.urls")),
    path("churn-reasons/", include("kizuna.apps.churnreasons.urls")),
    # the organisation diagnosis, before any other "kpis/" route (the KPI home's)
    path("kpis/diagnosis/", include("kizuna.apps.diagnosis.urls")),
    path("kpis/", include("kizuna.apps.kpis.urls")),
    path("export/", include("kizuna.apps.exports.urls")),
    path("notifications/", include("kizuna.apps.notify.urls")),
    path("surveys/", include("kizuna.apps.surveys.urls")),
    # the public survey answer page (no sign-in; a signed link from the survey e-mail)
    path("s/", include("kizuna.apps.surveys.urls_public")),
    path("", include("kizuna.apps.front.urls")),
    path("", include("kizuna.apps.front.token_urls")),
]

handler403 = "kizuna.apps.front.errors.permission_denied"
handler404 = "kizuna.apps.front.errors.page_not_found"
# 500: logged with its traceback; JSON under /api/, else the plain templates/500.html (no
# request, no database).
handler500 = "kizuna.apps.api.errors.server_error"
