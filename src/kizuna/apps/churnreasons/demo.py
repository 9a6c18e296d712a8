"""The demo company's churn reasons, loaded by ``apps/demo`` after the CSQLs: every churn
event of the demo's two years found in its lines by the real detection
(``churn_events_refresh``), then a reason recorded by the owner CSM a few days after most of
them, drawn from a believable distribution: a cancelled line more often for product fit, price
or budget, a large account's churn more often for a competitor, a champion who left or an
M&A. The last month's churns stay "reason missing", so the missing tab has work to show.

Seeded, so every load is the same.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import QuerySet

from kizuna.apps.churnreasons.detection import churn_events_refresh
from kizuna.apps.churnreasons.models import ChurnReason, ChurnReasonCategory
from kizuna.apps.churnreasons.services import churn_categories_ensure
from kizuna.apps.org.models import User

SEED = 16
#: churns this recent are left without a reason (days)
LEFT_MISSING_DAYS = 30
#: of the older ones, how many stay without a reason (nobody recorded it)
FORGOTTEN_SHARE = 0.08
#: a churned account this large (MRR, yen) is a "large" one
LARGE_MRR = 300_000

#: (category key, weight) for a whole account's churn, a large one's, and a cancelled line
WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "account": (
        ("price", 20), ("product_fit", 16), ("champion_left", 12), ("m_and_a", 5),
        ("budget", 17), ("competitor", 14), ("business_closed", 9), ("other", 7),
    ),
    "large": (
        ("price", 14), ("product_fit", 12), ("champion_left", 20), ("m_and_a", 12),
        ("budget", 10), ("competitor", 24), ("business_closed", 2), ("other", 6),
    ),
    "line": (
        ("price", 24), ("product_fit", 30), ("champion_left", 6), ("m_and_a", 2),
        ("budget", 22), ("competitor", 10), ("business_closed", 0), ("other", 6),
    ),
}  # fmt: skip
NOTES: dict[str, tuple[str, ...]] = {
    "price": ("更新時の値上げが決裁を通らなかった", "他製品と比べて割高との判断"),
    "product_fit": ("必要な帳票に対応していなかった", "現場の運用に合わず定着しなかった"),
    "champion_left": ("推進担当者が退職し後任が不在", "情報システム部長の異動で方針が変わった"),
    "m_and_a": ("親会社のシステムに統合", "合併に伴い全社ツールを統一"),
    "budget": ("業績悪化で IT 予算を削減", "来期予算が確保できなかった"),
    "competitor": ("競合製品の乗り換えキャンペーンを採用", "グループ会社で使う競合製品に統一"),
    "business_closed": ("事業撤退", "廃業"),
    "other": ("詳細は営業担当に確認中", "先方から理由の説明なし"),
}


def _kind(reason: ChurnReason) -> str:
    if reason.line_id is not None:
        return "line"
    return "large" if reason.lost_mrr >= LARGE_MRR else "account"


def _draw(rng: random.Random, kind: str) -> str:
    keys, weights = zip(*WEIGHTS[kind], strict=True)
    choice: str = rng.choices(keys, weights=weights)[0]
    return choice


def churnreasons_demo_load(*, as_of: dt.date, admin: User) -> int:
    """Find every churn event of the demo's lines, record most of their reasons; how many were
    recorded."""
    churn_categories_ensure()
    churn_events_refresh(today=as_of, since=dt.date.min, ask=False)
    categories = {c.key: c for c in ChurnReasonCategory.objects.all()}
    rng = random.Random(SEED)
    rows: QuerySet[ChurnReason] = ChurnReason.objects.select_related("account__owner").order_by(
        "churned_on", "pk"
    )
    recorded = []
    for reason in rows:
        left = (as_of - reason.churned_on).days <= LEFT_MISSING_DAYS
        if left or rng.random() < FORGOTTEN_SHARE:
            continue
        key = _draw(rng, _kind(reason))
        reason.category = categories[key]
        reason.note = rng.choice(NOTES[key]) if rng.random() < 0.7 else ""
        reason.recorded_by = reason.account.owner or admin
        days = rng.randint(1, 12)
        reason.recorded_at = dt.datetime.combine(
            reason.churned_on + dt.timedelta(days=days), dt.time(1, 30), tzinfo=dt.UTC
        )
        recorded.append(reason)
    ChurnReason.objects.bulk_update(
        recorded, ["category", "note", "recorded_by", "recorded_at"], batch_size=1000
    )
    return len(recorded)
