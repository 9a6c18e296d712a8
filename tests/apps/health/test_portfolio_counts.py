"""The portfolio's grade counts per touch model, team and CSM, and its totals, are counted by
the database: every scored account of the latest day once, in its row; an account without a
team or an owner in the "(none)" row; an ungraded score in no count."""

from __future__ import annotations

import datetime as dt

from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.selectors import portfolio
from kizuna.apps.health.services import score_models_ensure_defaults
from tests.factories import AccountFactory, World

DAY = dt.date(2026, 6, 30)


def test_grades_are_counted_per_row_and_in_total(world: World) -> None:
    # given, on the latest day, the world's two accounts, one account without team or owner,
    # and one score without a grade; an older day's score counts nowhere
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.get(name="adoption")
    orphan = AccountFactory(owner=None, team=None, segment="tech")
    ungraded = AccountFactory(owner=world.csm, team=world.csm.team, segment="tech")
    rows = [
        (world.account, DAY, 1),
        (world.other_account, DAY, 5),
        (orphan, DAY, 1),
        (ungraded, DAY, None),
        (world.account, DAY - dt.timedelta(days=7), 4),
    ]
    HealthScore.objects.bulk_create(
        HealthScore(account=a, day=d, model=model, score=50, grade=g) for a, d, g in rows
    )

    # when the portfolio is cut by team, by CSM and by touch model
    by_team, by_csm, by_segment = (portfolio(by=by) for by in ("team", "csm", "segment"))

    # then each graded score of the day is in exactly one row, the orphan under ""
    strategic, other = world.account.team.code, world.other_account.team.code  # type: ignore[union-attr]
    assert [(r.key, list(r.grades), r.total) for r in by_team.rows] == sorted(
        [("", [1, 0, 0, 0, 0], 1), (strategic, [1, 0, 0, 0, 0], 1), (other, [0, 0, 0, 0, 1], 1)]
    )
    assert {r.key: r.total for r in by_csm.rows} == {
        "": 1,
        world.csm.username: 1,
        world.other_account.owner.username: 1,  # type: ignore[union-attr]
    }
    assert sum(r.total for r in by_segment.rows) == 3
    assert by_team.totals == by_csm.totals == (2, 0, 0, 0, 1)
    assert by_team.day == DAY and by_team.week_ago == DAY - dt.timedelta(days=7)
