"""Writing feedback and feature requests: log a feedback on an account, open or correct a
feature request, move its status, and tell the requesters once when it ships. Each write is
one transaction, keyword-only and audited.

A member (``actor``) is checked against ``kizuna.apps.org.access`` (``PermissionDenied``); a
wrong value raises ``ValidationError`` keyed by field, in the member's language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.customers.models import Account, Contact, Product
from kizuna.apps.feedback.models import (
    MAX_TEXT,
    MAX_TITLE,
    FeatureRequest,
    FeatureRequestChange,
    Feedback,
    FeedbackSource,
    RequestStatus,
)
from kizuna.apps.notify.services import notify_member
from kizuna.apps.org.access import (
    can_create_feature_request,
    can_decide_feature_request,
    can_edit_feature_request,
    can_link_feedback,
    can_log_feedback,
)
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core import feedback as core

#: the notification kind of a shipped request (``notify.Notification.kind``)
SHIPPED_KIND = "feature_request_shipped"


def _invalid(field: str, message: str, code: str) -> ValidationError:
    """A refusal of ``field`` whose code a client reads (``error_dict[field][0].code``)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _text(field: str, value: str, *, limit: int, required: bool) -> str:
    """``value`` stripped; refused when it holds a null character, is longer than ``limit``
    characters, or is empty and ``required``."""
    value = (value or "").strip()
    if "\x00" in value:
        raise _invalid(field, _("Null characters are not allowed."), "null_characters_not_allowed")
    if required and not value:
        raise _invalid(field, _("This field is required."), "required")
    if len(value) > limit:
        raise _invalid(
            field,
            _("Keep it to %(limit)d characters (it has %(count)d).")
            % {"limit": limit, "count": len(value)},
            "max_length",
        )
    return value


def _check_parts(
    account: Account,
    contact: Contact | None,
    touchpoint: Touchpoint | None,
    feature_request: FeatureRequest | None,
) -> None:
    if contact is not None and contact.account_id != account.pk:
        raise _invalid("contact", _("This contact is not one of the account's."), "invalid")
    if touchpoint is not None and touchpoint.account_id != account.pk:
        raise _invalid("touchpoint", _("This touchpoint is not one of the account's."), "invalid")
    if feature_request is not None and feature_request.status == RequestStatus.DECLINED:
        raise _invalid("feature_request", _("This feature request was declined."), "declined")


@transaction.atomic
def feedback_log(
    *,
    actor: User,
    account: Account,
    text: str,
    source: str,
    contact: Contact | None = None,
    touchpoint: Touchpoint | None = None,
    feature_request: FeatureRequest | None = None,
    product: Product | None = None,
    via: str = "web",
) -> Feedback:
    """What ``account`` said, logged by ``actor`` (``can_log_feedback``): the contact and the
    touchpoint, when named, must be the account's; a declined request takes no more asks.
    The product is the request's when one is named, else ``product`` (or none)."""
    _require(can_log_feedback(actor, account))
    if source not in FeedbackSource.values:
        raise _invalid("source", _("Unknown source."), "invalid")
    text = _text("text", text, limit=MAX_TEXT, required=True)
    _check_parts(account, contact, touchpoint, feature_request)
    feedback = Feedback.objects.create(
        account=account,
        contact=contact,
        touchpoint=touchpoint,
        feature_request=feature_request,
        product=feature_request.product if feature_request is not None else product,
        text=text,
        source=source,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=feedback,
        account_id=account.pk,
        changes={
            "feature_request": [None, feature_request.pk if feature_request else None],
            "source": [None, source],
        },
        via=via,
    )
    return feedback


@transaction.atomic
def feedback_link(
    *, actor: User, feedback: Feedback, feature_request: FeatureRequest, via: str = "web"
) -> Feedback:
    """Name the request a logged feedback asks for (or another one): whoever may log feedback
    on its account, the owner of the request's product, an admin (``can_link_feedback``). The
    feedback takes the request's product; a declined request takes no more asks. A request
    that has shipped already tells nobody again."""
    feedback = (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("account__owner")
        .get(pk=feedback.pk)
    )
    owner_id = feature_request.product.owner_id
    _require(can_link_feedback(actor, feedback.account, product_owner_id=owner_id))
    _check_parts(feedback.account, None, None, feature_request)
    before = feedback.feature_request_id
    feedback.feature_request = feature_request
    feedback.product = feature_request.product
    feedback.save(update_fields=["feature_request", "product"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=feedback,
        account_id=feedback.account_id,
        changes={"feature_request": [before, feature_request.pk]},
        via=via,
    )
    return feedback


@transaction.atomic
def feature_request_create(
    *, actor: User, product: Product, title: str, description: str = "", via: str = "web"
) -> FeatureRequest:
    """A new feature request on ``product``, status new (``can_create_feature_request``);
    its first history row records the creation."""
    _require(can_create_feature_request(actor))
    request = FeatureRequest.objects.create(
        product=product,
        title=_text("title", title, limit=MAX_TITLE, required=True),
        description=_text("description", description, limit=MAX_TEXT, required=False),
        created_by=actor,
        created_at=timezone.now(),
    )
    FeatureRequestChange.objects.create(
        feature_request=request, from_status="", to_status=request.status, changed_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=request,
        account_id=None,
        changes={"product": [None, product.code], "title": [None, request.title]},
        via=via,
    )
    return request


def _locked(request: FeatureRequest) -> FeatureRequest:
    return (
        FeatureRequest.objects.select_for_update(of=("self",))
        .select_related("product")
        .get(pk=request.pk)
    )


@transaction.atomic
def feature_request_update(
    *,
    actor: User,
    feature_request: FeatureRequest,
    title: str | None = None,
    description: str | None = None,
    product: Product | None = None,
    via: str = "web",
) -> FeatureRequest:
    """Correct a request's title, description or product (``can_edit_feature_request``;
    None: unchanged). Moving it to another product moves its feedback's product too."""
    request = _locked(feature_request)
    _require(
        can_edit_feature_request(
            actor,
            product_owner_id=request.product.owner_id,
            created_by_id=request.created_by_id,
            status=request.status,
        )
    )
    before = {"title": request.title, "description": request.description, "product": None}
    fields = []
    if title is not None:
        request.title = _text("title", title, limit=MAX_TITLE, required=True)
        fields.append("title")
    if description is not None:
        request.description = _text("description", description, limit=MAX_TEXT, required=False)
        fields.append("description")
    if product is not None and product.pk != request.product_id:
        before["product"] = request.product.code
        request.product = product
        fields.append("product")
        Feedback.objects.filter(feature_request=request).update(product=product)
    if not fields:
        return request
    request.save(update_fields=fields)
    changes = {f: [before[f], product.code if f == "product" and product else getattr(request, f)]
               for f in fields}  # fmt: skip
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=request,
        account_id=None,
        changes=changes,
        via=via,
    )
    return request


@transaction.atomic
def feature_request_set_status(
    *,
    actor: User,
    feature_request: FeatureRequest,
    status: str,
    note: str = "",
    via: str = "web",
) -> FeatureRequest:
    """Move a request (``core.feedback.MOVES``): the product's owner or an admin
    (``can_decide_feature_request``). Shipped and declined are final and set ``decided_at``;
    the history keeps every move. The first move to shipped tells the requesters
    (``requesters_notify``), once."""
    request = _locked(feature_request)
    _require(can_decide_feature_request(actor, product_owner_id=request.product.owner_id))
    note = _text("note", note, limit=1000, required=False)
    if not core.can_move(request.status, status):
        raise _invalid(
            "status",
            _("A request that is %(status)s cannot move there.")
            % {"status": request.get_status_display()},
            "invalid_status",
        )
    before, now = request.status, timezone.now()
    request.status = status
    request.decided_at = now if status in core.FINAL_STATUSES else None
    request.save(update_fields=["status", "decided_at"])
    FeatureRequestChange.objects.create(
        feature_request=request,
        from_status=before,
        to_status=status,
        changed_by=actor,
        changed_at=now,
        note=note,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=request,
        account_id=None,
        changes={"status": [before, status]},
        via=via,
    )
    if status == core.SHIPPED:
        requesters_notify(feature_request=request)
    return request


def ship_recipients(feature_request: FeatureRequest) -> list[User]:
    """The members told when ``feature_request`` ships (``core.feedback.ship_recipients``):
    who logged its feedback and the owners of the requesting accounts, each once."""
    rows = Feedback.objects.filter(feature_request=feature_request).values_list(
        "created_by_id", "account__owner_id"
    )
    ids = core.ship_recipients(core.Requester(by, owner) for by, owner in rows)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def requesters_notify(*, feature_request: FeatureRequest) -> int:
    """Tell every requester that ``feature_request`` shipped (in-app, and by e-mail, Slack or
    Teams as each one's preferences say), in their language; how many were told. At most once
    per request: the mark ``requesters_notified_at`` is claimed by a conditional update, so a
    second call, a re-save or a concurrent one tells nobody again."""
    claimed = FeatureRequest.objects.filter(
        pk=feature_request.pk,
        status=RequestStatus.SHIPPED,
        requesters_notified_at__isnull=True,
    ).update(requesters_notified_at=timezone.now())
    if not claimed:
        return 0
    request = FeatureRequest.objects.select_related("product").get(pk=feature_request.pk)
    link = reverse("feedback:request", args=[request.pk])
    members = ship_recipients(request)
    for member in members:
        with translation.override(member.language or settings.LANGUAGE_CODE):
            notify_member(
                member=member,
                kind=SHIPPED_KIND,
                title=_("Shipped: %(title)s") % {"title": request.title},
                body=_(
                    "The feature request your customers asked for has shipped: %(title)s "
                    "(%(product)s). Tell the accounts that asked for it."
                )
                % {"title": request.title, "product": request.product.name},
                link=link,
            )
    return len(members)
