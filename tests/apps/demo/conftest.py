from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def usage_dir(settings: Any, tmp_path: Path) -> Path:
    """The demo's usage goes into the usage store: a fresh one per test."""
    settings.USAGE_DIR = tmp_path / "usage"
    return settings.USAGE_DIR
