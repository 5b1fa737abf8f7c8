"""Reads of stored framework versions, each handed out with its parsed Framework.

Parsing a framework's YAML takes milliseconds (qd766: 265 lines), a score for 3,321 communes must not pay
that per unit, so parsed Frameworks are cached in-process. A stored version never changes, so the cache
needs no invalidation; its key holds the text as well as (code, version) so that a database rebuilt
underneath a running process (tests roll back, `flush`) can never serve another text's parse.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

from django.utils import timezone

from thuocdo.evaluation.frameworks import Framework, parse_framework
from thuocdo.evaluation.models import FrameworkVersion


class UnknownFramework(LookupError):
    """No stored version answers the question (unknown code, unknown version, nothing valid on that day)."""


def framework_of(row: FrameworkVersion) -> Framework:
    """Return the parsed Framework of a stored version, numbered with the stored version (cached)."""
    return _parsed(row.code, row.version, row.definition)


def current_framework(code: str, on: date | None = None) -> tuple[FrameworkVersion, Framework]:
    """Return the latest version of `code` valid on `on` (today if None), with its parsed Framework."""
    on = on or timezone.localdate()
    row = FrameworkVersion.objects.filter(code=code, valid_from__lte=on).order_by("-version").first()
    if row is None:
        first = FrameworkVersion.objects.filter(code=code).order_by("valid_from").first()
        if first is None:
            raise _unknown(code)
        raise UnknownFramework(f"Bộ chỉ số {code} chưa có phiên bản áp dụng ngày {on:%d/%m/%Y} "
                               f"(sớm nhất: v{first.version}, áp dụng từ {first.valid_from:%d/%m/%Y}).")
    return row, framework_of(row)


def framework_version(code: str, version: int | None = None) -> tuple[FrameworkVersion, Framework]:
    """Return one stored version of `code` (the latest stored if `version` is None), with its parsed Framework."""
    rows = FrameworkVersion.objects.filter(code=code)
    row = rows.order_by("-version").first() if version is None else rows.filter(version=version).first()
    if row is None:
        if version is None or not rows.exists():
            raise _unknown(code)
        known = ", ".join(f"v{number}" for number in rows.order_by("version").values_list("version", flat=True))
        raise UnknownFramework(f"Bộ chỉ số {code} không có phiên bản {version} (có: {known}).")
    return row, framework_of(row)


def list_frameworks() -> list[FrameworkVersion]:
    """Return every stored version, by code then version, without the YAML text (deferred)."""
    return list(FrameworkVersion.objects.defer("definition").select_related("created_by").order_by("code", "version"))


def _unknown(code: str) -> UnknownFramework:
    return UnknownFramework(f"Không có bộ chỉ số mã {code}; chạy `thuocdo frameworks load`.")


@lru_cache(maxsize=64)  # a handful of codes × versions; each Framework is ~100 small objects
def _parsed(code: str, version: int, definition: str) -> Framework:
    return replace(parse_framework(definition, origin=f"{code} v{version}"), version=version)
