"""The feedback pages' forms: log a feedback (the full form, and the account page's small
one), open or correct a feature request, move its status, the board's and the list's
filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Contact, Product
from kizuna.apps.feedback.models import MAX_TEXT, MAX_TITLE, FeatureRequest, RequestStatus
from kizuna.apps.feedback.selectors import open_requests
from kizuna.apps.org.models import User
from kizuna.core import feedback as core


class RequestChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A feature request named with its product: "経費精算: CSV 出力"."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.product.name}: {obj.title}"


class AccountFeedbackForm(forms.Form):
    """The account page's small form: what the account said, and the request it asks for."""

    text = forms.CharField(
        label=_("What did the customer say?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    feature_request = RequestChoice(
        queryset=FeatureRequest.objects.none(),
        label=_("Feature request"),
        required=False,
        empty_label=_("(none)"),
    )

    def __init__(self, *args: Any, requests: QuerySet[FeatureRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature_request"].queryset = requests  # type: ignore[attr-defined]


class FeedbackForm(AccountFeedbackForm):
    """The full form (from a touchpoint or the account page): also the contact who said it
    and, for a feedback without a request, its product."""

    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), label=_("Said by"), required=False, empty_label="—"
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True),
        label=_("Product (when no request is named)"),
        required=False,
        empty_label="—",
    )
    field_order = ["text", "feature_request", "contact", "product"]

    def __init__(
        self,
        *args: Any,
        requests: QuerySet[FeatureRequest],
        contacts: QuerySet[Contact],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, requests=requests, **kwargs)
        self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]


def feedback_form(data: Any, *, account_id: int) -> FeedbackForm:
    return FeedbackForm(
        data,
        requests=open_requests(),
        contacts=Contact.objects.filter(account_id=account_id).order_by("name", "pk"),
    )


class RequestForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), label=_("Product"))
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    description = forms.CharField(
        label=_("Description"), max_length=MAX_TEXT, required=False, widget=forms.Textarea
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(RequestStatus.choices)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s, labels[s]) for s in core.MOVES.get(current, ())
        ]


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *RequestStatus.choices], required=False
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), label=_("Product"), required=False, empty_label=_("All")
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(owned_products__isnull=False).distinct().order_by("username"),
        label=_("Product owner"),
        required=False,
        empty_label=_("All"),
    )


class FeedbackFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(), label=_("Product"), required=False, empty_label=_("All")
    )
    linked = forms.ChoiceField(
        label=_("Feature request"),
        choices=[("", _("All")), ("yes", _("Named")), ("no", _("Not named yet"))],
        required=False,
    )


class LinkForm(forms.Form):
    feature_request = RequestChoice(
        queryset=FeatureRequest.objects.none(), label=_("Feature request")
    )

    def __init__(self, *args: Any, requests: QuerySet[FeatureRequest], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature_request"].queryset = requests  # type: ignore[attr-defined]
