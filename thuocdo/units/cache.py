"""The registry in memory: 3,356 units read once per process and kept for a few minutes.

Ingest validates every row's unit; reading the registry per API request cost more than the
request's own work. Units change only through `thuocdo load_units`, which clears this cache
in its own process; other processes pick the change up within `TTL_SECONDS`.
"""

import threading
import time

from thuocdo.units.models import Unit

TTL_SECONDS = 300
_lock = threading.Lock()
_state: dict = {"at": 0.0, "units": None}


def units_by_code() -> dict[str, Unit]:
    """Every unit by code (the nation, provinces, agencies, communes)."""
    with _lock:
        if _state["units"] is None or time.monotonic() - _state["at"] > TTL_SECONDS:
            _state["units"] = Unit.objects.in_bulk(field_name="code")
            _state["at"] = time.monotonic()
        return _state["units"]


def clear() -> None:
    with _lock:
        _state["units"] = None
