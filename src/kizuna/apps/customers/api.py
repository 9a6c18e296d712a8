"""REST endpoints for accounts, contacts and subscription lines (``/api/v1/…``)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kizuna.apps.api.schemas import Pages, errors, omittable
from kizuna.apps.customers import services
from kizuna.apps.customers.access import access_account
from kizuna.apps.customers.models import Account, Contact, Product, SubscriptionLine
from kizuna.apps.customers.selectors import AccountFilters, account_list
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import require_account_create
from kizuna.apps.org.models import Team, User
from kizuna.apps.tenant.selectors import tenant_today

router = Router(tags=["accounts"])

Industry = Literal[
    "manufacturing", "it", "retail", "construction", "finance",
    "healthcare", "logistics", "services", "real_estate", "food", "other",
]  # fmt: skip
Channel = Literal["direct", "partner"]
Phase = Literal["onboarding", "adoption", "renewal", "churned"]
Segment = Literal["high", "low", "tech", "community"]
ContactRole = Literal["admin", "decision_maker", "champion", "user", "billing"]
BillingPeriod = Literal["monthly", "annual"]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[int, Field(ge=0, le=10**15)]
AccountId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class AccountOut(Schema):
    id: int
    name: str
    kana: str
    industry: str
    employee_count: int | None
    channel: str
    partner_name: str
    owner: str | None = Field(None, description="owner CSM's username")
    team: str | None = Field(None, description="team code")
    phase: str
    segment: str
    potential_acv: int
    mrr: int = Field(description="current MRR, derived from the active subscription lines")
    acv: int = Field(description="12 × MRR")
    external_crm_id: str | None
    parent_id: int | None = Field(None, description="the parent company's account id (親会社)")
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Account) -> str | None:
        return obj.owner.username if obj.owner else None

    @staticmethod
    def resolve_team(obj: Account) -> str | None:
        return obj.team.code if obj.team else None


class AccountPatch(Schema):
    """The fields to change. `null` only where the account can hold none (employees, owner,
    team, CRM ID); elsewhere leave the field out to keep its value."""

    name: Name = omittable()
    kana: str = omittable(max_length=200)
    industry: Industry = omittable()
    employee_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    channel: Channel = omittable()
    partner_name: str = omittable(max_length=200)
    owner: str | None = Field(None, description="username of the owner CSM")
    team: str | None = Field(None, description="team code")
    phase: Phase = omittable()
    segment: Segment = omittable()
    potential_acv: Money = omittable()
    external_crm_id: Annotated[str, Field(max_length=64)] | None = None
    parent_id: AccountId | None = Field(
        None,
        description="the parent company's account id; `null` for none. Set by a manager of "
        "the account's team or an admin; never the account itself nor one below it",
    )


class AccountIn(AccountPatch):
    name: Name


class FilterParams(Schema):
    q: str = Field("", max_length=200, description="part of the name or kana")
    segment: Segment | Literal[""] = ""
    team: str = ""
    owner: str = ""
    phase: Phase | Literal[""] = ""
    channel: Channel | Literal[""] = ""
    product: str = ""
    group: AccountId | None = Field(
        None, description="an account id: its group (the top account and every one below it)"
    )
    sort: Literal["kana", "name", "mrr", "-mrr"] = "kana"


def _resolve_refs(data: dict[str, Any]) -> dict[str, Any]:
    """Turn usernames, team and product codes of the payload into objects (400 if unknown)."""
    lookups: dict[str, tuple[type[Any], str]] = {
        "owner": (User, "username"),
        "team": (Team, "code"),
        "product": (Product, "code"),
    }
    errors: dict[str, str] = {}
    for field, (model, key) in lookups.items():
        if field not in data or data[field] is None:
            continue
        found = model.objects.filter(**{key: data[field]}).first()
        if found is None:
            errors[field] = _("Unknown %(field)s: %(value)s") % {
                "field": field,
                "value": data[field],
            }
        data[field] = found
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        parent = None if parent_id is None else Account.objects.filter(pk=parent_id).first()
        if parent_id is not None and parent is None:
            errors["parent_id"] = _("There is no account with this number.")
        data["parent"] = parent
    if errors:
        raise ValidationError(errors)
    return data


def _named_for_the_api(error: ValidationError) -> ValidationError:
    """The service's error with its fields named as the API names them (``parent_id``)."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {"parent": "parent_id"}
    return ValidationError(
        {renamed.get(key, key): messages for key, messages in error.message_dict.items()}
    )


@router.get("/accounts", response=list[AccountOut], summary="List accounts")
@paginate(Pages, page_size=50)
def list_accounts(request: AuthedRequest, filters: Query[FilterParams]) -> Any:
    return account_list(filters=AccountFilters(**filters.dict()), on=tenant_today())


@router.post("/accounts", response={201: AccountOut, **errors(403)}, summary="Create an account")
def create_account(request: AuthedRequest, payload: AccountIn) -> Status[Account]:
    user = request.user
    require_account_create(user)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    try:
        return Status(201, services.account_create(actor=user, data=data, via="api"))
    except ValidationError as error:
        raise _named_for_the_api(error) from None


@router.get(
    "/accounts/{account_id}", response={200: AccountOut, **errors(404)}, summary="Get an account"
)
def get_account(request: AuthedRequest, account_id: int) -> Account:
    return access_account(request.user, account_id)


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountOut, **errors(403, 404)},
    summary="Update an account",
)
def update_account(request: AuthedRequest, account_id: int, payload: AccountPatch) -> Account:
    """Change the account's own fields. `owner`, `team` and `segment` are accepted only when
    unchanged: a different value answers 400 (`invalid`, the field named) and changes nothing.
    The owner and team change by `POST /accounts/{account_id}/reassign`, the touch model by
    `POST /segment-exceptions` (a manager of the account's team or an admin, with a reason).
    A different `phase` is accepted only from a manager of the account's team or an admin, and
    never takes a low-touch account out of onboarding (the hand-off on the account's page does);
    otherwise it answers 400 (`invalid`, the field named) and changes nothing. A different
    `parent_id` likewise: only from a manager of the account's team or an admin, never the
    account itself, an account below it in its group, or an unknown id (400, `parent_id`)."""
    user = request.user
    account = access_account(user, account_id, write=True)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    try:
        return services.account_update(actor=user, account=account, data=data, via="api")
    except ValidationError as error:
        raise _named_for_the_api(error) from None


class ContactOut(Schema):
    id: int
    account_id: int
    name: str
    title: str
    email: str
    phone: str
    role: str


class ContactPatch(Schema):
    """The fields to change; none of them can be `null` (send "" to clear a text)."""

    name: str = omittable(min_length=1, max_length=100)
    title: str = omittable(max_length=100)
    email: str = omittable(max_length=254)
    phone: str = omittable(max_length=32)
    role: ContactRole = omittable()


class ContactIn(ContactPatch):
    name: Annotated[str, Field(min_length=1, max_length=100)]


@router.get(
    "/accounts/{account_id}/contacts",
    response={200: list[ContactOut], **errors(404)},
    tags=["contacts"],
)
@paginate(Pages, page_size=50)
def list_contacts(request: AuthedRequest, account_id: int) -> Any:
    return access_account(request.user, account_id).contacts.order_by("name", "id")


@router.post(
    "/accounts/{account_id}/contacts",
    response={201: ContactOut, **errors(403, 404)},
    tags=["contacts"],
)
def create_contact(request: AuthedRequest, account_id: int, payload: ContactIn) -> Status[Contact]:
    user = request.user
    account = access_account(user, account_id, write=True)
    data = payload.dict(exclude_unset=True)
    return Status(201, services.contact_create(actor=user, account=account, data=data, via="api"))


def _contact(user: User, contact_id: int, *, write: bool) -> Contact:
    account_id = Contact.objects.filter(pk=contact_id).values_list("account_id", flat=True).first()
    account = access_account(user, account_id or 0, write=write)
    return account.contacts.get(pk=contact_id)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **errors(404)}, tags=["contacts"])
def get_contact(request: AuthedRequest, contact_id: int) -> Contact:
    return _contact(request.user, contact_id, write=False)


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **errors(403, 404)}, tags=["contacts"]
)
def update_contact(request: AuthedRequest, contact_id: int, payload: ContactPatch) -> Contact:
    user = request.user
    contact = _contact(user, contact_id, write=True)
    data = payload.dict(exclude_unset=True)
    return services.contact_update(actor=user, contact=contact, data=data, via="api")


class LineOut(Schema):
    id: int
    account_id: int
    product: str
    currency: str
    billing_period: str
    billing_amount: int = Field(description="amount per billing period, minor units")
    mrr: int = Field(description="billing amount normalised to a month (annual ÷ 12)")
    seats: int | None
    start_date: dt.date
    end_date: dt.date | None = Field(description="exclusive; null while the line runs")
    renewal_date: dt.date | None
    term_months: int | None = Field(
        description="contract term in months; null: 12 for an annual line, 1 for a monthly one"
    )
    external_id: str | None

    @staticmethod
    def resolve_product(obj: SubscriptionLine) -> str:
        return str(obj.product.code)


class LinePatch(Schema):
    """The fields to change. `null` only for seats, end, renewal date, term and external ID."""

    product: str = omittable(max_length=50, description="product code")
    currency: str = omittable(min_length=3, max_length=3)
    billing_period: BillingPeriod = omittable()
    billing_amount: Money = omittable()
    seats: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    start_date: dt.date = omittable()
    end_date: dt.date | None = None
    renewal_date: dt.date | None = None
    term_months: Annotated[int, Field(ge=1, le=120)] | None = None
    external_id: Annotated[str, Field(max_length=64)] | None = None


class LineIn(LinePatch):
    product: str = Field(max_length=50, description="product code")
    billing_amount: Money
    start_date: dt.date


@router.get(
    "/accounts/{account_id}/subscription-lines",
    response={200: list[LineOut], **errors(404)},
    tags=["subscription lines"],
)
@paginate(Pages, page_size=50)
def list_subscription_lines(request: AuthedRequest, account_id: int) -> Any:
    account = access_account(request.user, account_id)
    return account.subscription_lines.select_related("product").order_by("-start_date", "id")


@router.post(
    "/accounts/{account_id}/subscription-lines",
    response={201: LineOut, **errors(403, 404)},
    tags=["subscription lines"],
)
def create_subscription_line(
    request: AuthedRequest, account_id: int, payload: LineIn
) -> Status[SubscriptionLine]:
    user = request.user
    account = access_account(user, account_id, write=True)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    return Status(
        201, services.subscription_line_create(actor=user, account=account, data=data, via="api")
    )


def _line(user: User, line_id: int, *, write: bool) -> SubscriptionLine:
    account_id = (
        SubscriptionLine.objects.filter(pk=line_id).values_list("account_id", flat=True).first()
    )
    account = access_account(user, account_id or 0, write=write)
    return account.subscription_lines.select_related("product").get(pk=line_id)


@router.get(
    "/subscription-lines/{line_id}",
    response={200: LineOut, **errors(404)},
    tags=["subscription lines"],
)
def get_subscription_line(request: AuthedRequest, line_id: int) -> SubscriptionLine:
    return _line(request.user, line_id, write=False)


@router.patch(
    "/subscription-lines/{line_id}",
    response={200: LineOut, **errors(403, 404)},
    tags=["subscription lines"],
)
def update_subscription_line(
    request: AuthedRequest, line_id: int, payload: LinePatch
) -> SubscriptionLine:
    user = request.user
    line = _line(user, line_id, write=True)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    return services.subscription_line_update(actor=user, line=line, data=data, via="api")
