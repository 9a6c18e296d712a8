"""The imports app's periodic job (``SCHEDULE``, run by ``kizuna.apps.jobs``): the CRM exports
dropped in the import folder (``settings.IMPORT_DIR``) are imported every minute when there
are any (``imports.folder``, docs/imports.md *Keeping in sync*)."""

from __future__ import annotations

from django.tasks import task

from kizuna.apps.imports.folder import has_drop_files, import_folder_sync
from kizuna.core.schedule import every_minute


@task
def sync_folder(day: str) -> str:
    """Import the files of the drop folder (``day``: the business day it runs on, unused).
    The report names the files imported, refused, still being written and skipped."""
    return import_folder_sync().report


SCHEDULE = (every_minute("imports.sync_folder", sync_folder, when=has_drop_files),)
