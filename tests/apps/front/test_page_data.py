"""No untyped dict reaches a template: every page hands its templates typed data.

The pages are found, not listed (``url_conf.page_urls``, as the form sweep finds them), with
their ids taken from the demo company (its jobs run, a segmentation review previewed, a
touchpoint import previewed and one imported), plus the query strings that show a page's other
views (a cut of the revenue dashboard, the auto-assignment preview, …). Each page is read by
the admin, a manager and a CSM; every template rendered for it (included ones and those a view
renders into a string too) has its context walked (``page_data.mappings_in``): lists, tuples,
dataclasses' fields, models' values and the objects they fetched. A mapping found there is a
failure unless a dataclass declares it with a precise type (``Mapping[str, int]``), or

- it is Django's own (``DJANGO``: the for-loop, the message levels, the form widgets), or
- it is stored JSON that the page reads only through a typed view of it (``STORED_JSON``).

Django's admin is Django's; what Kizuna's admin classes add to its pages is walked the same way
(``test_it_adds_no_untyped_dict_to_the_admin``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from django.contrib import admin
from django.template import Context, Template
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account, Product
from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.feedback.models import FeatureRequest
from kizuna.apps.health.models import ScoreModelVersion
from kizuna.apps.health.selectors import grade_drops
from kizuna.apps.imports.services import accounts_import
from kizuna.apps.jobs.services import jobs_run_due
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.org.models import User
from kizuna.apps.reports.selectors import last_complete_month
from kizuna.apps.segments.models import SegmentRule
from kizuna.apps.segments.services import segment_review_preview
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.imports import touchpoint_import_run, touchpoint_import_start
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.apps.usage.models import UsagePendingDay, UsageSource
from kizuna.apps.usage.services.ingestion import usage_file_import
from tests.apps.front.page_data import Found, mappings_in
from tests.apps.front.url_conf import Ids, page_urls

PASSWORD = "kizuna-demo"
PERSONAS = ("admin", "manager", "csm")
USAGE_CSV = (
    "account_key,user_id,event,occurred_at,quantity\n"
    "nobody,u3,expense.create,2026-03-02T11:00:00+09:00,1\n"
    "nobody,u3,expense.create,2026-03-02 11:00:00,1\n"
)
TOUCHPOINT_IMPORTS = Path(__file__).resolve().parents[2] / "fixtures" / "touchpoint_imports"

#: Context entries that are Django's, not the page's, by name.
DJANGO: dict[str, str] = {
    "forloop": "the {% for %} tag's counters",
    "DEFAULT_MESSAGE_LEVELS": "django.contrib.messages' level constants",
}
#: Templates that are Django's, with the context Django gives them.
DJANGO_TEMPLATES = ("django/forms/",)

#: Stored JSON (``Model.field``) that comes with a model instance, which no template reads by
#: key: the page reads it through the typed view named.
STORED_JSON: dict[str, str] = {
    "AuditEvent.changes": "read through AuditEvent.change_rows (ChangeRow)",
    "Csql.reasons": "read through expansion's reason rows (points, text) on the CSQL's pages",
    "HealthScore.inputs": "read through health.selectors.account_health (HealthPart)",
    "HealthScore.points": "read through health.selectors (HealthPart, GradeDrop.reasons)",
    "IngestionRun.rejected_reasons": "read through IngestionRun.reason_counts (ReasonCount)",
    "OnboardingSignal.details": "signals are listed by kind and day; no template reads it",
    "OnboardingTransition.details": "read through onboarding.selectors.reason_text "
    "(TransitionRow.text)",
    "QuarantinedEvent.raw": "read through QuarantinedEvent.raw_values (RawValue)",
    "ScoreModelVersion.spec": "read through ScoreModelVersion.as_core (ScoreModel)",
    "SegmentReview.moves": "read through move_count and segments.selectors.review_moved_rows",
    "SegmentReview.summary": "read through SegmentReview.figures (ReviewSummary)",
    "Task.reason_message": "read through Task.reason_shown (tasks.messages.message_render)",
    "TouchpointImport.mapping": "the mapping form's initial values; no template reads it",
    "TouchpointImport.rejected_rows": "read through touchpoints.imports.import_rejected_rows",
    "UsageSummary.top_users": "read through UsageSummary.top_user_rows (TopUser)",
}

#: Pages' other views, beside the bare URL of every page.
VARIANTS = (
    "/revenue/?segment=high",
    "/revenue/?team=strategic&period=12&cohort=nrr",
    "/load/?preview=1",
    "/capacity/?high_load=8&low_load=25&high_new=1&low_new=3&churn=0.01"
    "&onboarding_months=3&concurrent=20",
    "/coverage/uncovered/?segment=low",
    "/coverage/uncovered/?segment=tech&team=none",
    "/health/?by=team",
    "/onboarding/dashboard/?by=team",
    "/today/?csm=csm",
)
#: Pages that must be read (with 200) for the sweep to count: one of each app at least.
AT_LEAST = 40


@pytest.fixture
def demo_company(db: Any, settings: Any, tmp_path: Path) -> dict[str, str]:
    """The demo company after its daily jobs, with what its pages show beside: a stored review
    preview, two touchpoint imports (one previewed, one imported), an account import run (a
    rejected row, an unmatched owner), accounts of each touch model without touchpoints
    (uncovered), quarantined usage rows and a day whose rollup failed. Answers the values of
    each URL parameter, and a member whose accounts fell a grade (their 今日 lists them)."""

    settings.USAGE_DIR = tmp_path / "usage"
    demo_load_if_empty(accounts=80, seed=7, password=PASSWORD)
    today = tenant_today()
    jobs_run_due(day=today)
    admin = User.objects.get(username="admin")
    account = (
        Account.objects.filter(touchpoints__isnull=False, health_scores__isnull=False)
        .order_by("-mrr")
        .first()
    )
    assert account is not None
    rule = SegmentRule.objects.order_by("-effective_from", "-pk").first()
    assert rule is not None
    rule.pk = None
    rule.high_share, rule.effective_from = rule.high_share * 2, today
    rule.save()
    review = segment_review_preview(actor=admin, rule=rule, as_of=today)
    imports = []
    for name in ("salesforce_bad_rows.csv", "salesforce_activities_utf8_bom.csv"):
        record, _plan = touchpoint_import_start(
            actor=admin,
            file_name=name,
            data=(TOUCHPOINT_IMPORTS / name).read_bytes(),
            source="salesforce",
        )
        imports.append(record)
    touchpoint_import_run(actor=admin, record=imports[1])
    for segment in ("high", "low", "tech"):
        uncovered = Account.objects.filter(segment=segment, mrr__gt=0).exclude(pk=account.pk)
        Touchpoint.objects.filter(account__in=uncovered.order_by("-mrr")[:2]).delete()
    usage_file_import(
        source=UsageSource.objects.order_by("pk").first(),  # type: ignore[arg-type]
        data=USAGE_CSV.encode(),
        file_format="csv",
        name="events.csv",
        actor=admin,
    )
    import_run = accounts_import(
        actor=admin,
        data="external_id,name,owner\nX1,株式会社取込,高橋 三郎\nX2,,\n".encode(),
        file_name="accounts.csv",
        via="web",
    ).run
    assert import_run is not None
    moment = dt.datetime(2026, 1, 5, 3, tzinfo=dt.UTC)
    UsagePendingDay.objects.create(day=moment.date(), queued_at=moment, failed_at=moment, error="x")
    dropped = next((score.account.owner for score, _was in grade_drops() if score.account.owner))
    return {
        "account_id": str(account.pk),
        "contact_id": str(account.contacts.values_list("pk", flat=True).first()),
        "line_id": str(account.subscription_lines.values_list("pk", flat=True).first()),
        "touchpoint_id": str(account.touchpoints.values_list("pk", flat=True).first()),
        "import_id": ",".join(str(record.pk) for record in imports),
        "run_id": str(import_run.pk),
        "review_id": str(review.pk),
        "segment": "high",
        "code": str(Product.objects.values_list("code", flat=True).first()),
        "request_id": str(FeatureRequest.objects.values_list("pk", flat=True).first()),
        "onboarding/pk": str(Onboarding.objects.order_by("state", "pk").first().pk),  # type: ignore[union-attr]
        "health/pk": str(ScoreModelVersion.objects.values_list("pk", flat=True).first()),
        "member_with_drops": dropped.username,
        "kpis/month": f"{last_complete_month(today):%Y-%m}",  # the monthly report
        "review_query": (
            f"kind=percentile&high_share={rule.high_share}&low_share={rule.low_share}"
            f"&effective_from={today.isoformat()}&review_interval_months=6"
        ),
    }


def _urls(values: dict[str, str]) -> list[str]:
    ids: Ids = {name: (lambda v=value: v.split(",")) for name, value in values.items()}
    return [
        *page_urls(ids),
        *VARIANTS,
        f"/segments/reviews/new/?{values['review_query']}",
        f"/today/?csm={values['member_with_drops']}",
    ]


@contextmanager
def _rendered() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """(template name, flattened context) of each template rendered meanwhile, in order."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(sender: Template, context: Context, **kwargs: Any) -> None:
        seen.append((sender.name or "(string)", context.flatten()))

    template_rendered.connect(record)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record)


def _found(rendered: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, Found]]:
    """Each untyped dict handed to a template, reported once: in the first template it
    reached (an included template sees its includer's context again)."""
    seen: set[int] = set()
    for template, context in rendered:
        if template.startswith(DJANGO_TEMPLATES):
            continue
        for name, value in context.items():
            if name not in DJANGO:
                for found in mappings_in(value, name, seen=seen, stored=STORED_JSON):
                    yield template, found


def test_it_hands_no_untyped_dict_to_any_template(demo_company: dict[str, str]) -> None:
    # given every page, read by each persona
    urls = _urls(demo_company)
    failures: dict[str, str] = {}
    read: set[str] = set()
    for persona in PERSONAS:
        client = Client()
        client.force_login(User.objects.get(username=persona))
        for url in urls:
            # when the page is read
            with _rendered() as rendered:
                response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            read.add(url)
            # then no template was handed an untyped dict
            for template, found in _found(rendered):
                failures.setdefault(f"{template}: {found}", f"{url} as {persona}")
    assert len(read) >= AT_LEAST, sorted(set(urls) - read)
    report = [f"{what}  [{where}]" for what, where in sorted(failures.items())]
    assert not report, f"{len(report)} untyped dicts reach templates:\n" + "\n".join(report)


@contextmanager
def _admin_extra_context() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """(view, extra context) of each admin change list and change form Kizuna's admin classes
    render meanwhile: what they add to Django's context."""
    seen: list[tuple[str, dict[str, Any]]] = []
    changelist, changeform = admin.ModelAdmin.changelist_view, admin.ModelAdmin.changeform_view

    def changelist_view(self: Any, request: Any, extra_context: Any = None) -> Any:
        seen.append((f"{self.opts.label} change list", extra_context or {}))
        return changelist(self, request, extra_context)

    def changeform_view(
        self: Any,
        request: Any,
        object_id: Any = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> Any:
        seen.append((f"{self.opts.label} change form", extra_context or {}))
        return changeform(self, request, object_id, form_url, extra_context)

    admin.ModelAdmin.changelist_view = changelist_view  # type: ignore[method-assign]
    admin.ModelAdmin.changeform_view = changeform_view  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        admin.ModelAdmin.changelist_view = changelist  # type: ignore[method-assign]
        admin.ModelAdmin.changeform_view = changeform  # type: ignore[method-assign]


def test_it_adds_no_untyped_dict_to_the_admin(demo_company: dict[str, str]) -> None:
    # given the admin signed in, a change recorded on the first member (their page shows
    # their history), and every registered model's list and first record
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    member = User.objects.order_by("pk").first()
    assert member is not None
    AuditEvent.objects.create(
        action=AuditAction.UPDATE, entity="user", entity_id=member.pk, changes={"role": [1, 2]}
    )
    urls = []
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{name}_changelist"))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(reverse(f"{name}_change", args=[first]))
    # when each is read
    with _admin_extra_context() as added:
        for url in urls:
            assert client.get(url).status_code == 200, url
    # then what Kizuna's admin classes add to the context is typed
    failures = [
        f"{view}: {found}"
        for view, context in added
        for name, value in context.items()
        for found in mappings_in(value, name, seen=set(), stored=STORED_JSON)
    ]
    names = {name for _view, context in added for name, value in context.items() if value}
    assert names >= {"managed_elsewhere", "member_history"}, names
    assert not failures, "\n".join(sorted(set(failures)))


# --- the walk itself ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Row:
    name: str
    counts: Mapping[str, int]
    extra: dict[str, Any]
    children: tuple[Any, ...] = ()


def _walked(value: Any) -> list[str]:
    return [str(found) for found in mappings_in(value, "x", seen=set())]


def test_it_finds_a_dict_anywhere_in_lists_tuples_and_dataclasses() -> None:
    # given dicts in a list, in a tuple in a dataclass's field, and a mapping proxy
    row = _Row("a", counts={"high": 1}, extra={}, children=({"o": 1}, MappingProxyType({})))
    # when walked, then each is found, the typed mapping is not
    assert _walked([{"o": 1, "t": 2}, {"o": 3}]) == ["x[] is a dict (o, t)", "x[] is a dict (o)"]
    assert _walked(row) == [
        "x.extra is a dict ()",
        "x.children[] is a dict (o)",
        "x.children[] is a mappingproxy ()",
    ]
    assert _walked(("plain", 1, 2.5, dt.date(2026, 1, 1), None)) == []


def test_it_follows_a_typed_mapping_into_its_values() -> None:
    # given a typed mapping whose values hold an untyped dict
    row = _Row("a", counts={"high": 1}, extra={"k": 1})

    @dataclasses.dataclass(frozen=True)
    class Page:
        rows: Mapping[str, list[_Row]]

    # when walked, then the dict inside its values is found
    assert _walked(Page(rows={"high": [row]})) == ["x.rows['high'][].extra is a dict (k)"]


def test_it_reads_models_and_querysets_and_leaves_stored_json_named(world: Any) -> None:
    # given an audit event (JSON changes) and a queryset of dicts
    event = AuditEvent.objects.create(action="update", entity="account", changes={"name": [1, 2]})
    world.account.last = {"day": 1}
    # when walked, then the JSON field, an attribute set on a model and values() are found
    assert _walked(event) == ["x.changes is a dict (name)"]
    assert _walked(world.account) == ["x.last is a dict (day)"]
    assert _walked(Account.objects.values("name")[:1]) == ["x[] is a dict (name)"]
    assert [
        str(f) for f in mappings_in(event, "x", seen=set(), stored={"AuditEvent.changes"})
    ] == []
