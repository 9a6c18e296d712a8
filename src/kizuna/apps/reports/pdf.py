"""The monthly report as a PDF, printed by Chromium (through Playwright) from the report's
printable HTML, on A4.

Nothing is fetched from the network, and no web server or session is needed: Chromium opens a
page at a private origin (``ORIGIN``, a reserved ``.invalid`` name that no DNS answers) and
every request it makes is answered here, in the process: the report's HTML as Django rendered
it for the reader, and the stylesheet from the static files; any other request is refused. So
the daily job prints the report as well as a member's download does, with the same template.

Chromium is the Debian package the browser tests use (``/usr/bin/chromium``), or the one
``KIZUNA_CHROMIUM`` names; Japanese text needs a CJK font (Debian's ``fonts-noto-cjk``, which
``scripts/bootstrap.sh --test`` installs with Chromium). Without Chromium the report page says
so (``PdfUnavailable``) instead of failing.
"""

from __future__ import annotations

import mimetypes
import shutil
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib.staticfiles import finders
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route, sync_playwright

ORIGIN: Final = "http://report.kizuna.invalid"
DOCUMENT: Final = f"{ORIGIN}/report"
STATIC_PREFIX: Final = f"{ORIGIN}/static/"
#: the stylesheets the printable page links (static file names)
STYLESHEETS: Final = ("kizuna/kizuna.css",)
#: the names Debian, other distributions and Google's build give the browser
EXECUTABLES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS: Final = [
    "--no-sandbox",  # the worker may run as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: how long Chromium may take to start and print, in milliseconds
TIMEOUT_MS: Final = 60_000


class PdfUnavailable(Exception):
    """No Chromium to print with (or it failed to start): the message says which."""


def chromium_executable() -> str | None:
    """The Chromium to print with: ``KIZUNA_CHROMIUM`` (settings.CHROMIUM) when it is set and
    executable, else the first of ``EXECUTABLES`` on the PATH; None when there is none."""
    configured: str = settings.CHROMIUM
    if configured:
        path = Path(configured)
        return str(path) if path.is_file() and shutil.which(str(path)) else None
    for name in EXECUTABLES:
        found = shutil.which(name)
        if found:
            return found
    return None


def stylesheet_urls() -> list[str]:
    return [STATIC_PREFIX + name for name in STYLESHEETS]


def _static(url: str) -> tuple[bytes, str] | None:
    name = url.removeprefix(STATIC_PREFIX).split("?", 1)[0]
    if name not in STYLESHEETS:
        return None
    found = finders.find(name)
    if not isinstance(found, str):
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Path(found).read_bytes(), content_type


def _answer(html: str) -> Any:
    def handle(route: Route) -> None:
        url = route.request.url
        if url == DOCUMENT:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            return
        static = _static(url) if url.startswith(STATIC_PREFIX) else None
        if static is not None:
            route.fulfill(status=200, content_type=static[1], body=static[0])
            return
        route.abort("blockedbyclient")  # never the network

    return handle


def pdf_from_html(html: str) -> bytes:
    """Print ``html`` (a whole document that links ``stylesheet_urls()``) to an A4 PDF with
    its backgrounds. Raises ``PdfUnavailable`` without Chromium or when it fails."""
    executable = chromium_executable()
    if executable is None:
        raise PdfUnavailable("no Chromium found (install Debian's chromium or set KIZUNA_CHROMIUM)")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=FLAGS, headless=True, timeout=TIMEOUT_MS
            )
            try:
                page = browser.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.route("**/*", _answer(html))
                page.goto(DOCUMENT, wait_until="load")
                pdf: bytes = page.pdf(
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    margin={"top": "12mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PdfUnavailable(f"Chromium could not print the report: {error}") from error
    return pdf
