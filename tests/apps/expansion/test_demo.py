"""The demo company's CSQLs: a year of them, some open, about a third of the closed ones won,
every won one with expansion attributed by the job, every lost one with a reason."""

from __future__ import annotations

from collections import Counter

import pytest

from kizuna.apps.demo.services import demo_load_if_empty
from kizuna.apps.expansion.models import Csql
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_months


@pytest.fixture(autouse=True)
def fixed_today() -> None:
    """The demo runs on the real today (its lines are generated up to it)."""


def test_the_demo_has_a_year_of_csqls_with_a_realistic_conversion(db: object) -> None:
    demo_load_if_empty(accounts=400, seed=7, password="kizuna-demo")
    states = Counter(Csql.objects.values_list("state", flat=True))
    closed = states["won"] + states["lost"]
    assert states["proposed"] + states["accepted"] > 0
    assert 0.25 <= states["won"] / closed <= 0.45, states
    today = tenant_today()
    assert not Csql.objects.filter(raised_on__lt=add_months(today, -12)).exists()
    assert not Csql.objects.filter(raised_on__gt=today).exists()
    assert not Csql.objects.filter(state="won", attributed_mrr__lte=0).exists()
    assert not Csql.objects.filter(state="lost", lost_reason="").exists()
    assert Csql.objects.filter(state="lost", lost_reason="no_expansion").exists()
    assert not Csql.objects.filter(window_ends_on__isnull=True).exists()
