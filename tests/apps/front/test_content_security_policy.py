"""Content-Security-Policy: every page is sent with it, and no template needs an inline script.

The browser side (pages load with no violation in the console) is in
tests/browser/test_content_security_policy.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

from tests.factories import World

SRC = Path(__file__).resolve().parents[3] / "src" / "kizuna"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_every_page_is_sent_with_the_policy(world: World) -> None:
    # given a signed-in member
    client = Client()
    client.force_login(world.csm)
    # when they open a page, and a visitor the login page
    pages = [client.get(reverse("customers:account_list")), Client().get(reverse("front:login"))]
    # then scripts and style sheets may only come from Kizuna itself
    for response in pages:
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_no_template_has_an_inline_script_a_style_element_or_an_event_handler() -> None:
    # given every template of every app
    templates = sorted(SRC.glob("apps/*/templates/**/*.html"))
    assert len(templates) > 20
    # then none would need 'unsafe-inline' for scripts or style sheets
    found = [
        f"{path.relative_to(SRC)}: {match.group(0)[:80]}"
        for path in templates
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ELEMENT)
        for match in pattern.finditer(path.read_text())
    ]
    found += [str(p.relative_to(SRC)) for p in templates if "javascript:" in p.read_text()]
    assert found == []
