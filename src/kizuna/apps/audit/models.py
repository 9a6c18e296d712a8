"""Who changed what, and when: one row per create, update or delete; and failed logins and
lockouts (entity ``user``, the targeted member if the username exists, no actor)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOCKED_OUT = "locked_out", _("locked out")


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One changed field of an audit event, as a reader reads it: the field's label and its
    old and new values (``shown_value``)."""

    label: str
    old: object
    new: object


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    entity = models.CharField(_("what"), max_length=64)
    entity_id = models.BigIntegerField(null=True, blank=True)  # none: a login for no member
    account = models.ForeignKey(
        "customers.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    changes = models.JSONField(_("changes"), default=dict)
    via = models.CharField(_("via"), max_length=16, default="web")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["account", "-at"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.entity} #{self.entity_id}"
        )

    def _model(self) -> type[models.Model] | None:
        for model in apps.get_models():
            if model._meta.model_name == self.entity:
                return model
        return None

    @property
    def entity_label(self) -> str:
        """The changed object's kind in the reader's language (e.g. 契約ライン)."""
        model = self._model()
        return str(model._meta.verbose_name) if model else self.entity

    @property
    def change_rows(self) -> list[ChangeRow]:
        """Each changed field as a reader wants it: labels and choices in their language, dates
        and times in their format and the company's time zone."""
        model = self._model()
        rows = []
        for name, (old, new) in self.changes.items():
            label, field = name, None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
                label = str(getattr(field, "verbose_name", name))
            rows.append(ChangeRow(label, shown_value(field, old), shown_value(field, new)))
        return rows


def shown_value(field: object, value: object) -> object:
    """A stored audit value as the reader reads it (the value itself when it is not a choice,
    a date or a time, or does not parse)."""
    if value is None or value == "":
        return value
    choices = dict(getattr(field, "flatchoices", None) or ())
    if choices:
        return choices.get(value, value)
    try:
        if isinstance(field, models.DateTimeField):
            moment = dt.datetime.fromisoformat(str(value))
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
        if isinstance(field, models.DateField):
            return formats.date_format(dt.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return value
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value
