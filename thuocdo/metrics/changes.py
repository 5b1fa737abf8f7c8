"""Marks of units whose figures moved: written with the figures, served by the score refresher.

Every write that moves a unit's figures calls `record(unit_codes)` inside its transaction: the units
(and their province and the nation) are marked in `metrics.Change` and a FIGURES notice goes out after
commit. The marks are the durable half (a restart finds them), the notice the fast half (the
refresher wakes within milliseconds).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from thuocdo.metrics import notify
from thuocdo.metrics.models import Change
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import NATIONAL_CODE


def with_ancestors(unit_codes: Iterable[str]) -> set[str]:
    """The units and every unit above them (a commune's province, the nation); unknown codes kept as given."""
    registry = units_by_code()
    found: set[str] = set()
    for code in unit_codes:
        unit = registry.get(code)
        while unit is not None and unit.code not in found:
            found.add(unit.code)
            unit = registry.get(unit.parent_id) if unit.parent_id else None
        if unit is None and code not in found:
            found.add(code)
    if found:
        found.add(NATIONAL_CODE)
    return found


def record(unit_codes: Iterable[str]) -> set[str]:
    """Mark these units (with their ancestors) as changed, and announce them after commit."""
    codes = with_ancestors(unit_codes)
    if codes:
        mark(codes)
        notify.publish_after_commit(codes)
    return codes


def mark(unit_codes: Iterable[str]) -> None:
    """Upsert a fresh mark per unit (inside the caller's transaction)."""
    now = timezone.now()
    Change.objects.bulk_create(
        [Change(unit_code=code, token=secrets.randbits(62), changed_at=now) for code in sorted(set(unit_codes))],
        update_conflicts=True, unique_fields=["unit_code"], update_fields=["token", "changed_at"],
    )


def pending() -> list[tuple[str, int]]:
    """Every mark, as (unit code, token)."""
    return list(Change.objects.values_list("unit_code", "token"))


def clear(marks: list[tuple[str, int]]) -> None:
    """Delete the marks served, each only if it was not set again since it was read."""
    for first in range(0, len(marks), 300):
        where = Q(pk__in=[])
        for code, token in marks[first:first + 300]:
            where |= Q(unit_code=code, token=token)
        Change.objects.filter(where).delete()
