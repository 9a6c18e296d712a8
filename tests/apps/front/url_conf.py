"""Every page of the URL conf, found, not listed, for the sweeps over all pages
(``test_form_sweep``, ``test_page_data``): the routes with their ids filled in from a world.

Django's admin, the API, and the sign-in, sign-out, language switch and an invited member's
set-password page (a signed link, tests/apps/org/test_invitations.py) are left to their own
tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED_PREFIXES = ("admin/", "api/", "logout/", "login/", "language/", "welcome/")
CONVERTERS = ("<int:", "<slug:", "<str:")

#: The values to put for one URL parameter, by its name (``account_id``), or by the route's
#: first segment and its name (``onboarding/pk``) when one name means different things.
Ids = Mapping[str, Callable[[], list[str]]]


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL conf, included ones joined to their prefix (``accounts/new/``)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _names(route: str) -> Iterator[tuple[str, str]]:
    """``(marker, name)`` for each parameter of ``route``: ``("<int:", "account_id")``."""
    for marker in CONVERTERS:
        rest = route
        while marker in rest:
            rest = rest[rest.index(marker) + len(marker) :]
            yield marker, rest[: rest.index(">")]


def page_urls(ids: Ids) -> list[str]:
    """The URL of every page (the skipped prefixes and regular expressions aside), once for
    each value ``ids`` gives each of its parameters; a route with a parameter ``ids`` has no
    value for is left out."""
    urls: list[str] = []
    for route in routes():
        if route.startswith(SKIPPED_PREFIXES) or "^" in route:
            continue
        candidates = [route]
        app = route.split("/", 1)[0]
        for marker, name in list(_names(route)):
            values = ids.get(f"{app}/{name}") or ids.get(name)
            if values is None:
                candidates = []
                break
            candidates = [c.replace(f"{marker}{name}>", v) for c in candidates for v in values()]
        urls += ["/" + c for c in candidates]
    return urls
