"""Reads of the procedure catalogue: search by code or name (accents ignored), one procedure."""

from __future__ import annotations

from django.db.models import QuerySet

from thuocdo.procedures.models import Procedure, Publication
from thuocdo.units.text import search_key


def search_procedures(q: str | None = None, province: str | None = None, level: str | None = None) -> QuerySet:
    """Procedures whose code or name holds every word of `q` (accents and case ignored), by code.

    "dang ky khai sinh", "Đăng ký khai sinh" and "001193" all find 1.001193. With `province`, only
    the procedures that province publishes; with `level`, only that level's.
    """
    rows = Procedure.objects.all()
    if level:
        rows = rows.filter(level=level)
    if province:
        rows = rows.filter(publications__province_code=province)
    for word in search_key(q or "").split():
        rows = rows.filter(search_key__contains=word)
    return rows.order_by("code")


def province_publications(code: str, province: str) -> list[Publication]:
    """The province's publication of the procedure (none or one)."""
    return list(Publication.objects.filter(procedure_id=code, province_code=province))
