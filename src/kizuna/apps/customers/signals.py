"""Signals the customers app sends for the apps above it, which customers must not import.

``subscription_lines_changed`` (``account_ids``): some accounts' subscription lines were
created, edited or imported, inside the writing transaction. A receiver derives what it keeps
from the lines again (the renewals app refreshes those accounts' renewals). Lines deleted (the
administration; an account deleted) are seen by ``post_delete`` on ``SubscriptionLine``.
"""

from __future__ import annotations

from django.dispatch import Signal

subscription_lines_changed = Signal()
