"""The composed pages keep the addresses and route names they had before they moved here: the
account list and the account page in the ``customers`` namespace, 今日 in ``coverage``, the
ops page (usage data and import runs) in ``usage``. Each
namespace is therefore mounted from here (``kizuna.urls``): the composed pages first, then the
lower app's own routes."""

from django.urls import URLPattern, URLResolver, path

from kizuna.apps.coverage import urls as coverage_urls
from kizuna.apps.customers import urls as customers_urls
from kizuna.apps.pages import views
from kizuna.apps.usage import urls as usage_urls

type Namespace = tuple[list[URLPattern | URLResolver], str]

customers: Namespace = (
    [
        path("", views.account_list, name="account_list"),
        path("<int:account_id>/", views.account_detail, name="account_detail"),
        *customers_urls.urlpatterns,
    ],
    "customers",
)
coverage: Namespace = (
    [path("today/", views.worklist, name="worklist"), *coverage_urls.urlpatterns],
    "coverage",
)
usage: Namespace = (
    [path("", views.ops, name="ops"), *usage_urls.urlpatterns],
    "usage",
)
