"""A deterministic, pure generator of the demo company (no Django, no clock).

``generate(as_of=…)`` returns a ``DemoDataset`` of frozen dataclasses that the Django demo
loader bulk-inserts.
"""

from kizuna.demo.generator import generate
from kizuna.demo.types import (
    DemoAccount,
    DemoContact,
    DemoDataset,
    DemoProduct,
    DemoSubscriptionLine,
    DemoTeam,
    DemoTouchpoint,
    DemoUser,
)

__all__ = [
    "DemoAccount",
    "DemoContact",
    "DemoDataset",
    "DemoProduct",
    "DemoSubscriptionLine",
    "DemoTeam",
    "DemoTouchpoint",
    "DemoUser",
    "generate",
]
