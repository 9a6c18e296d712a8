from __future__ import annotations

from tests.apps.onboarding.conftest import line, template

__all__ = ["line", "template"]
