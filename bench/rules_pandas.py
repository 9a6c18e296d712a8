"""The pandas baseline of the rule benchmark: one day's evaluation (docs/actions.md) written
the way an analyst would write it in a notebook — merge the signals with the accounts, filter
per rule, anti-join the cool-downs and open tasks, then a cumulative count per owner for the
budget.

Not part of Kizuna (pandas is not a dependency): ``bench/rules_bench.py`` runs it side by side
with ``kizuna.core.rules.evaluate`` and checks that both fire on the same accounts with the
same deliveries. Run it with ``uv run --with pandas python bench/rules_bench.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from kizuna.core.rules.model import (
    COMPARE,
    AccountFacts,
    Action,
    Compare,
    Priority,
    Rule,
    Signal,
)


def input_frames(
    signals: Iterable[Signal],
    accounts: Iterable[AccountFacts],
    last_fired: Mapping[tuple[int, int], dt.date],
) -> dict[str, pd.DataFrame]:
    """The core's inputs as the frames ``evaluate`` reads: signals, accounts, last firings."""
    return {
        "signals": pd.DataFrame(
            [(s.account_id, s.day, s.kind.value, s.value) for s in signals],
            columns=["account_id", "day", "kind", "value"],
        ),
        "accounts": pd.DataFrame(
            [(a.account_id, a.owner_id, a.segment, a.team, a.products, a.grade, a.mrr)
             for a in accounts],
            columns=["account_id", "owner_id", "segment", "team", "products", "grade", "mrr"],
        ),
        "fired": pd.DataFrame(
            [(rule, account, on) for (rule, account), on in last_fired.items()],
            columns=["rule_id", "account_id", "day"],
        ),
    }  # fmt: skip


def evaluate(
    rules: list[Rule],
    signals: pd.DataFrame,  # account_id, day, kind, value
    accounts: pd.DataFrame,  # account_id, owner_id, segment, team, products (frozenset), grade, mrr
    last_fired: pd.DataFrame,  # rule_id, account_id, day
    open_keys: set[str],
    interruptions: dict[int, int],
    *,
    day: dt.date,
    weekly_budget: int | None,
) -> pd.DataFrame:
    """rule_id, account_id, owner_id, priority, delivery: the day's firings in order."""
    today = signals[signals["day"] == day]
    frames = []
    for rule in rules:
        rows = today[today["kind"] == rule.trigger.kind.value]
        compare = COMPARE[rule.trigger.kind]
        if compare is Compare.AT_MOST:
            rows = rows.sort_values("value", na_position="last")
        else:
            rows = rows.sort_values("value", ascending=False, na_position="last")
        rows = rows.drop_duplicates("account_id").merge(accounts, on="account_id")
        threshold = rule.trigger.threshold
        if compare is not Compare.NONE and threshold is not None:
            if compare is Compare.AT_LEAST:
                rows = rows[rows["value"].notna() & (rows["value"] >= threshold)]
            else:
                rows = rows[rows["value"].notna() & (rows["value"] <= threshold)]
        f = rule.filter
        if f.segments:
            rows = rows[rows["segment"].isin(f.segments)]
        if f.products:
            rows = rows[rows["products"].map(f.products.isdisjoint) == False]  # noqa: E712
        if f.teams:
            rows = rows[rows["team"].isin(f.teams)]
        if f.grades:
            rows = rows[rows["grade"].isin(f.grades)]
        if f.mrr_min is not None:
            rows = rows[rows["mrr"] >= f.mrr_min]
        if f.mrr_max is not None:
            rows = rows[rows["mrr"] <= f.mrr_max]
        fired = last_fired[last_fired["rule_id"] == rule.id][["account_id", "day"]]
        rows = rows.merge(fired.rename(columns={"day": "last"}), on="account_id", how="left")
        since = (pd.Timestamp(day) - pd.to_datetime(rows["last"])).dt.days
        rows = rows[rows["last"].isna() | (since >= rule.cooldown_days)]
        keys = "rule:" + str(rule.id) + ":account:" + rows["account_id"].astype(str)
        rows = rows[~keys.isin(open_keys)]
        rows = rows.assign(
            rule_id=rule.id,
            priority=int(rule.priority),
            notifies=Action.NOTIFY in rule.actions,
        )
        frames.append(rows[["rule_id", "account_id", "owner_id", "priority", "notifies"]])
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["priority", "rule_id", "account_id"], ascending=[False, True, True])
    out = out.reset_index(drop=True)
    counted = out["notifies"] & out["owner_id"].notna()
    high = out["priority"] == int(Priority.HIGH)
    start = out["owner_id"].map(interruptions).fillna(0)
    highs = (counted & high).groupby(out["owner_id"]).transform("sum")
    nth = (counted & ~high).astype(int).groupby(out["owner_id"]).cumsum() - 1
    if weekly_budget is None:
        immediate = counted
    else:
        immediate = counted & (high | (start + highs + nth < weekly_budget))
    out["delivery"] = "none"
    out.loc[counted, "delivery"] = "digest"
    out.loc[immediate, "delivery"] = "immediate"
    return out[["rule_id", "account_id", "owner_id", "priority", "delivery"]]
