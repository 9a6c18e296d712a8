"""Writes of the KPI app: the daily KPI snapshots and the targets.

``kpi_snapshots_refresh`` asks each source (``frames.SOURCES``) for its rows and replaces, per
source, exactly the rows of that source's KPIs for the periods it recomputed: the months of the
window and its fiscal years. Older periods stay as they were written (a month leaves the window;
its row remains the record). A source that fails is logged and reported; the others are still
written, and its own rows keep their last values.

``kpi_target_save`` creates, changes or (with None) removes one target, audited. A target of the
current fiscal year that an older page also edits is written there too, so that no page shows
another target: the company's and each segment's GRR, NRR and monthly logo churn
(``revenue.RevenueTarget``), each segment's coverage target (``segments.CoveragePolicy``).
``receivers`` does the same the other way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.kpis.frames import SOURCE_KPIS, SOURCES, KpiRow, Window, window_for
from kizuna.apps.kpis.models import CutKind, KpiSnapshot, KpiTarget, PeriodKind
from kizuna.apps.org.models import User
from kizuna.apps.revenue.models import RevenueTarget
from kizuna.apps.segments.models import CoveragePolicy
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.calendar import fiscal_year
from kizuna.core.kpis.catalog import KPI_BY_KEY
from kizuna.db.bulk import bulk_insert

log = logging.getLogger(__name__)

#: KPI → the RevenueTarget field that holds its current-year target (company and segments)
REVENUE_TARGET_FIELDS = {
    "grr": "grr_12m",
    "nrr": "nrr_12m",
    "logo_churn_monthly": "logo_churn_rate",
}

#: the columns of a stored KPI value, in the order the job writes and the home reads them
SNAPSHOT_COLUMNS = (
    "kpi", "period", "period_start", "cut", "value", "figure", "numerator", "denominator",
    "as_of", "computed_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RefreshResult:
    as_of: dt.date
    written: dict[str, int]
    failed: dict[str, str]
    seconds: dict[str, float]

    @property
    def message(self) -> str:
        done = ", ".join(
            f"{name} {n} ({self.seconds.get(name, 0):.1f} s)" for name, n in self.written.items()
        )
        failed = ", ".join(f"{name}: {error}" for name, error in self.failed.items())
        return f"KPI snapshots as of {self.as_of}: {done}" + (
            f"; failed {failed}" if failed else ""
        )


def _replace(source: str, rows: list[KpiRow], window: Window, now: dt.datetime) -> int:
    """Replace the source's KPIs' rows of the window's periods with ``rows``, in one
    transaction (a kill mid-write leaves the old rows)."""
    kpis = SOURCE_KPIS[source]
    periods = Q(period=PeriodKind.MONTH, period_start__in=window.months) | Q(
        period=PeriodKind.FISCAL_YEAR, period_start__in=window.fiscal_years
    )
    with transaction.atomic():
        KpiSnapshot.objects.filter(periods, kpi__in=kpis).delete()
        wanted = {(str(PeriodKind.MONTH), m) for m in window.months} | {
            (str(PeriodKind.FISCAL_YEAR), y) for y in window.fiscal_years
        }
        values = [
            (
                r.kpi, r.period, r.period_start, r.cut, r.value, r.figure, r.numerator,
                r.denominator, window.today, now,
            )
            for r in rows
            if (r.period, r.period_start) in wanted and r.kpi in kpis
        ]  # fmt: skip
        return bulk_insert(KpiSnapshot, SNAPSHOT_COLUMNS, values)


def kpi_snapshots_refresh(*, today: dt.date | None = None) -> RefreshResult:
    """Recompute every KPI for this month and the eleven before and for this fiscal year and
    the last, and store them (see the module docstring)."""
    settings = tenant_settings_get()
    today = today or tenant_today(settings)
    window = window_for(today, settings.fiscal_year_start_month)
    now = timezone.now()
    written: dict[str, int] = {}
    failed: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for name, source in SOURCES.items():
        started = time.perf_counter()
        try:
            rows = source(window)
            written[name] = _replace(name, rows, window, now)
        except Exception as error:  # one failing source must not stop the others
            log.exception("KPI source %s failed", name)
            failed[name] = f"{type(error).__name__}: {error}"
        seconds[name] = time.perf_counter() - started
    result = RefreshResult(as_of=today, written=written, failed=failed, seconds=seconds)
    log.info("%s", result.message)
    return result


# --- targets -------------------------------------------------------------------------------


def _check(kpi: str, cut: str, value: str, target: float | None, year: int) -> None:
    errors: dict[str, str] = {}
    if kpi not in KPI_BY_KEY:
        errors["kpi"] = _("Unknown KPI.")
    if cut not in CutKind.values:
        errors["cut"] = _("Unknown cut.")
    elif cut == CutKind.COMPANY and value:
        errors["value"] = _("The whole company has no cut value.")
    elif cut != CutKind.COMPANY and not value:
        errors["value"] = _("Choose the segment, team or CSM.")
    if not 1 <= year <= 9998:
        errors["fiscal_year"] = _("Not a fiscal year.")
    if target is not None and kpi in KPI_BY_KEY:
        low, high = KPI_BY_KEY[kpi].target_bounds()
        if target != target or not low <= target <= high:  # NaN is never a target
            errors["target"] = _("The target must be between %(low)s and %(high)s.") % {
                "low": _shown(kpi, low),
                "high": _shown(kpi, high),
            }
    if errors:
        raise ValidationError(errors)


def _shown(kpi: str, number: float) -> str:
    unit = KPI_BY_KEY[kpi].unit
    return f"{number:.0%}" if unit == "rate" else f"{number:,.0f}"


def kpi_target_save(
    *,
    actor: User,
    fiscal_year: int,
    kpi: str,
    cut: str,
    value: str,
    target: float | None,
    via: str = "web",
) -> KpiTarget | None:
    """Set (None: remove) the target of ``kpi`` for ``fiscal_year`` and the cut; audited.
    Callers check permissions. ``ValidationError`` (nothing saved) for an unknown KPI or cut,
    a cut value missing or given for the company, or a target outside the KPI's bounds."""
    value = value if cut != CutKind.COMPANY else ""
    _check(kpi, cut, value, target, fiscal_year)
    with transaction.atomic():
        row = (
            KpiTarget.objects.select_for_update()
            .filter(fiscal_year=fiscal_year, cut=cut, value=value, kpi=kpi)
            .first()
        )
        before = None if row is None else row.target
        if target is None:
            if row is not None:
                audit_record(
                    actor=actor, action=AuditAction.DELETE, instance=row, account_id=None,
                    changes={"target": [before, None], **_identity(row)}, via=via,
                )  # fmt: skip
                row.delete()
            _mirror(fiscal_year, kpi, cut, value, None, actor)
            return None
        if row is None:
            row = KpiTarget(fiscal_year=fiscal_year, cut=cut, value=value, kpi=kpi)
        if before == target:
            return row
        row.target, row.updated_by = target, actor
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=row, account_id=None,
            changes={"target": [before, target], **_identity(row)}, via=via,
        )  # fmt: skip
        _mirror(fiscal_year, kpi, cut, value, target, actor)
    return row


def _identity(row: KpiTarget) -> dict[str, list[object]]:
    return {
        "fiscal_year": [row.fiscal_year, row.fiscal_year],
        "kpi": [row.kpi, row.kpi],
        "cut": [row.cut, row.cut],
        "value": [row.value, row.value],
    }


def current_fiscal_year() -> int:
    settings = tenant_settings_get()
    return fiscal_year(tenant_today(settings), settings.fiscal_year_start_month)


def _mirror(year: int, kpi: str, cut: str, value: str, target: float | None, actor: User) -> None:
    """Write a current-year target to the older table that shows it too (module docstring)."""
    if year != current_fiscal_year():
        return
    if kpi in REVENUE_TARGET_FIELDS and cut in (CutKind.COMPANY, CutKind.SEGMENT):
        legacy = RevenueTarget.objects.filter(segment=value).first()
        if legacy is None:
            if target is None:
                return
            legacy = RevenueTarget(segment=value)
        field = REVENUE_TARGET_FIELDS[kpi]
        if getattr(legacy, field) != target:
            setattr(legacy, field, target)
            legacy.updated_by = actor
            legacy.save()
    elif kpi == "coverage" and cut == CutKind.SEGMENT and target is not None:
        policy = CoveragePolicy.objects.filter(segment=value).first()
        rounded = Decimal(str(round(target, 4)))
        if policy is not None and policy.target != rounded:
            CoveragePolicy.objects.filter(pk=policy.pk).update(target=rounded)
