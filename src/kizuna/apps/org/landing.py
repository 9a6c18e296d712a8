"""Where signing in lands each member (README, "What a CS team finds in it")."""

from __future__ import annotations

from django.urls import reverse

from kizuna.apps.org.models import Role, User

LANDING = {
    # A CSM starts the day on 今日: accounts about to fall out of coverage, onboardings to
    # push, health drops.
    Role.CSM: "coverage:worklist",
    # Managers, CS ops and executives (viewers) start on the KPI home: each KPI against its
    # target and what drags it; a manager's opens on their team. 今日 is one click away.
    Role.MANAGER: "kpis:home",
    Role.ADMIN: "kpis:home",
    Role.VIEWER: "kpis:home",
}


def landing_url(user: User) -> str:
    """The page ``user`` lands on after signing in (or opening ``/``)."""
    name = LANDING.get(Role(user.role)) if user.role in Role.values else None
    return reverse(name or "customers:account_list")
