"""The demo company's teams and members (``kizuna.demo``), loaded by ``apps/demo``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from kizuna.apps.org.access import role_opens_django_admin
from kizuna.apps.org.models import Team, User
from kizuna.demo.types import DemoDataset


@dataclass(frozen=True)
class DemoOrg:
    teams: dict[str, Team]  # by team code
    users: dict[str, User]  # by username


def org_demo_load(*, dataset: DemoDataset, password: str) -> DemoOrg:
    """The teams, then the members (each with ``password``)."""
    teams = {
        t.code: Team.objects.create(code=t.code, kind=t.kind, name_ja=t.name_ja, name_en=t.name_en)
        for t in dataset.teams
    }
    return DemoOrg(teams=teams, users=_load_users(dataset, teams, make_password(password)))


def _load_users(dataset: DemoDataset, teams: dict[str, Team], hashed: str) -> dict[str, User]:
    users = [
        User(
            username=u.username,
            display_name=u.full_name,
            email=u.email,
            role=u.role,
            team=teams.get(u.team_code or ""),
            password=hashed,
            is_staff=role_opens_django_admin(u.role),
            is_superuser=role_opens_django_admin(u.role),
        )
        for u in dataset.users
    ]
    User.objects.bulk_create(users)
    return {user.username: user for user in User.objects.all()}
