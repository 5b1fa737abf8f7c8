"""Page figures cached for a minute, and dropped as soon as the unit they describe changes.

A key names what was computed (e.g. "tiles"), the unit, the framework version and the period(s),
and carries the moment this process last heard that the unit's figures changed (change notices
from `thuocdo.metrics.notify`): a notice makes the old entries unreachable, so the fragment a live
page re-fetches after `sse:change` is computed afresh, while a page nobody changes is computed at
most once a minute. Counts that move with the clock alone (pending → overdue) are at most
`TTL_SECONDS` old.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import translation

from thuocdo.metrics import notify

TTL_SECONDS = 60
# `watch=TIME_ONLY`: no notice names it, so the entry lives its full minute (the national commune map,
# whose 3,321 scores would otherwise be recomputed on every national change).
TIME_ONLY = "-"
T = TypeVar("T")

_lock = threading.Lock()
_changed: dict[str, float] = {}  # unit code → when this process last heard it changed (≤ 3,356 keys)
_listening = False


def _record(unit_codes: list[str]) -> None:
    now = time.time()
    with _lock:
        for code in unit_codes:
            _changed[code] = now


def _listen() -> None:
    global _listening
    if _listening:
        return
    with _lock:
        if _listening:
            return
        _listening = True
    notify.subscribe(_record)


def changed_at(unit_code: str) -> float:
    """When this process last heard of a change to the unit (0 if never)."""
    with _lock:
        return _changed.get(unit_code, 0.0)


def cached(what: str, unit_code: str, parts: tuple, compute: Callable[[], T], *, watch: str | None = None) -> T:
    """The value of `compute()`, kept `TTL_SECONDS` under (what, unit, parts, last change of `watch` or the unit)."""
    _listen()
    # Cached values hold labels: the language is part of the key.
    raw = "|".join(map(str, (what, unit_code, *parts, translation.get_language(), changed_at(watch or unit_code))))
    key = "thuocdo:web:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL_SECONDS)
    return value


def forget() -> None:
    """Drop every cached figure and change time (tests: each starts from a clean slate)."""
    with _lock:
        _changed.clear()
    cache.clear()
