from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def usage_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh usage store per test (the demo writes its usage there)."""
    settings.USAGE_DIR = tmp_path / "usage"
    return settings.USAGE_DIR
