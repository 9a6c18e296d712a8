"""REST endpoints for CSQLs (``/api/v1/csqls``): list with filters, get one, raise one on an
account, move its state or hand it to another sales owner. docs/renewals.md, "CSQLs"."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Id, Pages, errors, omittable
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Account, Product
from kizuna.apps.expansion import selectors, services
from kizuna.apps.expansion.access import access_csql
from kizuna.apps.expansion.forms import parse_month
from kizuna.apps.expansion.models import Csql
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.models import Team, User
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["csqls"])

State = Literal["proposed", "accepted", "won", "lost"]
ChosenReason = Literal["no_budget", "timing", "competitor", "no_need", "no_response", "other"]


class ReasonOut(Schema):
    code: str
    points: float
    details: dict[str, Any]


class MonthOut(Schema):
    month: dt.date = Field(description="first day of the month")
    mrr: int = Field(description="expansion MRR attributed, minor units")


class CsqlOut(Schema):
    id: int
    account_id: int
    product: str | None = Field(description="product code, or null for any product")
    raised_by: str = Field(description="username")
    team: str | None = Field(description="the raiser's team code when raised")
    raised_on: dt.date
    raised_at: dt.datetime
    reasons: list[ReasonOut] = Field(description="the approach score's reasons, copied in")
    approach_score: float | None
    note: str
    sales_owner: str | None = Field(description="username of the member, if one")
    sales_owner_name: str = Field(description="the CRM user's name, when no member")
    state: str
    lost_reason: str
    lost_note: str
    closed_on: dt.date | None
    closed_by_job: bool
    window_ends_on: dt.date | None = Field(description="null until the daily job ran")
    expansion_mrr: int = Field(description="attributed by the daily job, never typed")

    @staticmethod
    def resolve_product(obj: Csql) -> str | None:
        return obj.product.code if obj.product else None

    @staticmethod
    def resolve_raised_by(obj: Csql) -> str:
        return str(obj.raised_by.username)

    @staticmethod
    def resolve_team(obj: Csql) -> str | None:
        return obj.team.code if obj.team else None

    @staticmethod
    def resolve_sales_owner(obj: Csql) -> str | None:
        return obj.sales_owner.username if obj.sales_owner else None

    @staticmethod
    def resolve_expansion_mrr(obj: Csql) -> int:
        return obj.attributed_mrr


class CsqlDetailOut(CsqlOut):
    months: list[MonthOut]

    @staticmethod
    def resolve_months(obj: Csql) -> list[Any]:
        return list(obj.months.all())


class CsqlFiltersIn(Schema):
    state: State | None = None
    team: str | None = Field(None, max_length=50, description="team code")
    csm: str | None = Field(None, max_length=150, description="username of the raiser")
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="raise month, YYYY-MM")
    account_id: Id | None = None


class CsqlIn(Schema):
    account_id: Id
    product: str | None = Field(None, max_length=50, description="product code")
    sales_owner: str | None = Field(None, max_length=150, description="username of a member")
    sales_owner_name: str = Field("", max_length=150, description="or a CRM user's name")
    note: str = Field("", max_length=4000)


class CsqlPatch(Schema):
    """A state move (``accepted``, ``won``, or ``lost`` with a ``lost_reason``) or a new sales
    owner (``sales_owner`` or ``sales_owner_name``), or both."""

    state: Literal["accepted", "won", "lost"] = omittable()
    lost_reason: ChosenReason = omittable(description="with state lost")
    lost_note: str = omittable(max_length=1000)
    sales_owner: str = omittable(max_length=150, description="username of a member")
    sales_owner_name: str = omittable(max_length=150, description="a CRM user's name")


def _member(username: str) -> User:
    member = User.objects.filter(username=username, is_active=True).first()
    if member is None:
        raise ValidationError({"sales_owner": _("Unknown user: %(value)s") % {"value": username}})
    return member


def _filters(data: CsqlFiltersIn) -> selectors.CsqlFilters:
    month = parse_month(data.month)
    if data.month and month is None:
        raise ValidationError({"month": _("Give a month as YYYY-MM.")})
    team = Team.objects.filter(code=data.team).first() if data.team else None
    if data.team and team is None:
        raise ValidationError({"team": _("Unknown team: %(value)s") % {"value": data.team}})
    csm = User.objects.filter(username=data.csm).first() if data.csm else None
    if data.csm and csm is None:
        raise ValidationError({"csm": _("Unknown user: %(value)s") % {"value": data.csm}})
    return selectors.CsqlFilters(
        team=team, raised_by=csm, month=month, state=data.state, account_id=data.account_id
    )


@router.get("/csqls", response={200: list[CsqlOut]})
@paginate(Pages, page_size=50)
def list_csqls(request: AuthedRequest, filters: Query[CsqlFiltersIn]) -> Any:
    """Every CSQL (every member reads every one), newest raised first; filtered by state, the
    raiser's team, the raiser, the raise month and the account."""
    return selectors.csqls_filtered(_filters(filters))


@router.post("/csqls", response={201: CsqlDetailOut, **errors(403, 404, 409)})
def create_csql(request: AuthedRequest, payload: CsqlIn) -> Status[Csql]:
    """Raise a CSQL on an account (any member but a viewer), the approach score's reasons of
    today copied in. 409 ``conflict`` when the account has an open CSQL for the product (or, without
    a product, one without)."""
    user = request.user
    account = access_account(user, payload.account_id)
    product = None
    if payload.product:
        product = Product.objects.filter(code=payload.product).first()
        if product is None:
            raise ValidationError(
                {"product": _("Unknown product: %(value)s") % {"value": payload.product}}
            )
    prefill = selectors.approach_prefill(account.pk, today=tenant_today())
    try:
        csql = _raise(user, account, product, payload, prefill)
    except ValidationError as error:
        duplicate = getattr(error, "error_dict", {}).get("account", [])
        if any(e.code == services.DUPLICATE for e in duplicate):
            raise HttpError(409, str(duplicate[0].message)) from None
        raise
    return Status(201, access_csql(user, csql.pk))


def _raise(
    user: User,
    account: Account,
    product: Product | None,
    payload: CsqlIn,
    prefill: selectors.Prefill,
) -> Csql:
    return services.csql_raise(
        actor=user,
        account=account,
        product=product,
        sales_owner=_member(payload.sales_owner) if payload.sales_owner else None,
        sales_owner_name=payload.sales_owner_name,
        reasons=prefill.reasons,
        approach_score=prefill.score,
        note=payload.note,
        via="api",
    )


@router.get("/csqls/{csql_id}", response={200: CsqlDetailOut, **errors(404)})
def get_csql(request: AuthedRequest, csql_id: Id) -> Csql:
    return access_csql(request.user, csql_id)


@router.patch("/csqls/{csql_id}", response={200: CsqlDetailOut, **errors(403, 404)})
def update_csql(request: AuthedRequest, csql_id: Id, payload: CsqlPatch) -> Csql:
    """Move a CSQL or hand it over: its sales owner, a manager of the raiser's team or an
    admin (else 403). Won and lost are final; lost needs a reason."""
    user = request.user
    csql = access_csql(user, csql_id)
    data = payload.dict(exclude_unset=True)
    if not data:
        raise ValidationError({"body": _("Name a change: state or sales owner.")})
    with transaction.atomic():
        if "sales_owner" in data or "sales_owner_name" in data:
            owner = _member(data["sales_owner"]) if data.get("sales_owner") else None
            services.csql_hand_to(
                actor=user,
                csql=csql,
                sales_owner=owner,
                sales_owner_name=data.get("sales_owner_name", ""),
                via="api",
            )
        if "state" in data:
            services.csql_move(
                actor=user,
                csql=csql,
                state=data["state"],
                lost_reason=data.get("lost_reason", ""),
                lost_note=data.get("lost_note", ""),
                via="api",
            )
    return access_csql(user, csql_id)
