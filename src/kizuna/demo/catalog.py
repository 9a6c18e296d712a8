"""The demo company's fixed parts: its products, CS teams and staff.

These do not depend on the seed, so the demo logins and the team line-up stay the same in every
generated dataset (handy for documentation, screenshots and browser tests).

The staff is sized for the default 2,000 accounts (about 1,700 active: 10 % high touch, 30 % low
touch) against the default load norms (high 5–10, low 20–30 accounts per CSM), with a little
slack, as a team that hired to its norms would be. Books are not all equal (``BOOK_WEIGHTS``):
two seniors in each account team carry about 30 % more and are over the norm; the newest hire
carries about 40 % less.
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
    # strategic (high touch, one CSM end to end): sized to the norm of 5–10 accounts each
    ("sato.k", "佐藤 健一", "csm", STRATEGIC),
    ("ito.m", "伊藤 真由美", "csm", STRATEGIC),
    ("kato.s", "加藤 翔太", "csm", STRATEGIC),
    ("yoshida.n", "吉田 奈々", "csm", STRATEGIC),
    ("yamaguchi.r", "山口 亮", "csm", STRATEGIC),
    ("inoue.s", "井上 沙織", "csm", STRATEGIC),
    ("kimura.d", "木村 大輔", "csm", STRATEGIC),
    ("saito.y", "斎藤 優子", "csm", STRATEGIC),
    ("yamazaki.k", "山崎 和人", "csm", STRATEGIC),
    ("yamashita.m", "山下 真奈", "csm", STRATEGIC),
    ("nakajima.t", "中島 大樹", "csm", STRATEGIC),
    ("ishii.a", "石井 愛", "csm", STRATEGIC),
    ("hasegawa.s", "長谷川 誠司", "csm", STRATEGIC),
    ("murakami.r", "村上 理恵", "csm", STRATEGIC),
    ("endo.k", "遠藤 健", "csm", STRATEGIC),
    ("aoki.h", "青木 遥香", "csm", STRATEGIC),
    ("sakamoto.y", "坂本 陽平", "csm", STRATEGIC),
    ("fukuda.n", "福田 菜摘", "csm", STRATEGIC),
    # corporate onboarding (low touch until onboarding completes)
    ("hayashi.y", "林 優花", "csm", CORPORATE_ONBOARDING),
    ("shimizu.k", "清水 和也", "csm", CORPORATE_ONBOARDING),
    # corporate adoption (low touch after the hand-off, renewals): 20–30 accounts each
    ("ikeda.t", "池田 智子", "csm", CORPORATE_ADOPTION),
    ("hashimoto.r", "橋本 涼", "csm", CORPORATE_ADOPTION),
    ("abe.m", "阿部 舞", "csm", CORPORATE_ADOPTION),
    ("ishikawa.y", "石川 裕太", "csm", CORPORATE_ADOPTION),
    ("ogawa.e", "小川 恵", "csm", CORPORATE_ADOPTION),
    ("maeda.s", "前田 修平", "csm", CORPORATE_ADOPTION),
    ("okada.h", "岡田 遥", "csm", CORPORATE_ADOPTION),
    ("fujita.k", "藤田 光", "csm", CORPORATE_ADOPTION),
    ("mori.a", "森 明日香", "csm", CORPORATE_ADOPTION),
    ("ota.m", "太田 美紀", "csm", CORPORATE_ADOPTION),
    ("nishimura.k", "西村 恭平", "csm", CORPORATE_ADOPTION),
    ("fujii.a", "藤井 彩花", "csm", CORPORATE_ADOPTION),
    ("kaneko.t", "金子 拓海", "csm", CORPORATE_ADOPTION),
    ("okamoto.s", "岡本 さくら", "csm", CORPORATE_ADOPTION),
    ("fujiwara.r", "藤原 亮介", "csm", CORPORATE_ADOPTION),
    ("nakano.y", "中野 由佳", "csm", CORPORATE_ADOPTION),
    ("miura.d", "三浦 大地", "csm", CORPORATE_ADOPTION),
    # enablement (1:N tech touch: webinars, manuals, support)
    ("goto.m", "後藤 美穂", "csm", ENABLEMENT),
    ("kondo.y", "近藤 陽介", "csm", ENABLEMENT),
    # the enablement team's manager: tech-touch accounts are pooled (no named owner), so the
    # tasks rules open on them go to her (org.access.rule_task_owner), who hands them out.
    # Listed last so the members above keep their order (the generator deals books by it).
    ("kikuchi.e", "菊地 絵美", "manager", ENABLEMENT),
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


#: Relative book size of a CSM (1 when not listed): accounts are dealt in proportion to it.
BOOK_WEIGHTS: Final[dict[str, float]] = {
    "sato.k": 1.3,
    "ito.m": 1.3,
    "fukuda.n": 0.6,
    "ikeda.t": 1.3,
    "hashimoto.r": 1.3,
    "miura.d": 0.6,
}


@cache
def csms_of(team_code: str) -> tuple[str, ...]:
    """Usernames of the CSMs of a team, in the fixed staff order."""
    return tuple(u.username for u in USERS if u.role == "csm" and u.team_code == team_code)
