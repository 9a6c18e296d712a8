"""The account page's feedback panel (composed by ``kizuna.apps.pages``): the account's latest
feedback and, for a member who may log one, the small form. Two queries: the feedback, and
the open requests the form's select lists."""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.apps.customers.models import Account
from kizuna.apps.feedback.forms import AccountFeedbackForm
from kizuna.apps.feedback.models import Feedback
from kizuna.apps.feedback.selectors import feedback_of_account, open_requests
from kizuna.apps.org.access import can_log_feedback
from kizuna.apps.org.models import User


@dataclass(frozen=True)
class AccountFeedbackPanel:
    items: list[Feedback]
    form: AccountFeedbackForm | None


def account_feedback_panel(user: User, account: Account) -> AccountFeedbackPanel:
    form = (
        AccountFeedbackForm(requests=open_requests()) if can_log_feedback(user, account) else None
    )
    return AccountFeedbackPanel(feedback_of_account(account.pk), form)
