"""The funnels page: both CS funnels for a cohort range and a cut, a chart each and the
per-cohort tables; ``?format=csv&table=<name>`` downloads one table with the same filters."""

from __future__ import annotations

import csv
from typing import Final

import polars as pl
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.funnels import charts
from kizuna.apps.funnels.forms import FunnelFilterForm
from kizuna.apps.funnels.rows import AccountFunnelRow, RevenueFunnelRow, funnel_rows, typed_row
from kizuna.apps.funnels.selectors import DEFAULT_MONTHS, FunnelData, cut_labels, funnel_data
from kizuna.apps.org.access import require_funnels_view
from kizuna.apps.tenant.selectors import tenant_today

#: the downloadable tables: name → the frame of ``FunnelData`` it writes
TABLES: Final = {
    "accounts": "accounts",
    "account_totals": "account_totals",
    "revenue": "revenue",
    "revenue_totals": "revenue_totals",
}


def _csv(name: str, data: FunnelData) -> HttpResponse:
    """One table as CSV: the core's column names, months as YYYY-MM, rates as fractions,
    money in minor units, empty = undefined (docs/metrics.md)."""
    frame: pl.DataFrame = getattr(data, TABLES[name])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kizuna-funnels-{name}.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.iter_rows():
        writer.writerow(
            [
                "" if value is None else f"{value:%Y-%m}" if hasattr(value, "strftime") else value
                for value in row
            ]
        )
    return response


@login_required
def funnels_page(request: AuthedRequest) -> HttpResponse:
    require_funnels_view(request.user)
    form = FunnelFilterForm(request.GET or None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    today = tenant_today()
    first, last = form.range(today, DEFAULT_MONTHS)
    cut = form.chosen_cut()
    if not form.is_bound:  # show the range the figures are for
        form = FunnelFilterForm(initial={"first": first, "last": last})
    computed_at = timezone.now()
    data = funnel_data(as_of=today, first_month=first, last_month=last, cut=cut)
    if request.GET.get("format") == "csv":
        name = request.GET.get("table", "")
        if name not in TABLES or status != 200:
            raise Http404
        return _csv(name, data)
    labels = dict(cut_labels(cut))
    account_all = typed_row(AccountFunnelRow, data.account_all.row(0, named=True), None)
    revenue_all = typed_row(RevenueFunnelRow, data.revenue_all.row(0, named=True), None)
    currency = request.tenant.currency
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    context = {
        "nav": "funnels",
        "form": form,
        "data": data,
        "cut": cut,
        "cut_label": dict(form.fields["cut"].choices).get(cut or "", ""),  # type: ignore[attr-defined]
        "account_all": account_all,
        "revenue_all": revenue_all,
        "account_chart": charts.account_chart(account_all),
        "revenue_chart": charts.revenue_chart(revenue_all, currency),
        "account_rows": funnel_rows(AccountFunnelRow, data.accounts, cut, labels),
        "account_totals": funnel_rows(AccountFunnelRow, data.account_totals, cut, labels)
        if cut
        else [],
        "revenue_rows": funnel_rows(RevenueFunnelRow, data.revenue, cut, labels),
        "revenue_totals": funnel_rows(RevenueFunnelRow, data.revenue_totals, cut, labels)
        if cut
        else [],
        "currency": currency,
        "query": query.urlencode(),
        "computed_at": computed_at,
    }
    return render(request, "funnels/page.html", context, status=status)
