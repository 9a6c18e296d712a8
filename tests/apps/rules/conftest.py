from __future__ import annotations

from tests.apps.notify.conftest import commit, receiver, run_queue, smtp_server
from tests.apps.onboarding.conftest import line, template

__all__ = ["commit", "line", "receiver", "run_queue", "smtp_server", "template"]
