"""Make one CSM's book 2,771 active accounts in a copy of the demo (not a test; bench data only).

    KIZUNA_DATA_DIR=<a copy of the demo> python bench/big_book.py [--user hashimoto.r]
                                                                   [--accounts 2771]

The demo company has no book that big (its biggest are 1,675 active accounts at 100,000
accounts), but issue 12's goal for 今日 is stated for a 2,771-account book. This moves active
accounts (MRR > 0) to ``--user`` until they own exactly ``--accounts`` of them: first those
of the other members of the user's team, then anyone's, each time the lowest ids first (so the
same demo gives the same book), setting the account's owner and team to the user's, in one
``UPDATE`` without audit events or ownership history (bench data, not a reassignment the
product would record). It only adds accounts: a book already that big is left as it is.
Never run it on the shared demo, only on your own copy.
"""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="hashimoto.r")
    parser.add_argument("--accounts", type=int, default=2771)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.db import transaction

    from kizuna.apps.customers.models import Account
    from kizuna.apps.org.models import User

    user = User.objects.get(username=args.user)
    active = Account.objects.filter(mrr__gt=0)
    with transaction.atomic():
        owned = active.filter(owner=user).count()
        missing = max(args.accounts - owned, 0)
        others = active.exclude(owner=user)
        picked = list(
            others.filter(owner__team=user.team)
            .order_by("id")
            .values_list("id", flat=True)[:missing]
        )
        if len(picked) < missing:
            picked += list(
                others.exclude(id__in=picked)
                .order_by("id")
                .values_list("id", flat=True)[: missing - len(picked)]
            )
        Account.objects.filter(id__in=picked).update(owner=user, team=user.team)
        total = active.filter(owner=user).count()
    print(f"{args.user} owned {owned:,} active accounts; moved {len(picked):,}; owns {total:,}")


if __name__ == "__main__":
    main()
