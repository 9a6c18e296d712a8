"""What an export holds: every table of Kizuna's apps, in the order a restore loads them.

The list is not typed by hand: it is every model of the ``kizuna.apps`` packages (their
many-to-many tables included), so a table added later is exported without a change here. Left
out, each with its reason (docs/export.md):

- ``jobs.JobState``: when this server last ran each periodic job, not the company's data (a
  restored copy runs its own jobs);
- ``org.ApiToken``: API tokens are secrets of this server (only their hash is stored, and a
  hash alone opens nothing); members make new ones after a restore;
- ``notify.WebhookEndpoint``, ``notify.Delivery`` and ``notify.NotificationPreference``: the
  endpoints' signing secrets and the members' Slack and Teams webhook URLs are credentials, and
  the delivery log is this server's sending record; after a restore admins add the endpoints
  again and members set their channels again (their in-app notifications are exported);
- ``org.User.password``: password hashes never leave the server; restored members set a new
  password (``kizuna manage changepassword NAME``);
- ``surveys.SurveyInvitation.nonce``: the secret part of each survey link; the links of a
  restored copy do not open;
- the many-to-many tables of members to Django's groups and permissions (Kizuna gives rights by
  role, never through them); sessions, login attempts and lockouts (django-axes), the task
  queue and other tables of the libraries Kizuna runs on are not in the ``kizuna.apps``
  packages at all.

Each column's type is the one Polars writes in the Parquet file (``Int64``, ``String``,
``Date``, ``Datetime(us, UTC)`` …); JSON columns are JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from django.apps import apps
from django.db import models
from django.utils import translation

#: models left out entirely, by label, with the reason the manifest gives
EXCLUDED_TABLES: dict[str, str] = {
    "jobs.JobState": "when this server last ran each periodic job; not the company's data",
    "org.ApiToken": "API token secrets stay on the server; members create new tokens",
    "notify.WebhookEndpoint": "webhook signing secrets stay on the server; admins add the "
    "endpoints again",
    "notify.Delivery": "this server's log of sent messages; it refers to the endpoints and "
    "holds what was sent",
    "notify.NotificationPreference": "members' Slack and Teams webhook URLs are credentials; "
    "members set their channels again",
}
#: columns left out, by model label → column → reason
EXCLUDED_COLUMNS: dict[str, dict[str, str]] = {
    "org.User": {"password": "password hashes stay on the server; members set a new password"},
    "surveys.SurveyInvitation": {
        "nonce": "the secret part of each survey link stays on the server; a restored copy's "
        "links do not open"
    },
}
#: tables a fresh database already has rows in (seeded by data migrations); a restore replaces
#: their rows with the export's
SEEDED_TABLES = frozenset(
    {
        "tenant.TenantSettings",
        "segments.CoveragePolicy",
        "onboarding.OnboardingPolicy",
        "churnreasons.ChurnReasonCategory",
        "surveys.SurveyTopic",
    }
)

_INTEGERS = (models.IntegerField, models.AutoField, models.BigAutoField, models.SmallAutoField)


@dataclass(frozen=True)
class Column:
    """One exported column: the model's field under its attribute name (``account_id``)."""

    name: str
    field: models.Field[Any, Any]
    dtype: pl.DataType

    @property
    def is_json(self) -> bool:
        return isinstance(self.field, models.JSONField)

    def describe(self) -> dict[str, Any]:
        """The column's entry in the manifest."""
        entry: dict[str, Any] = {
            "name": self.name,
            "type": str(self.dtype),
            "field": self.field.get_internal_type(),
            "nullable": bool(self.field.null),
            "definition": _definition(self.field, "en"),
            "definition_ja": _definition(self.field, "ja"),
        }
        if self.is_json:
            entry["format"] = "JSON text"
        target = self.field.related_model if self.field.is_relation else None
        if isinstance(target, type) and issubclass(target, models.Model):
            entry["references"] = f"{target._meta.db_table}.{target._meta.pk.attname}"
        return entry


@dataclass(frozen=True)
class Table:
    """One exported table: a model, its columns, its file names."""

    model: type[models.Model]
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    @property
    def title(self) -> str:
        """What the table holds, in the active language; a many-to-many table (whose name
        Django makes up in English) as its two sides: 接点 ↔ 担当者."""
        meta = self.model._meta
        if meta.auto_created:
            sides = [
                str(f.related_model._meta.verbose_name_plural)  # type: ignore[union-attr]
                for f in meta.concrete_fields
                if f.is_relation
            ]
            return " ↔ ".join(sides)
        return str(meta.verbose_name_plural)

    def description(self, language: str) -> str:
        with translation.override(language):
            return self.title


def _definition(field: models.Field[Any, Any], language: str) -> str:
    """One line: the field's verbose name, and its help text when it has one."""
    with translation.override(language):
        text = str(field.verbose_name)
        help_text = str(field.help_text or "")
    text = text[:1].upper() + text[1:]
    return f"{text}: {help_text}" if help_text else text


def polars_type(field: models.Field[Any, Any]) -> pl.DataType:
    """The Polars type a field's values are exported as (a foreign key: its target's key)."""
    if field.is_relation:
        target = field.target_field  # type: ignore[attr-defined]
        return polars_type(target)
    if isinstance(field, models.BooleanField):
        return pl.Boolean()
    if isinstance(field, _INTEGERS):
        return pl.Int64()
    if isinstance(field, models.FloatField):
        return pl.Float64()
    if isinstance(field, models.DecimalField):
        return pl.Decimal(field.max_digits, field.decimal_places)
    if isinstance(field, models.DateTimeField):
        return pl.Datetime("us", "UTC")
    if isinstance(field, models.DateField):
        return pl.Date()
    if isinstance(field, models.TimeField):
        return pl.Time()
    if isinstance(field, models.DurationField):
        return pl.Duration("us")
    if isinstance(field, models.BinaryField):
        return pl.Binary()
    return pl.String()  # text, slugs, e-mails, UUIDs, JSON (as JSON text)


def _is_kizuna(model: type[models.Model]) -> bool:
    return model._meta.app_config is not None and model._meta.app_config.name.startswith(
        "kizuna.apps."
    )


def _exported(model: type[models.Model]) -> bool:
    if not _is_kizuna(model) or model._meta.label in EXCLUDED_TABLES:
        return False
    if model._meta.proxy or not model._meta.managed:
        return False
    # a many-to-many table to a model outside Kizuna's apps (members ↔ Django's groups)
    return all(
        _is_kizuna(f.related_model)
        for f in model._meta.concrete_fields
        if f.is_relation and isinstance(f.related_model, type)
    )


def export_tables() -> list[Table]:
    """Every exported table, each after the tables its foreign keys point to (a restore
    inserts in this order; the few cycles rely on the constraints being checked at commit)."""
    chosen = {m._meta.label: m for m in apps.get_models(include_auto_created=True) if _exported(m)}
    edges: dict[str, set[str]] = {label: set() for label in chosen}
    for label, model in chosen.items():
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if isinstance(target, type) and target._meta.label in chosen.keys() - {label}:
                edges[label].add(target._meta.label)
    tables = []
    for label in _order(edges):
        model = chosen[label]
        skip = EXCLUDED_COLUMNS.get(label, {})
        columns = tuple(
            Column(f.attname, f, polars_type(f))
            for f in model._meta.concrete_fields
            if f.attname not in skip
        )
        tables.append(Table(model, columns))
    return tables


def _order(edges: dict[str, set[str]]) -> list[str]:
    """The labels, each after the ones it points to where that is possible (by name among
    equals); a cycle is broken where the depth-first walk meets it."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(label: str, path: frozenset[str]) -> None:
        if label in seen or label in path:
            return
        for target in sorted(edges[label]):
            visit(target, path | {label})
        seen.add(label)
        done.append(label)

    for label in sorted(edges):
        visit(label, frozenset())
    return done
