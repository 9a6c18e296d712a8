"""The funnels page's charts, drawn by the chart toolkit (``kizuna.apps.front.charts``): each
funnel summed over the chosen cohorts as horizontal bars, with the count (or amount) and its
rate written after each bar."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.funnels.rows import AccountFunnelRow, RevenueFunnelRow
from kizuna.core.money import format_money

WIDTH = 1180
LOST = "#e3a39c"


def pct(rate: float | None) -> str:
    """A rate as a percentage with one decimal ("95.3%"); "—" when undefined."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _pct_tick(value: float) -> str:
    return f"{value:.0f}%"


def account_chart(totals: AccountFunnelRow) -> charts.Chart:
    """One bar per node: its rate (of its own denominator), and "count / denominator"."""
    nodes = [
        (_("Contracted"), totals.contracted, totals.contracted, 0),
        (_("Handed over to onboarding"), totals.handed_over, totals.contracted, 1),
        (_("Onboarded on time"), totals.onboarded_on_time, totals.handed_over, 1),
        (_("Adopted at 6 months"), totals.adopted, totals.adoption_due, 1),
        (_("Renewed at the first renewal"), totals.renewed, totals.renewal_due, 1),
        (_("Expanded within 12 months"), totals.expanded, totals.expansion_due, 1),
    ]
    rows = []
    for label, count, base, indent in nodes:
        rate = count / base if base else None
        text = _("%(count)s of %(base)s accounts (%(rate)s)") % {
            "count": f"{count:,}",
            "base": f"{base:,}",
            "rate": pct(rate),
        }
        rows.append(charts.HBar(label, 100 * (rate or 0.0), text, charts.BAR, indent))
    return charts.hbar_chart(
        rows,
        x=charts.Axis(
            title=_("Share of the accounts the step applies to (%)"),
            fmt=_pct_tick,
            domain=(0.0, 100.0),
        ),
        width=WIDTH,
        label=_("CS funnel by account count"),
    )


def revenue_chart(totals: RevenueFunnelRow, currency: str) -> charts.Chart | None:
    """New MRR of the cohorts whose month 12 has come → lost → retained → expansion → net."""
    base = totals.due_new_mrr
    if not totals.due_accounts:
        return None
    steps = [
        (_("New MRR"), base, charts.TOTAL, 0),
        (_("Churned"), totals.churned_mrr, LOST, 1),
        (_("Contraction"), totals.contraction_mrr, LOST, 1),
        (_("Retained (GRR basis)"), totals.retained_mrr, charts.BAR, 0),
        (_("Expansion"), totals.expansion_mrr, charts.UP, 1),
        (_("With expansion (NRR basis)"), totals.net_mrr, charts.BAR, 0),
    ]
    rows = [
        charts.HBar(
            label,
            float(amount),
            f"{format_money(amount, currency)} ({pct(amount / base if base else None)})",
            colour,
            indent,
        )
        for label, amount, colour, indent in ((a, b or 0, c, d) for a, b, c, d in steps)
    ]
    return charts.hbar_chart(
        rows,
        x=charts.Axis(
            title=_("MRR (month 0, then month 12)"), fmt=lambda v: format_money(int(v), currency)
        ),
        width=WIDTH,
        label=_("CS funnel by revenue"),
    )
