"""The demo generator: deterministic, and its data keeps the proportions it promises.

These tests need no Django: ``uv run pytest tests/demo -p no:django``.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter, defaultdict
from datetime import UTC, date, datetime

import pytest

from kizuna.core.calendar import month_end, month_start_after
from kizuna.core.onboarding.timeline import PhaseSpec, UsageRule
from kizuna.demo import DemoDataset, DemoSubscriptionLine, generate, generator
from kizuna.demo.catalog import BOOK_WEIGHTS
from kizuna.demo.onboarding import TEMPLATES, generate_onboardings
from kizuna.demo.touchpoints import WINDOW

AS_OF = date(2026, 11, 25)
FIXED_LOGINS = [
    ("admin", "admin", None),
    ("manager", "manager", "strategic"),
    ("csm", "csm", "strategic"),
    ("viewer", "viewer", None),
]


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(as_of=AS_OF)


def _month_end_mrr(dataset: DemoDataset, months: list[date]) -> dict[str, list[int]]:
    """MRR of every account on the last day of each month (lines with start ≤ day < end)."""
    ends = [month_end(month) for month in months]
    series: dict[str, list[int]] = {account.key: [0] * len(ends) for account in dataset.accounts}
    for line in dataset.subscription_lines:
        row = series[line.account_key]
        for index, day in enumerate(ends):
            if line.start_date <= day and (line.end_date is None or day < line.end_date):
                row[index] += line.mrr
    return series


def _movements(dataset: DemoDataset) -> Counter[str]:
    """MRR movements of all accounts month over month across the four years."""
    months = [month_start_after(AS_OF, offset) for offset in range(-48, 1)]
    counts: Counter[str] = Counter()
    for row in _month_end_mrr(dataset, months).values():
        was_active = False
        for previous, current in itertools.pairwise(row):
            if previous == 0 and current > 0:
                counts["reactivation" if was_active else "new"] += 1
            elif previous > 0 and current == 0:
                counts["churn"] += 1
            elif current > previous > 0:
                counts["expansion"] += 1
            elif 0 < current < previous:
                counts["contraction"] += 1
            was_active = was_active or previous > 0 or current > 0
    return counts


def _active_lines(dataset: DemoDataset) -> dict[str, list[DemoSubscriptionLine]]:
    active: dict[str, list[DemoSubscriptionLine]] = defaultdict(list)
    for line in dataset.subscription_lines:
        if line.start_date <= AS_OF and (line.end_date is None or line.end_date > AS_OF):
            active[line.account_key].append(line)
    return active


# --- determinism -------------------------------------------------------------------------


def test_the_same_seed_gives_an_equal_dataset() -> None:
    # given / when
    first = generate(as_of=AS_OF, accounts=300, seed=7)
    second = generate(as_of=AS_OF, accounts=300, seed=7)

    # then equal, down to the printed bytes
    assert first == second
    assert repr(first).encode() == repr(second).encode()


def test_a_different_seed_gives_a_different_dataset() -> None:
    # given / when
    first = generate(as_of=AS_OF, accounts=300, seed=7)
    second = generate(as_of=AS_OF, accounts=300, seed=8)

    # then
    assert first.accounts != second.accounts
    assert first.subscription_lines != second.subscription_lines


def test_it_generates_an_empty_company_for_zero_accounts() -> None:
    # given / when
    empty = generate(as_of=AS_OF, accounts=0)

    # then the catalog is there, the customers are not
    assert len(empty.products) == 4
    assert empty.accounts == ()
    assert empty.contacts == ()
    assert empty.subscription_lines == ()
    assert empty.touchpoints == ()


# --- catalog and staff -------------------------------------------------------------------


def test_it_has_four_products_and_one_team_of_each_kind(dataset: DemoDataset) -> None:
    # given / when / then
    assert [p.code for p in dataset.products] == ["expense", "invoice", "attendance", "workflow"]
    assert [p.name_ja for p in dataset.products] == [
        "経費精算",
        "請求書受取",
        "勤怠管理",
        "ワークフロー",
    ]
    assert all(p.seat_price > 0 for p in dataset.products)
    assert sorted(t.kind for t in dataset.teams) == [
        "corporate_adoption",
        "corporate_onboarding",
        "enablement",
        "strategic",
    ]


def test_the_fixed_demo_logins_come_first(dataset: DemoDataset) -> None:
    # given / when
    first_four = [(u.username, u.role, u.team_code) for u in dataset.users[:4]]

    # then
    assert first_four == FIXED_LOGINS


def test_the_staff_is_a_believable_cs_organisation(dataset: DemoDataset) -> None:
    # given
    users = dataset.users
    csm_teams = Counter(u.team_code for u in users if u.role == "csm")

    # when / then about forty CSMs, sized to the load norms for 2,000 accounts (see
    # tests/demo/test_staffing.py), one or two in enablement
    assert 36 <= sum(csm_teams.values()) <= 42
    assert all(csm_teams[team] >= 15 for team in ("strategic", "corporate_adoption"))
    assert csm_teams["corporate_onboarding"] >= 2
    assert 1 <= csm_teams["enablement"] <= 2
    # every team has a manager: the enablement team's takes the tasks rules open on its pooled
    # tech-touch accounts (no named owner)
    assert sorted(u.team_code or "" for u in users if u.role == "manager") == [
        "corporate_adoption",
        "corporate_onboarding",
        "enablement",
        "strategic",
    ]
    assert 1 <= sum(u.role == "admin" for u in users) <= 2
    assert 1 <= sum(u.role == "viewer" for u in users) <= 2
    assert len({u.username for u in users}) == len(users)
    assert all(u.email.endswith("@kizuna-demo.example") and u.username.isascii() for u in users)


def test_the_demo_csm_owns_several_high_touch_accounts(dataset: DemoDataset) -> None:
    # given / when
    owned = [a for a in dataset.accounts if a.owner_username == "csm"]

    # then
    assert len(owned) >= 5
    assert {a.segment for a in owned} == {"high"}


# --- accounts ----------------------------------------------------------------------------


def test_it_generates_the_requested_accounts_with_unique_keys_and_names(
    dataset: DemoDataset,
) -> None:
    # given / when
    accounts = dataset.accounts

    # then
    assert len(accounts) == 2000
    assert len({a.key for a in accounts}) == 2000
    assert len({a.name for a in accounts}) == 2000
    assert all(a.key.startswith("SF-") and len(a.key) == 10 for a in accounts)


def test_names_carry_a_legal_form_and_a_full_width_katakana_reading(dataset: DemoDataset) -> None:
    # given
    katakana = {chr(code) for code in range(0x30A1, 0x30FF)}  # ァ … ヾ, including ー

    # when / then
    for account in dataset.accounts:
        assert account.kana and set(account.kana) <= katakana, account
        assert any(form in account.name for form in ("株式会社", "合同会社", "有限会社"))
    forms = Counter(a.name.startswith("株式会社") for a in dataset.accounts)
    assert forms[True] > 0 and forms[False] > 0


def test_industries_spread_and_employee_counts_are_long_tailed(dataset: DemoDataset) -> None:
    # given
    industries = Counter(a.industry for a in dataset.accounts)
    employees = sorted(a.employee_count for a in dataset.accounts)

    # when / then
    assert len(industries) == 10 and min(industries.values()) >= 50
    assert employees[0] >= 10
    assert employees[len(employees) // 2] < 200  # the median company is small
    assert employees[-1] >= 10_000  # and a few are very large


def test_partners_sell_between_15_and_35_percent(dataset: DemoDataset) -> None:
    # given
    partner = [a for a in dataset.accounts if a.channel == "partner"]

    # when / then
    assert 0.15 <= len(partner) / len(dataset.accounts) <= 0.35
    assert all(a.partner_name for a in partner)
    assert all(a.partner_name == "" for a in dataset.accounts if a.channel == "direct")


def test_segments_split_active_accounts_10_30_60(dataset: DemoDataset) -> None:
    # given
    active = [a for a in dataset.accounts if a.phase != "churned"]
    counts = Counter(a.segment for a in active)

    # when / then
    assert abs(counts["high"] - 0.10 * len(active)) <= 1
    assert abs(counts["low"] - 0.30 * len(active)) <= 1
    assert abs(counts["tech"] - 0.60 * len(active)) <= 1
    assert {a.segment for a in dataset.accounts if a.phase == "churned"} == {"tech"}


def test_high_touch_accounts_have_a_higher_score_than_low_touch_ones(dataset: DemoDataset) -> None:
    # given ACV + potential ACV per active account
    active = _active_lines(dataset)
    score = {
        a.key: 12 * sum(line.mrr for line in active[a.key]) + a.potential_acv
        for a in dataset.accounts
        if a.phase != "churned"
    }
    by_segment: dict[str, list[int]] = defaultdict(list)
    for account in dataset.accounts:
        if account.key in score:
            by_segment[account.segment].append(score[account.key])

    # when / then
    assert min(by_segment["high"]) >= max(by_segment["low"])
    assert min(by_segment["low"]) >= max(by_segment["tech"])


def test_teams_and_owners_follow_the_segments(dataset: DemoDataset) -> None:
    # given
    team_of = {u.username: u.team_code for u in dataset.users if u.role == "csm"}

    # when / then
    for account in dataset.accounts:
        if account.segment == "high":
            assert account.team_code == "strategic"
            assert account.owner_username is not None
            assert team_of[account.owner_username] == "strategic"
        elif account.segment == "low":
            expected = (
                "corporate_onboarding" if account.phase == "onboarding" else "corporate_adoption"
            )
            assert account.team_code == expected
            assert account.owner_username is not None
            assert team_of[account.owner_username] == expected
        else:
            assert account.team_code == "enablement"
            assert account.owner_username is None


def test_books_are_spread_evenly_over_the_csms_of_a_team_and_weight(dataset: DemoDataset) -> None:
    # given
    books = Counter(a.owner_username for a in dataset.accounts if a.owner_username)
    team_of = {u.username: u.team_code for u in dataset.users if u.role == "csm"}

    # when CSMs of one team with the same book weight are compared
    by_team: dict[tuple[str | None, float], list[int]] = defaultdict(list)
    for username, size in books.items():
        by_team[team_of[username], BOOK_WEIGHTS.get(username, 1.0)].append(size)

    # then
    assert all(max(sizes) - min(sizes) <= 1 for sizes in by_team.values())


def test_phases_follow_lines_and_dates(dataset: DemoDataset) -> None:
    # given
    active = _active_lines(dataset)
    first_start: dict[str, date] = {}
    for line in dataset.subscription_lines:
        first_start.setdefault(line.account_key, line.start_date)

    # when / then
    for account in dataset.accounts:
        if account.phase == "churned":
            assert account.key not in active
            continue
        renewal = min(line.renewal_date for line in active[account.key] if line.renewal_date)
        if (AS_OF - first_start[account.key]).days < 90:
            assert account.phase == "onboarding"
        elif (renewal - AS_OF).days <= 90:
            assert account.phase == "renewal"
        else:
            assert account.phase == "adoption"
    assert set(Counter(a.phase for a in dataset.accounts)) == {
        "onboarding",
        "adoption",
        "renewal",
        "churned",
    }


# --- subscription history ----------------------------------------------------------------


def test_lines_are_well_formed(dataset: DemoDataset) -> None:
    # given
    price = {p.code: p.seat_price for p in dataset.products}
    keys = {a.key for a in dataset.accounts}
    lines = dataset.subscription_lines

    # when / then
    assert len({line.key for line in lines}) == len(lines)
    for line in lines:
        assert line.account_key in keys
        assert line.end_date is None or line.end_date > line.start_date
        assert line.start_date.day == 1 and (line.end_date is None or line.end_date.day == 1)
        assert line.start_date <= AS_OF
        assert line.mrr == line.seats * price[line.product_code] > 0
        assert line.billing_period in ("monthly", "annual")
        if line.end_date is None:
            assert line.renewal_date is not None
            assert AS_OF < line.renewal_date <= AS_OF.replace(year=AS_OF.year + 1)
            assert (line.renewal_date.month, line.renewal_date.day) == (line.start_date.month, 1)
        else:
            assert line.renewal_date is None


def test_history_spans_four_years_with_growth(dataset: DemoDataset) -> None:
    # given
    first_start: dict[str, date] = {}
    for line in dataset.subscription_lines:
        first_start.setdefault(line.account_key, min(line.start_date, AS_OF))
    by_year = Counter((AS_OF - start).days // 365 for start in first_start.values())

    # when / then every account has a line, and each year brings more new customers
    assert len(first_start) == len(dataset.accounts)
    assert min(first_start.values()) >= date(2022, 12, 1)
    assert by_year[0] > by_year[1] > by_year[2] > by_year[3] > 0


def test_accounts_buy_one_to_three_products_with_some_annual_billing(dataset: DemoDataset) -> None:
    # given
    products: dict[str, set[str]] = defaultdict(set)
    for line in dataset.subscription_lines:
        products[line.account_key].add(line.product_code)
    sizes = Counter(len(codes) for codes in products.values())
    annual = sum(line.billing_period == "annual" for line in dataset.subscription_lines)

    # when / then
    assert set(sizes) == {1, 2, 3}
    assert 0.2 <= annual / len(dataset.subscription_lines) <= 0.6


def test_monthly_logo_churn_over_the_last_24_months_is_about_one_percent(
    dataset: DemoDataset,
) -> None:
    # given month-end MRR for the 24 complete months before as_of's month and the one before
    months = [month_start_after(AS_OF, offset) for offset in range(-25, 0)]
    series = _month_end_mrr(dataset, months)

    # when churn(m) = accounts active at end of m−1 and not at end of m / active at end of m−1
    rates = []
    for index in range(1, len(months)):
        active = [row for row in series.values() if row[index - 1] > 0]
        churned = sum(1 for row in active if row[index] == 0)
        rates.append(churned / len(active))
    average = sum(rates) / len(rates)

    # then
    assert 0.005 <= average <= 0.015


def test_history_has_expansion_contraction_and_a_few_reactivations(dataset: DemoDataset) -> None:
    # given / when
    movements = _movements(dataset)

    # then
    assert movements["new"] == len(dataset.accounts)
    assert movements["expansion"] > movements["contraction"] > 0
    assert 0 < movements["reactivation"] < movements["churn"] / 5


def test_acv_is_long_tailed(dataset: DemoDataset) -> None:
    # given
    acv = sorted(12 * sum(line.mrr for line in lines) for lines in _active_lines(dataset).values())

    # when
    median, p99 = acv[len(acv) // 2], acv[int(len(acv) * 0.99)]

    # then the top accounts are worth tens of times the median
    assert p99 > 20 * median
    assert sum(acv[-len(acv) // 10 :]) > sum(acv) / 2  # top 10% carry most of the ARR


# --- contacts and touchpoints ------------------------------------------------------------


def test_every_account_has_one_to_four_contacts(dataset: DemoDataset) -> None:
    # given
    per_account = Counter(c.account_key for c in dataset.contacts)

    # when / then
    assert set(per_account) == {a.key for a in dataset.accounts}
    assert set(per_account.values()) <= {1, 2, 3, 4}
    assert len({c.email for c in dataset.contacts}) == len(dataset.contacts)
    assert all(c.email.endswith(".example.jp") and " " in c.name for c in dataset.contacts)
    roles = {"admin", "decision_maker", "champion", "user", "billing"}
    assert {c.role for c in dataset.contacts} == roles


def test_touchpoints_are_by_known_csms_before_as_of(dataset: DemoDataset) -> None:
    # given
    usernames = {u.username for u in dataset.users}
    emails: dict[str, set[str]] = defaultdict(set)
    for contact in dataset.contacts:
        emails[contact.account_key].add(contact.email)
    midnight = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC)

    # when / then
    for touch in dataset.touchpoints:
        assert touch.csm_username in usernames
        assert touch.occurred_at.utcoffset() is not None
        assert midnight - WINDOW <= touch.occurred_at < midnight
        assert touch.occurred_at.weekday() < 5
        assert touch.summary
        assert touch.contact_emails and set(touch.contact_emails) <= emails[touch.account_key]


def test_touch_cadence_follows_the_segment(dataset: DemoDataset) -> None:
    # given accounts active for the whole window, by segment
    touches: dict[str, Counter[str]] = defaultdict(Counter)
    for touch in dataset.touchpoints:
        touches[touch.account_key][touch.kind] += 1
    old = {line.account_key for line in dataset.subscription_lines if line.start_date.year < 2024}
    mature = [a for a in dataset.accounts if a.key in old and a.phase != "churned"]

    def per_account(segment: str, kinds: tuple[str, ...]) -> float:
        accounts = [a for a in mature if a.segment == segment]
        per_window = sum(touches[a.key][k] for a in accounts for k in kinds) / len(accounts)
        return per_window / (WINDOW.days / 365)  # per year

    # when / then high touch is met about monthly, low touch every one to three months,
    # tech touch only through webinars
    assert 9 <= per_account("high", ("meeting", "onsite", "call", "email")) <= 16
    assert 3 <= per_account("low", ("meeting", "call", "email")) <= 8
    assert per_account("tech", ("meeting", "onsite", "call", "email")) == 0
    assert 1 <= per_account("tech", ("webinar",)) <= 5


def test_the_demo_templates_are_written_as_the_cores_phases_and_criteria() -> None:
    # given the demo's onboarding templates
    criteria = [c for phases in TEMPLATES.values() for p in phases for c in p.criteria]
    # then each is the core's type, named uniquely, and its rules are the core's (validated)
    assert all(isinstance(p, PhaseSpec) for phases in TEMPLATES.values() for p in phases)
    assert len({c.key for c in criteria}) == len(criteria) == 18
    assert Counter(c.rule.metric for c in criteria if c.rule) == {
        "feature_events": 4,
        "seat_share": 4,
    }
    expense = [c for c in criteria if c.key == "expense.use"]
    assert expense[0].rule == UsageRule(
        "feature_events", threshold=5, window_days=7, feature="expense_report"
    )
    # and every onboarding's met days name criteria of the templates, manual ones as ticks
    manual = {c.key for c in criteria if c.rule is None}
    generated = generate_onboardings(generate(as_of=date(2026, 11, 1), accounts=60, seed=3), seed=3)
    checks = [check for o in generated for check in o.checks]
    assert checks and {check.criterion_key for check in checks} <= {c.key for c in criteria}
    assert all(check.manual == (check.criterion_key in manual) for check in checks)


def test_a_few_groups_of_two_to_five_active_companies(dataset: DemoDataset) -> None:
    # given the 2,000-account demo: one group per 200 accounts
    by_key = {a.key: a for a in dataset.accounts}
    children = Counter(a.parent_key for a in dataset.accounts if a.parent_key is not None)
    tops = {key for key in children if by_key[key].parent_key is None}
    # then 10 groups, 23 subsidiaries, each parent an account of the demo, none churned
    assert (len(tops), children.total()) == (10, 23)
    assert all(key in by_key for key in children)
    in_groups = [a for a in dataset.accounts if a.parent_key is not None or a.key in children]
    assert len(in_groups) == 33
    assert {a.phase for a in in_groups} <= {"onboarding", "adoption", "renewal"}
    # each group is 2 to 5 accounts, at most three levels deep, and no loop
    sizes: Counter[str] = Counter()
    for account in in_groups:
        top, depth = account, 1
        while top.parent_key is not None:
            top, depth = by_key[top.parent_key], depth + 1
            assert depth <= 3
        sizes[top.key] += 1
    assert set(sizes) == tops
    assert min(sizes.values()) >= 2 and max(sizes.values()) <= 5


def test_groups_change_no_other_field_and_a_tiny_company_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a 300-account company with its groups (one: 300 // 200)
    grouped = generate(as_of=AS_OF, accounts=300, seed=7)
    assert 1 <= sum(a.parent_key is not None for a in grouped.accounts) <= 4
    # when generated again without the groups stage
    monkeypatch.setattr(generator, "_with_groups", lambda accounts, rng: tuple(accounts))
    plain = generate(as_of=AS_OF, accounts=300, seed=7)
    # then everything else is equal: the groups draw from their own random stream
    assert plain == dataclasses.replace(
        grouped, accounts=tuple(dataclasses.replace(a, parent_key=None) for a in grouped.accounts)
    )
    monkeypatch.undo()
    assert all(a.parent_key is None for a in generate(as_of=AS_OF, accounts=19).accounts)
