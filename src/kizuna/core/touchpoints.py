"""Touchpoint kinds (接点の種別): the one list of what a logged contact can be.

The touchpoint model's choices (``apps.touchpoints.models.TouchpointKind``, with their labels),
the API's schema, the CSV and calendar imports, the demo and the coverage defaults all read
these names from here.

- ``meeting``, ``call``, ``email``, ``onsite``: a person of the CS team met, spoke with or
  wrote to the customer (``HUMAN_KINDS``);
- ``webinar``: one-to-many (1:N);
- ``other``: anything else logged;
- ``note``: an internal note, never a contact with the customer.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

TouchKind = Literal["meeting", "call", "email", "onsite", "webinar", "other", "note"]

#: every kind, in the order forms and lists show them
TOUCH_KINDS: Final[tuple[TouchKind, ...]] = get_args(TouchKind)

#: one-to-one contacts: what counts for coverage in every segment by default
HUMAN_KINDS: Final[frozenset[TouchKind]] = frozenset({"meeting", "call", "email", "onsite"})


def in_kind_order(kinds: frozenset[str] | set[str]) -> list[str]:
    """``kinds`` as a list in ``TOUCH_KINDS`` order (a stable order for stored lists); names
    that are not kinds come last, sorted."""
    known = [kind for kind in TOUCH_KINDS if kind in kinds]
    return known + sorted(set(kinds) - set(TOUCH_KINDS))
