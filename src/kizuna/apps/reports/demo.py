"""The demo company's monthly report recipients: the admin and every manager (the executive
meeting's list), set by the admin through the same service as the recipients page (audited).
The demo's mail goes to the console, so a first business day's run prints the message."""

from __future__ import annotations

from kizuna.apps.org.models import Role, User
from kizuna.apps.reports.services import report_settings_set


def reports_demo_load(*, admin: User) -> list[str]:
    """Set the recipients; returns their addresses."""
    leaders = User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.MANAGER))
    addresses = [user.email for user in leaders.order_by("role", "username") if user.email]
    row = report_settings_set(
        actor=admin, recipients="\n".join(addresses), language="ja", via="demo"
    )
    return row.recipient_list()
