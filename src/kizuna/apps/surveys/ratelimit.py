"""A small fixed-window rate limiter on Django's cache, for the public survey page.

Each (scope, key) may be hit ``limit`` times per ``window`` seconds; the counter lives in the
cache under a key that names the window, so it expires by itself. With several processes the
cache must be shared (the database or Redis cache) for the limit to hold across them; a
per-process cache limits each process on its own (still a bound, never a failure).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: int  # seconds


_clock = time.time

#: per client address: a whole office behind one address answers, so it is generous
PER_ADDRESS = Limit("ip", 120, 3600)
#: per link: a person answers (and corrects) a handful of times
PER_TOKEN = Limit("token", 30, 3600)


def hit(rule: Limit, key: str, *, now: float | None = None) -> bool:
    """Count one hit of ``key`` under ``rule``; False once the window's limit is passed."""
    moment = _clock() if now is None else now
    window = int(moment // rule.window)
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    name = f"kizuna:surveys:rl:{rule.scope}:{window}:{digest}"
    cache.add(name, 0, timeout=rule.window + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # evicted between add and incr: count this hit as the first
        cache.set(name, 1, timeout=rule.window + 1)
        count = 1
    return int(count) <= rule.limit
