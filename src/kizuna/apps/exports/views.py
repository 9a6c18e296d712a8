"""The export page and its download: a ZIP of ``kizuna export``'s files, for admins only
(``org.access.can_export``; anyone else gets 403). The export is written to a temporary folder
and streamed as a ZIP while it is read, file by file in blocks, so a large export is never held
in memory; the folder is removed when the response ends (or is dropped by the client)."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kizuna.apps.exports.services import MANIFEST, export_write
from kizuna.apps.exports.tables import export_tables
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_export

#: bytes read from a file at a time while zipping
BLOCK = 1 << 20


@dataclass(frozen=True)
class ExportedTable:
    """A table the page lists: its file name and what it holds, in the reader's language."""

    name: str
    title: str


@login_required
@require_GET
def export_page(request: AuthedRequest) -> HttpResponse:
    if not can_export(request.user):
        raise PermissionDenied
    tables = [ExportedTable(t.name, t.title) for t in export_tables()]
    return render(request, "exports/export.html", {"nav": "export", "tables": tables})


@login_required
@require_GET
def export_download(request: AuthedRequest) -> StreamingHttpResponse:
    if not can_export(request.user):
        raise PermissionDenied
    folder = Path(tempfile.mkdtemp(prefix="kizuna-export-"))
    try:
        export_write(out=folder / "export")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        zip_stream(folder, folder / "export"), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="kizuna-export-{stamp}.zip"'
    return response


class _Pipe:
    """A write-only file for ``zipfile`` whose bytes are taken out as they come."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def zip_stream(folder: Path, export: Path) -> Iterator[bytes]:
    """The ZIP of the files in ``export`` (the manifest first), block by block; removes
    ``folder`` at the end."""
    try:
        pipe = _Pipe()
        names = sorted(p.name for p in export.iterdir() if p.name != MANIFEST)
        with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
            for name in [MANIFEST, *names]:
                method = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
                info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
                info.compress_type = method
                with (
                    (export / name).open("rb") as source,
                    archive.open(info, "w", force_zip64=True) as target,
                ):
                    while block := source.read(BLOCK):
                        target.write(block)
                        yield pipe.take()
                yield pipe.take()
        yield pipe.take()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
