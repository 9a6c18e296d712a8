"""Reads of the import runs for the ops page (``pages.views.ops``) and a run's drill-down:
each run with its words in the reader's language (kind, source, status, via, the refusal),
and a run's rejected rows with their reasons and its unmatched owners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django_stubs_ext import StrOrPromise

from kizuna.apps.imports import reasons
from kizuna.apps.imports.models import ImportFormat, ImportRun

#: runs the ops page lists, newest first
RUNS_SHOWN = 20


@dataclass(frozen=True)
class ImportRunRow:
    id: int
    kind: StrOrPromise
    kind_code: str
    source: StrOrPromise
    file_name: str
    status: str
    status_label: StrOrPromise
    started_at: dt.datetime
    finished_at: dt.datetime
    via: StrOrPromise
    actor: str
    created: int
    updated: int
    unchanged: int
    rejected: int
    missing: int
    refused_because: str


@dataclass(frozen=True)
class RejectedLine:
    line: int
    reason: StrOrPromise
    value: str
    code: str = ""


@dataclass(frozen=True)
class ImportRunDetail:
    run: ImportRunRow
    rejected: tuple[RejectedLine, ...]
    more_rejected: int  # rejected rows the run did not keep (``models.REJECTS_KEPT``)
    unmatched_owners: tuple[tuple[str, int], ...]


def _source(code: str) -> StrOrPromise:
    return ImportFormat(code).label if code in ImportFormat.values else code or "—"


def _row(run: ImportRun) -> ImportRunRow:
    return ImportRunRow(
        id=run.pk,
        kind=reasons.KINDS.get(run.kind, run.kind),
        kind_code=run.kind,
        source=_source(run.source),
        file_name=run.file_name,
        status=run.status,
        status_label=reasons.STATUSES.get(run.status, run.status),
        started_at=run.started_at,
        finished_at=run.finished_at,
        via=reasons.VIAS.get(run.via, run.via),
        actor=str(run.actor) if run.actor is not None else "",
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        missing=run.missing,
        refused_because=reasons.stored_refusal(run.error) if run.error else "",
    )


def import_runs_latest(*, limit: int = RUNS_SHOWN) -> list[ImportRunRow]:
    """The latest runs, newest first (one query, the member who imported joined)."""
    runs = ImportRun.objects.select_related("actor").defer("rejects", "unmatched_owners")
    return [_row(run) for run in runs.order_by("-started_at", "-id")[:limit]]


def import_run_detail(*, run_id: int) -> ImportRunDetail | None:
    """One run with its rejected rows (line order) and unmatched owners; None when unknown."""
    run = ImportRun.objects.select_related("actor").filter(pk=run_id).first()
    if run is None:
        return None
    rejected = tuple(
        RejectedLine(
            line=int(item.get("line", 0)),
            reason=reasons.reason(run.kind, str(item.get("code", ""))),
            value=str(item.get("value") or ""),
            code=str(item.get("code", "")),
        )
        for item in run.rejects
        if isinstance(item, dict)
    )
    owners = tuple(
        (str(pair[0]), int(pair[1]))
        for pair in run.unmatched_owners
        if isinstance(pair, list) and len(pair) == 2
    )
    return ImportRunDetail(
        run=_row(run),
        rejected=tuple(sorted(rejected, key=lambda row: row.line)),
        more_rejected=max(0, run.rejected - len(rejected)),
        unmatched_owners=owners,
    )
