"""Who changed what, and when: one row per create, update or delete; and failed logins and
lockouts (entity ``user``, the targeted member if the username exists, no actor)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOCKED_OUT = "locked_out", _("locked out")


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
    def change_rows(self) -> list[tuple[str, object, object]]:
        """``(field label in the reader's language, old, new)`` for each changed field."""
        model = self._model()
        rows = []
        for name, (old, new) in self.changes.items():
            label = name
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
                label = str(getattr(field, "verbose_name", name))
            rows.append((label, old, new))
        return rows
