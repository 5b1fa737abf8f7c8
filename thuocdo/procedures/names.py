"""Procedure names by code, kept in memory: every list that shows a code shows its name too.

The catalogue is a few thousand rows that change only through `thuocdo import procedures` or the
simulator, which clear this cache in their own process; other processes see a change within
`TTL_SECONDS` (as the unit registry cache does, `thuocdo.units.cache`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from thuocdo.procedures.models import Procedure

TTL_SECONDS = 300
_lock = threading.Lock()
_state: dict = {"at": 0.0, "names": None}


def _all_names() -> dict[str, str]:
    with _lock:
        if _state["names"] is None or time.monotonic() - _state["at"] > TTL_SECONDS:
            # ≈ 2,400 rows × 80 bytes: the whole catalogue is cheaper than one query per page.
            _state["names"] = dict(Procedure.objects.values_list("code", "name"))
            _state["at"] = time.monotonic()
        return _state["names"]


def procedure_names(codes: Iterable[str]) -> dict[str, str]:
    """{code: name} for the codes the catalogue knows; unknown or empty codes are left out."""
    names = _all_names()
    return {code: names[code] for code in codes if code in names}


def clear() -> None:
    """Forget the cached names (after a change of the catalogue, and between tests)."""
    with _lock:
        _state["names"] = None
