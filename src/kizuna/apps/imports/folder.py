"""Keeping in sync from a drop folder (docs/imports.md, *Keeping in sync*).

``import_folder_sync`` imports the exports dropped in ``settings.IMPORT_DIR``, kind by kind in
the order one needs the other: every ``members*.csv`` (the CRM user ids owners are matched by),
then ``accounts*.csv``, ``contacts*.csv`` and ``lines*.csv`` / ``lines*.parquet``, then the kinds
other apps register (``answers*.csv``, survey answers, after the contacts they name) (each kind
in name order; the case of the name does not matter), each through the import service of its kind
with ``via="folder"``, exactly as ``kizuna import accounts FILE`` would.
An imported file (rows rejected or not) is moved to ``done/``; a refused one to ``refused/``,
its reason kept as a run (the ops page lists it). One bad file never stops the others.

A file still being written is left for the next run: a name ending in ``.part`` (or anything
else not ending in ``.csv``) is not looked at, and a file whose size or modification time
changes between two looks ``SETTLE_SECONDS`` apart is skipped this time.

The service decides about a file's content; this module about files: reading (a file that
cannot be read is refused as ``unreadable``), an unexpected error (``failed``: the service's
transaction was rolled back, nothing imported), and the moves.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kizuna.apps.imports.models import ImportKind, ImportRun, RunStatus
from kizuna.apps.imports.services import (
    KINDS,
    ImportResult,
    accounts_import,
    contacts_import,
    lines_import,
    members_import,
    run_import,
)
from kizuna.core.imports.columns import FileRefused

logger = logging.getLogger(__name__)

DONE, REFUSED = "done", "refused"
#: the pause between the two looks at the files' sizes
SETTLE_SECONDS = 2.0
#: a file name's longest length in bytes on the usual file systems
NAME_MAX = 255

Service = Callable[..., ImportResult]
#: each kind's service, in the order the folder imports them
SERVICES: tuple[tuple[str, Service], ...] = (
    (ImportKind.MEMBERS, members_import),
    (ImportKind.ACCOUNTS, accounts_import),
    (ImportKind.CONTACTS, contacts_import),
    (ImportKind.LINES, lines_import),
)
#: the file name endings each kind takes (the line file may be Parquet, as ``kizuna revenue``
#: reads it)
SUFFIXES: dict[str, tuple[str, ...]] = {ImportKind.LINES: (".csv", ".parquet")}


def services() -> tuple[tuple[str, Service], ...]:
    """``SERVICES``, then the kinds other apps registered (``services.register_kind``)."""
    known = {str(kind) for kind, _service in SERVICES}
    added = tuple(
        (code, partial(run_import, spec)) for code, spec in KINDS.items() if code not in known
    )
    return (*SERVICES, *added)


@dataclass
class FolderSync:
    """What one pass over the folder did, by file name."""

    imported: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # still being written: the next run
    skipped: list[str] = field(default_factory=list)  # not a regular file: left as it is

    @property
    def report(self) -> str:
        parts = [
            f"{label} {len(names)}: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
            for label, names in (
                ("imported", self.imported),
                ("refused", self.refused),
                ("waiting", self.waiting),
                ("skipped", self.skipped),
            )
            if names
        ]
        return "; ".join(parts)


def import_dir() -> Path:
    return Path(settings.IMPORT_DIR)


def _kind(name: str) -> str | None:
    """The kind of a file the folder imports (``accounts``, …), else None."""
    folded = name.casefold()
    for kind, _service in services():
        if folded.startswith(kind) and folded.endswith(SUFFIXES.get(kind, (".csv",))):
            return str(kind)
    return None


def drop_files(directory: Path) -> list[tuple[str, Path]]:
    """The files to import, in order: kind by kind (``SERVICES``), each kind by name."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    order = {kind: at for at, (kind, _service) in enumerate(services())}
    found = [(kind, directory / name) for name in names if (kind := _kind(name)) is not None]
    return sorted(found, key=lambda item: (order[item[0]], item[1].name))


def has_drop_files() -> bool:
    """Whether the folder holds a file to import (the minute job's cheap check)."""
    return bool(drop_files(import_dir()))


def _look(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _sleep() -> None:
    time.sleep(SETTLE_SECONDS)


def _destination(folder: Path, name: str) -> Path:
    """``folder / name``, or ``stem.N.csv`` when a file of that name is there already (the
    stem shortened so the name stays within ``NAME_MAX`` bytes)."""
    if not (folder / name).exists():
        return folder / name
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (name, "")
    number = 1
    while True:
        tail = f".{number}{suffix}"
        room = NAME_MAX - len(tail.encode())
        short = stem.encode()[:room].decode(errors="ignore")
        candidate = folder / f"{short}{tail}"
        if not candidate.exists():
            return candidate
        number += 1


def _move(path: Path, to: str) -> None:
    folder = path.parent / to
    try:
        folder.mkdir(exist_ok=True)
        path.rename(_destination(folder, path.name))
    except OSError:
        logger.exception("import folder: could not move %s to %s/", path, to)


def _refused_run(kind: str, file_name: str, started: dt.datetime, error: str) -> None:
    ImportRun.objects.create(
        kind=kind,
        source="",
        status=RunStatus.REFUSED,
        via="folder",
        file_name=file_name[:255],
        started_at=started,
        finished_at=timezone.now(),
        error=error[:500],
    )


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by ``os.listdir`` as surrogates,
    which no database takes) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _import_one(kind: str, path: Path, result: FolderSync) -> None:
    service = dict(services())[kind]
    started = timezone.now()
    name = shown_name(path.name)
    try:
        data = path.read_bytes()
    except OSError as error:
        _refused_run(kind, name, started, f"unreadable: {error.strerror or error}")
        _move(path, REFUSED)
        result.refused.append(name)
        return
    refused = False
    try:
        # a savepoint: an error inside leaves a caller's transaction usable
        with transaction.atomic():
            try:
                service(actor=None, data=data, file_name=name, via="folder")
            except FileRefused:  # the service has kept the refused run: let it commit
                refused = True
    except Exception as error:  # one bad file never stops the others
        logger.exception("import folder: %s failed", path)
        _refused_run(kind, name, started, f"failed: {type(error).__name__}: {error}")
        refused = True
    _move(path, REFUSED if refused else DONE)
    (result.refused if refused else result.imported).append(name)


def import_folder_sync(
    *, directory: Path | None = None, wait: Callable[[], None] = _sleep
) -> FolderSync:
    """Import the folder's files (see the module docstring); ``wait`` pauses between the two
    looks at their sizes."""
    folder = directory if directory is not None else import_dir()
    result = FolderSync()
    files = drop_files(folder)
    if not files:
        return result
    before = {path: _look(path) for _kind, path in files}
    wait()
    for kind, path in files:
        if not path.is_file():  # a directory (or a link to one) named accounts.csv
            result.skipped.append(shown_name(path.name))
            continue
        seen = _look(path)
        if seen is None or seen != before[path]:
            result.waiting.append(shown_name(path.name))
            continue
        _import_one(kind, path, result)
    return result
