"""Forms for accounts, contacts and subscription lines. Validation only: writes are services."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import (
    Account,
    Channel,
    Contact,
    Phase,
    Product,
    Segment,
    SubscriptionLine,
)
from kizuna.apps.customers.selectors import (
    ACCOUNT_SORTS,
    AccountFilters,
    account_group_roots,
    account_parent_links,
)
from kizuna.apps.customers.services import ACCOUNT_EDIT_FIELDS, ACCOUNT_FIELDS, CONTACT_FIELDS
from kizuna.apps.org.models import Role, Team, User
from kizuna.core.money import CURRENCIES, to_minor_units

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def csm_choices() -> Any:
    return User.objects.filter(is_active=True, role__in=[Role.CSM, Role.MANAGER]).order_by(
        "team__code", "username"
    )


#: the largest account number the parent field accepts (a bigint): a larger one is refused by
#: the form, never sent to the database
MAX_ACCOUNT_ID = 2**63 - 1


def _parent_field(form: forms.ModelForm[Account]) -> None:
    """The parent company is typed as its account number (the number in the address of its
    page), not picked from a list of every account (100,000 options). Checked by the
    services: it exists, it is not the account itself nor below it in its group."""
    field = form.fields["parent"]
    field.widget = forms.NumberInput(attrs={"min": 1, "max": MAX_ACCOUNT_ID})
    field.error_messages["invalid_choice"] = _("There is no account with this number.")
    parent = form.instance.parent if form.instance.parent_id else None
    help_text: Any = _(
        "The parent company's account number (in the address of its page). Empty: none."
    )
    if parent is not None:
        help_text = _("%(help)s Now: %(name)s (%(id)s).") % {
            "help": help_text,
            "name": parent.name,
            "id": parent.pk,
        }
    field.help_text = help_text


class _ParentChoiceField(forms.ModelChoiceField[Account]):
    """The parent's account number: a number that is not an account's (or too large for one)
    is "no such account", never a database error."""

    def to_python(self, value: Any) -> Account | None:
        if value not in self.empty_values:
            try:
                number = int(str(value).strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                ) from None
            if not 1 <= number <= MAX_ACCOUNT_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
        return super().to_python(value)


class AccountForm(forms.ModelForm[Account]):
    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS
        field_classes = {"parent": _ParentChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = csm_choices()  # type: ignore[attr-defined]
        self.fields["potential_acv"].help_text = _("Upside per year not yet contracted.")
        _parent_field(self)


class AccountEditForm(forms.ModelForm[Account]):
    """Editing an account does not offer its owner, team or touch model: those change by
    reassignment and segment exceptions (a manager or admin, with a reason), on their own pages.
    The phase is offered only to whoever may correct it (``may_change_phase``, from
    ``org.access.can_change_phase``), and not for a low-touch account in onboarding (the
    hand-off moves it). The parent company likewise, to whoever may set it (``may_set_parent``,
    from ``org.access.can_set_parent``)."""

    class Meta:
        model = Account
        fields = ACCOUNT_EDIT_FIELDS
        field_classes = {"parent": _ParentChoiceField}

    def __init__(
        self,
        *args: Any,
        may_change_phase: bool = False,
        may_set_parent: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if may_set_parent:
            _parent_field(self)
        else:
            del self.fields["parent"]
        self.fields["potential_acv"].help_text = _("Upside per year not yet contracted.")
        handed_off = self.instance.segment == Segment.LOW
        if not may_change_phase or (handed_off and self.instance.phase == Phase.ONBOARDING):
            del self.fields["phase"]
        else:
            self.fields["phase"].help_text = _(
                "The phase moves by itself as onboardings complete; change it only to correct it."
            )


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS


class SubscriptionLineForm(forms.ModelForm[SubscriptionLine]):
    """Amounts are typed in major units of the company currency (yen, dollars) and stored in
    minor units; the currency itself is the company's and cannot be changed here."""

    amount = forms.DecimalField(label=_("Amount per billing period"), min_value=Decimal(0))

    class Meta:
        model = SubscriptionLine
        fields = [
            "product",
            "billing_period",
            "amount",
            "seats",
            "start_date",
            "end_date",
            "renewal_date",
            "term_months",
            "external_id",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "renewal_date": DATE}

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        exponent = CURRENCIES.get(currency, (0, ""))[0]
        amount = self.fields["amount"]
        amount.label = _("Amount per billing period (%(currency)s)") % {"currency": currency}
        amount.decimal_places = exponent  # type: ignore[attr-defined]
        amount.validators.append(MaxValueValidator(Decimal(10) ** 13))
        if self.instance.pk:
            amount.initial = Decimal(self.instance.billing_amount).scaleb(-exponent)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def clean_amount(self) -> int:
        value: Decimal = self.cleaned_data["amount"]
        try:
            return to_minor_units(value, self.currency)
        except ValueError as error:
            places = CURRENCIES.get(self.currency, (0, ""))[0]
            message = (
                _("%(currency)s amounts have no decimals.")
                if places == 0
                else _("%(currency)s amounts have at most %(places)s decimals.")
            )
            raise forms.ValidationError(
                message % {"currency": self.currency, "places": places}
            ) from error

    def clean(self) -> dict[str, Any]:
        # the model's own validation (run next, by ModelForm) needs the amount and currency
        cleaned = super().clean() or {}
        if "amount" in cleaned:
            self.instance.billing_amount = cleaned["amount"]
        self.instance.currency = self.currency
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "amount"}
        data["billing_amount"] = self.cleaned_data["amount"]
        data["currency"] = self.currency
        return data


@dataclass(frozen=True, slots=True)
class _FilterChoiceRows:
    """What the account list's team, CSM, product and group filters offer, as read from the
    database: (code, Japanese name, English name) per team and product, (username, display)
    per CSM, (root account id, its name) per group of companies, by name."""

    teams: tuple[tuple[str, str, str], ...]
    owners: tuple[tuple[str, str], ...]
    products: tuple[tuple[str, str, str], ...]
    groups: tuple[tuple[int, str], ...]
    read_at: float


#: how long a process keeps the filter choices at most: a save in this process empties the
#: cache at once (``filter_choices_forget``, on every save and delete of a team, member or
#: product); this bounds how long another web process, which did not see the save, or a bulk
#: write without signals, can offer the old ones
FILTER_CHOICES_SECONDS = 30.0
_filter_choices: _FilterChoiceRows | None = None
_filter_choices_lock = threading.Lock()


def _filter_choice_rows() -> _FilterChoiceRows:
    global _filter_choices
    rows = _filter_choices
    now = time.monotonic()
    if rows is not None and now - rows.read_at < FILTER_CHOICES_SECONDS:
        return rows
    rows = _FilterChoiceRows(
        teams=tuple(Team.objects.values_list("code", "name_ja", "name_en")),
        owners=tuple((user.username, str(user)) for user in csm_choices()),
        products=tuple(Product.objects.values_list("code", "name_ja", "name_en")),
        groups=_group_choices(),
        read_at=now,
    )
    with _filter_choices_lock:
        _filter_choices = rows
    return rows


def _group_choices() -> tuple[tuple[int, str], ...]:
    """The top account of every group of companies, (id, name) by name then id."""
    roots = set(account_group_roots(links=account_parent_links()).values())
    if not roots:
        return ()
    named = Account.objects.filter(pk__in=sorted(roots)).values_list("pk", "name")
    return tuple(sorted(named, key=lambda row: (row[1], row[0])))


def filter_choices_forget(**_: Any) -> None:
    """Drop this process's cached filter choices: at once and again when the transaction
    commits (a request of another thread may have read and cached the old rows in between).
    The ``post_save`` / ``post_delete`` receiver of teams, members and products, connected in
    ``CustomersConfig.ready``."""
    filter_choices_clear()
    transaction.on_commit(filter_choices_clear)


def filter_choices_clear() -> None:
    """Drop this process's cached filter choices now."""
    global _filter_choices
    with _filter_choices_lock:
        _filter_choices = None


class _GroupField(forms.IntegerField):
    """An account id (any member of a group), offered as a select of the groups' top
    accounts: ``choices`` is read by ``{% fast_select %}``."""

    choices: list[tuple[str, str]]


class AccountFilterForm(forms.Form):
    """The account list's search box, filters and sort, all optional. ``group`` takes any
    account's id and lists its whole group; the select offers the top account of each."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    segment = forms.ChoiceField(label=_("Touch model"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    owner = forms.ChoiceField(label=_("CSM"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    group = _GroupField(label=_("Group"), required=False, min_value=1, max_value=MAX_ACCOUNT_ID)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in ACCOUNT_SORTS])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["segment"].choices = everything + list(Segment.choices)  # type: ignore[attr-defined]
        self.fields["phase"].choices = everything + list(Phase.choices)  # type: ignore[attr-defined]
        self.fields["channel"].choices = everything + list(Channel.choices)  # type: ignore[attr-defined]
        # the teams', CSMs' and products' rows are cached (``_filter_choice_rows``); the names
        # are picked in the reader's language, as ``Team.name`` and ``Product.name`` do
        rows = _filter_choice_rows()
        english = (get_language() or "ja").startswith("en")
        self.fields["team"].choices = everything + [  # type: ignore[attr-defined]
            (code, name_en if english else name_ja) for code, name_ja, name_en in rows.teams
        ]
        self.fields["owner"].choices = everything + list(rows.owners)  # type: ignore[attr-defined]
        self.fields["product"].choices = everything + [  # type: ignore[attr-defined]
            (code, name_en if english else name_ja) for code, name_ja, name_en in rows.products
        ]
        group: Any = self.fields["group"]
        group.choices = everything + [(str(pk), name) for pk, name in rows.groups]
        given = self.data.get("group") if self.is_bound else None
        if given and given.isdigit() and len(given) <= 19 and given not in dict(group.choices):
            # a link to a group through one of its accounts (not its top): keep it selected
            group.choices.append((given, f"#{given}"))
        self.fields["q"].widget.attrs["placeholder"] = _("Company name or kana")

    def filters(self) -> AccountFilters:
        """The valid filters; an invalid value (a stale link) is ignored, not an error page."""
        if not self.is_bound:
            return AccountFilters()
        self.is_valid()
        data = {key: value for key, value in self.cleaned_data.items() if value}
        return AccountFilters(**data)
