"""The demo company's fixed parts: its products, CS teams and staff.

These do not depend on the seed, so the demo logins and the team line-up stay the same in every
generated dataset (handy for documentation, screenshots and browser tests).
"""

from __future__ import annotations

from functools import cache
from typing import Final

from kizuna.demo.types import DemoProduct, DemoTeam, DemoUser

STAFF_EMAIL_DOMAIN: Final = "kizuna-demo.example"

PRODUCTS: Final[tuple[DemoProduct, ...]] = (
    DemoProduct(code="expense", name_ja="経費精算", name_en="Expense", seat_price=600),
    DemoProduct(code="invoice", name_ja="請求書受取", name_en="Invoice receipt", seat_price=2000),
    DemoProduct(code="attendance", name_ja="勤怠管理", name_en="Attendance", seat_price=300),
    DemoProduct(code="workflow", name_ja="ワークフロー", name_en="Workflow", seat_price=500),
)

SEAT_PRICE: Final[dict[str, int]] = {product.code: product.seat_price for product in PRODUCTS}

STRATEGIC: Final = "strategic"
CORPORATE_ONBOARDING: Final = "corporate_onboarding"
CORPORATE_ADOPTION: Final = "corporate_adoption"
ENABLEMENT: Final = "enablement"

TEAMS: Final[tuple[DemoTeam, ...]] = (
    DemoTeam(
        code=STRATEGIC, kind=STRATEGIC, name_ja="戦略アカウントチーム", name_en="Strategic accounts"
    ),
    DemoTeam(
        code=CORPORATE_ONBOARDING,
        kind=CORPORATE_ONBOARDING,
        name_ja="コーポレート オンボーディングチーム",
        name_en="Corporate onboarding",
    ),
    DemoTeam(
        code=CORPORATE_ADOPTION,
        kind=CORPORATE_ADOPTION,
        name_ja="コーポレート アダプションチーム",
        name_en="Corporate adoption",
    ),
    DemoTeam(
        code=ENABLEMENT, kind=ENABLEMENT, name_ja="イネーブルメントチーム", name_en="Enablement"
    ),
)

# (username, full name, role, team code). The four fixed demo logins come first.
_STAFF: Final[tuple[tuple[str, str, str, str | None], ...]] = (
    ("admin", "高橋 美咲", "admin", None),
    ("manager", "田中 誠", "manager", STRATEGIC),
    ("csm", "鈴木 健太", "csm", STRATEGIC),
    ("viewer", "渡辺 直樹", "viewer", None),
    # CS operations and the executive who reads the dashboards
    ("kobayashi.a", "小林 彩", "admin", None),
    ("matsumoto.h", "松本 浩二", "viewer", None),
    # managers of the two corporate teams
    ("yamamoto.y", "山本 由美", "manager", CORPORATE_ONBOARDING),
    ("nakamura.t", "中村 拓也", "manager", CORPORATE_ADOPTION),
    # strategic (high touch, one CSM end to end)
    ("sato.k", "佐藤 健一", "csm", STRATEGIC),
    ("ito.m", "伊藤 真由美", "csm", STRATEGIC),
    ("kato.s", "加藤 翔太", "csm", STRATEGIC),
    ("yoshida.n", "吉田 奈々", "csm", STRATEGIC),
    ("yamaguchi.r", "山口 亮", "csm", STRATEGIC),
    ("inoue.s", "井上 沙織", "csm", STRATEGIC),
    ("kimura.d", "木村 大輔", "csm", STRATEGIC),
    # corporate onboarding (low touch until onboarding completes)
    ("hayashi.y", "林 優花", "csm", CORPORATE_ONBOARDING),
    ("shimizu.k", "清水 和也", "csm", CORPORATE_ONBOARDING),
    ("mori.a", "森 明日香", "csm", CORPORATE_ONBOARDING),
    # corporate adoption (low touch after the hand-off, renewals)
    ("ikeda.t", "池田 智子", "csm", CORPORATE_ADOPTION),
    ("hashimoto.r", "橋本 涼", "csm", CORPORATE_ADOPTION),
    ("abe.m", "阿部 舞", "csm", CORPORATE_ADOPTION),
    ("ishikawa.y", "石川 裕太", "csm", CORPORATE_ADOPTION),
    ("ogawa.e", "小川 恵", "csm", CORPORATE_ADOPTION),
    ("maeda.s", "前田 修平", "csm", CORPORATE_ADOPTION),
    ("okada.h", "岡田 遥", "csm", CORPORATE_ADOPTION),
    ("fujita.k", "藤田 光", "csm", CORPORATE_ADOPTION),
    # enablement (1:N tech touch: webinars, manuals, support)
    ("goto.m", "後藤 美穂", "csm", ENABLEMENT),
    ("kondo.y", "近藤 陽介", "csm", ENABLEMENT),
)

USERS: Final[tuple[DemoUser, ...]] = tuple(
    DemoUser(
        username=username,
        full_name=full_name,
        email=f"{username}@{STAFF_EMAIL_DOMAIN}",
        role=role,
        team_code=team_code,
    )
    for username, full_name, role, team_code in _STAFF
)


@cache
def csms_of(team_code: str) -> tuple[str, ...]:
    """Usernames of the CSMs of a team, in the fixed staff order."""
    return tuple(u.username for u in USERS if u.role == "csm" and u.team_code == team_code)
