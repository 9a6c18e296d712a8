"""A real SMTP server (aiosmtpd) on a free local port, and Django's SMTP backend pointed at it:
the invitations are sent over the network and read back as the member's mail program would."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"http://testserver(/welcome/[^/\s]+/[^/\s]+/)")


class Inbox:
    """What the server received, parsed: one ``EmailMessage`` per message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def body(self, index: int = -1) -> str:
        part = self.messages[index].get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content()).replace("\r\n", "\n")  # lines end in CRLF on the wire

    def link(self, index: int = -1) -> str:
        """The set-password path of a message (the base URL is http://testserver)."""
        found = LINK.findall(self.body(index))
        assert len(found) == 1, self.body(index)
        return str(found[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_mailer(settings: Any, port: int) -> None:
    """The default mailer: Django's SMTP backend to 127.0.0.1:port (the test runner had made
    it the in-memory one)."""
    options = {"host": "127.0.0.1", "port": port, "timeout": 5}
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }
    settings.DEFAULT_FROM_EMAIL = "Kizuna <kizuna@example.jp>"
    settings.BASE_URL = "http://testserver"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_mailer(settings, port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings: Any) -> int:
    """A port nobody listens on: connecting is refused."""
    port = free_port()
    smtp_mailer(settings, port)
    return port
