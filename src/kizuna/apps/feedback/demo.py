"""The demo company's voice of the customer, loaded by ``apps/demo`` after the CSQLs: each
product's owner (the manager or the admin), three feature requests per product, and a year of
feedback from the accounts that use the product, logged by their owner CSMs (from
touchpoints, the account page and the API), some of it naming no request yet. The first
request of each product is asked for most, so the board's weights differ; two requests have
shipped (their requesters counted as told) and one was declined.

Seeded, so every load is the same. Bulk inserts: the demo tells nobody.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kizuna.apps.customers.models import Account, Product, SubscriptionLine
from kizuna.apps.feedback.models import (
    FeatureRequest,
    FeatureRequestChange,
    Feedback,
    FeedbackSource,
    RequestStatus,
)
from kizuna.apps.org.models import User

SEED = 16
#: per product code: (title, what the customers say), the most asked first
REQUESTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "expense": (
        (
            "交通系ICカードの取込",
            ("ICカードの履歴を自動で取り込みたい", "交通費の手入力をなくしたい"),
        ),
        ("承認の代理設定", ("出張中の承認を代理に任せたい", "承認者の不在時に止まってしまう")),
        ("仕訳CSVの列順指定", ("会計ソフトに合わせてCSVの列を並べ替えたい",)),
    ),
    "invoice": (
        ("取引先マスタの一括更新", ("取引先の登録を一括で更新したい", "マスタ更新が手作業で大変")),
        ("請求書の自動仕分け", ("部署ごとに請求書を自動で振り分けたい",)),
        ("支払予定の通知", ("支払期日の前に通知が欲しい",)),
    ),
    "attendance": (
        ("シフト作成の自動化", ("シフト表を自動で作りたい", "シフト調整に時間がかかる")),
        ("打刻漏れのアラート", ("打刻忘れを本人に知らせたい",)),
        ("有休残日数の一覧出力", ("有休の残日数を一覧で出したい",)),
    ),
    "workflow": (
        ("申請フォームの条件分岐", ("金額で承認ルートを変えたい", "条件で項目を出し分けたい")),
        ("スマートフォンでの承認", ("外出先から承認したい",)),
        ("申請データの外部連携", ("申請データを基幹システムに連携したい",)),
    ),
}
#: (product code, request index) → (status, days before as_of it was decided)
DECIDED: dict[tuple[str, int], tuple[str, int]] = {
    ("expense", 1): (RequestStatus.SHIPPED, 40),
    ("invoice", 2): (RequestStatus.SHIPPED, 12),
    ("attendance", 2): (RequestStatus.DECLINED, 30),
}
#: of the accounts using a product, the share asking for its requests, most asked first
ASK_SHARES = (0.3, 0.15, 0.08)
UNLINKED = (
    "画面の動きが遅いときがある",
    "操作マニュアルをもっと充実させてほしい",
    "料金体系を分かりやすくしてほしい",
)
SOURCES = (FeedbackSource.TOUCHPOINT, FeedbackSource.ACCOUNT_PAGE, FeedbackSource.API)


def _moment(as_of: dt.date, days_ago: int, rng: random.Random) -> dt.datetime:
    day = as_of - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9 + rng.randint(0, 8), 0)))


def _users_by_product(as_of: dt.date) -> dict[int, list[Account]]:
    """The accounts with a line of each product started by ``as_of``, by product id."""
    out: dict[int, list[Account]] = {}
    accounts = {a.pk: a for a in Account.objects.select_related("owner")}
    pairs = (
        SubscriptionLine.objects.filter(start_date__lte=as_of)
        .values_list("product_id", "account_id")
        .distinct()
        .order_by("product_id", "account_id")
    )
    for product_id, account_id in pairs:
        out.setdefault(product_id, []).append(accounts[account_id])
    return out


def _request(
    product: Product, index: int, title: str, as_of: dt.date, rng: random.Random
) -> tuple[FeatureRequest, list[FeatureRequestChange]]:
    created = _moment(as_of, 300 - index * 40, rng)
    default = RequestStatus.PLANNED if index == 0 else RequestStatus.NEW
    status, days = DECIDED.get((product.code, index), (default, 0))
    final = status in (RequestStatus.SHIPPED, RequestStatus.DECLINED)
    decided = _moment(as_of, days, rng) if final else None
    request = FeatureRequest(
        product=product, title=title, status=status, decided_at=decided, created_at=created,
        requesters_notified_at=decided if status == RequestStatus.SHIPPED else None,
    )  # fmt: skip
    owner = product.owner
    path: list[tuple[str, str, dt.datetime]] = [("", RequestStatus.NEW, created)]
    if status != RequestStatus.NEW:
        planned = created + dt.timedelta(days=20)
        if status != RequestStatus.DECLINED:
            path.append((RequestStatus.NEW, RequestStatus.PLANNED, planned))
        if decided is not None:
            before = RequestStatus.PLANNED if status == RequestStatus.SHIPPED else RequestStatus.NEW
            path.append((before, status, decided))
    changes = [
        FeatureRequestChange(
            feature_request=request, from_status=a, to_status=b, changed_at=at,
            changed_by=owner if a else None,
        )
        for a, b, at in path
    ]  # fmt: skip
    return request, changes


def feedback_demo_load(*, as_of: dt.date, owners: list[User]) -> int:
    """The demo's products' owners (``owners`` in turn), feature requests and feedback as of
    ``as_of``; how many feedback rows."""
    rng = random.Random(SEED)
    products = list(Product.objects.order_by("code"))
    for n, product in enumerate(products):
        product.owner = owners[n % len(owners)] if owners else None
    Product.objects.bulk_update(products, ["owner"])
    users = _users_by_product(as_of)
    feedback: list[Feedback] = []
    for product in products:
        accounts = users.get(product.pk, [])
        for index, (title, texts) in enumerate(REQUESTS.get(product.code, ())):
            request, changes = _request(product, index, title, as_of, rng)
            request.save()
            FeatureRequestChange.objects.bulk_create(changes)
            asking = [a for a in accounts if rng.random() < ASK_SHARES[index]]
            latest = (as_of - request.decided_at.date()).days if request.decided_at else 0
            for account in asking:
                feedback.append(
                    Feedback(
                        account=account, product=product, feature_request=request,
                        text=rng.choice(texts), source=rng.choice(SOURCES),
                        created_by=account.owner,
                        created_at=_moment(as_of, rng.randint(latest + 1, 330), rng),
                    )
                )  # fmt: skip
        for account in accounts:
            if rng.random() < 0.04:
                feedback.append(
                    Feedback(
                        account=account, product=product, text=rng.choice(UNLINKED),
                        source=FeedbackSource.ACCOUNT_PAGE, created_by=account.owner,
                        created_at=_moment(as_of, rng.randint(1, 200), rng),
                    )
                )  # fmt: skip
    Feedback.objects.bulk_create(feedback, batch_size=1000)
    return len(feedback)
