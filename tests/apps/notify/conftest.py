"""Real endpoints for the deliveries: a local HTTP receiver (``http.server`` in a thread) that
records every request and answers what a test scripts, a port nobody listens on, and the
real SMTP server of the invitation tests; ``run_queue`` runs the database task queue here as
the worker would (``jobs.services.tasks_run_queued``), running what is queued on commit."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kizuna.apps.jobs.services import tasks_run_queued
from tests.apps.org.conftest import Inbox, free_port, smtp_down, smtp_server  # noqa: F401  (fixtures)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each path with its scripted statuses in turn (200 once they run out)."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        self.scripts[path] = list(statuses)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            with lock:
                headers = {name.lower(): value for name, value in self.headers.items()}
                state.requests.append(Received(self.path, headers, body))
                statuses = state.scripts.get(self.path, [])
                status = statuses.pop(0) if statuses else 200
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"invalid_payload")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def down_url() -> str:
    """An endpoint nobody listens on: the connection is refused."""
    return f"http://127.0.0.1:{free_port()}/hook"


@pytest.fixture
def run_queue(django_capture_on_commit_callbacks: Any) -> Callable[..., list[str]]:
    """Run every task that is due now (``due=True`` first makes every waiting task due, as
    if its time had come); what the tasks queue on commit is queued."""

    def run(*, due: bool = False) -> list[str]:
        if due:
            DBTaskResult.objects.filter(status="READY").update(
                run_after=timezone.now() - dt.timedelta(seconds=1)
            )
        with django_capture_on_commit_callbacks(execute=True):
            return tasks_run_queued()

    return run


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Call a service and run what it queues on commit, as a committed request would."""

    def call(function: Callable[..., Any], /, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


@dataclass
class Clock:
    now: dt.datetime

    def advance_to(self, when: dt.datetime | None) -> None:
        assert when is not None
        self.now = when


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The delivery task's clock (``notify.tasks``), starting at the real now: a test moves it
    to a retry's time instead of waiting for it."""
    from kizuna.apps.notify import tasks

    state = Clock(timezone.now())

    class FakeTimezone:
        @staticmethod
        def now() -> dt.datetime:
            return state.now

    monkeypatch.setattr(tasks, "timezone", FakeTimezone)
    return state
