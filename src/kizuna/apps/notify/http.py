"""One HTTP POST of a JSON body, for Slack, Teams and webhook endpoints (the standard
library's urllib: no dependency). A 2xx answer is a success; anything else, a redirect
included (a POST must not silently become a GET elsewhere), a time-out or a refused
connection raises ``PostFailed`` with the status (if any) and a short reason."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

#: How much of an error answer's body is kept as its reason.
REASON_MAX = 200


class PostFailed(Exception):
    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer is then raised as an HTTPError


_opener = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, body: bytes, *, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``url``; returns the 2xx status. Raises PostFailed."""
    if not url.lower().startswith(("http://", "https://")):
        raise PostFailed("the URL is not http(s)")
    request = urllib.request.Request(url, data=body, method="POST")
    for name, value in {"content-type": "application/json", **headers}.items():
        request.add_header(name, value)
    request.add_header("user-agent", "Kizuna-Webhooks/1")
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(REASON_MAX)
    except urllib.error.HTTPError as error:
        text = error.read(REASON_MAX).decode("utf-8", "replace").strip()
        raise PostFailed(f"HTTP {error.code} {text}".strip(), status=error.code) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise PostFailed(f"{type(error).__name__}: {reason}") from error
    if not 200 <= status < 300:
        raise PostFailed(f"HTTP {status}", status=status)
    return status
