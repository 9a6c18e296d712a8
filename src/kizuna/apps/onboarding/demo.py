"""Loading the demo company's onboardings (``kizuna.demo.onboarding``): templates, the
policy, the onboardings and their met criteria; the states come from the real job."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.customers.models import Account, Product
from kizuna.apps.onboarding.models import (
    CriterionCheck,
    CriterionKind,
    Onboarding,
    OnboardingPolicy,
)
from kizuna.apps.onboarding.services import (
    EvaluationReport,
    onboardings_evaluate,
    onboardings_start,
    onboardings_update,
    template_version_create,
)
from kizuna.db.bulk import bulk_insert
from kizuna.demo.onboarding import (
    GRACE_DAYS,
    HISTORY_DAYS,
    SETUP_DUE_DAY,
    TEMPLATES,
    generate_onboardings,
)
from kizuna.demo.types import DemoDataset


def onboarding_demo_load(*, dataset: DemoDataset, accounts: dict[str, int]) -> EvaluationReport:
    OnboardingPolicy.objects.all().delete()
    OnboardingPolicy.objects.create(
        grace_days=GRACE_DAYS,
        setup_due_day=SETUP_DUE_DAY,
        tracking_from=dataset.as_of - dt.timedelta(days=HISTORY_DAYS),
    )
    products = {p.code: p for p in Product.objects.all()}
    criterion_ids = _load_templates(products)
    onboardings_start(as_of=dataset.as_of)
    ids = {
        (account_id, code): pk
        for pk, account_id, code in Onboarding.objects.values_list(
            "pk", "account_id", "product__code"
        )
    }
    owners = dict(Account.objects.values_list("pk", "owner_id"))
    first_key = dataset.accounts[0].key if dataset.accounts else ""
    checks: list[tuple[object, ...]] = []
    first_use: list[Onboarding] = []
    for o in generate_onboardings(
        dataset, seed=f"{dataset.as_of}:{len(dataset.accounts)}:{first_key}"
    ):
        account_id = accounts[o.account_key]
        onboarding_id = ids.get((account_id, o.product_code))
        if onboarding_id is None:
            continue
        if o.first_usage_on:
            first_use.append(Onboarding(pk=onboarding_id, first_usage_on=o.first_usage_on))
        checks += [
            (
                onboarding_id,
                criterion_ids[c.criterion_key],
                c.met_on,
                CriterionKind.MANUAL.value if c.manual else CriterionKind.USAGE.value,
                owners.get(account_id) if c.manual else None,
            )
            for c in o.checks
        ]
    bulk_insert(
        CriterionCheck,
        ["onboarding_id", "criterion_id", "met_on", "source", "checked_by_id"],
        checks,
    )
    onboardings_update(first_use, ["first_usage_on"])
    return onboardings_evaluate(as_of=dataset.as_of)


def _load_templates(products: dict[str, Product]) -> dict[str, int]:
    """Version 1 of each demo product's template; returns demo criterion key → id."""
    criterion_ids: dict[str, int] = {}
    for code, phases in TEMPLATES.items():
        if code not in products:
            continue
        template = template_version_create(
            actor=None, product=products[code], phases=phases, note=""
        )
        for row, phase in zip(template.phases.order_by("order"), phases, strict=True):
            for criterion_row, criterion in zip(
                row.criteria.order_by("order"), phase.criteria, strict=True
            ):
                criterion_ids[criterion.key] = criterion_row.pk
    return criterion_ids
