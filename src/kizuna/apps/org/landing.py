"""Where signing in lands each member (README, "What a CS team finds in it")."""

from __future__ import annotations

from django.urls import reverse

from kizuna.apps.org.models import Role, User

LANDING = {
    # A CSM starts the day on 今日: accounts about to fall out of coverage, onboardings to
    # push, health drops.
    Role.CSM: "coverage:worklist",
    # Managers and CS ops start on the coverage dashboard (every team, with the drill-down
    # to the uncovered accounts); their own 今日 is one click away.
    Role.MANAGER: "coverage:dashboard",
    Role.ADMIN: "coverage:dashboard",
    # Viewers read accounts.
    Role.VIEWER: "customers:account_list",
}


def landing_url(user: User) -> str:
    """The page ``user`` lands on after signing in (or opening ``/``)."""
    name = LANDING.get(Role(user.role)) if user.role in Role.values else None
    return reverse(name or "customers:account_list")
