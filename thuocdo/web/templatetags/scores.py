"""How a score and a rank are written on the pages: with their coverage, never "/ 100" beside a partial score.

`{{ row.coverage|score }}`: "74,30 / 100", "18,72 / 20 điểm có số liệu · 1/6 nhóm" (the groups without
data in its title), "không phát sinh" or "chưa có số liệu". `{{ row|rank }}`: "1", "1 (=110)" when 110
units share it, "—" unranked. `{% for part in rows|by_coverage %}`: a ranking split into the sets of units
ranked together (same coverage), then the units ranked apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from thuocdo.evaluation.coverage import Coverage, fmt_points

register = template.Library()
DASH = "—"


@register.filter
def score(coverage: Coverage | None) -> str:
    """The score with its coverage, as HTML: the missing groups in the title of a partial one."""
    if coverage is None:
        return DASH
    kind = "idle" if coverage.idle else "full" if coverage.full else "partial"
    title = coverage.missing()
    if title:
        return format_html('<span class="score {}" title="{}">{}</span>', kind, title, coverage.label())
    return format_html('<span class="score {}">{}</span>', kind, coverage.label())


@register.filter
def score_text(coverage: Coverage | None) -> str:
    """The score with its coverage as plain text (attributes, documents)."""
    return DASH if coverage is None else coverage.label()


@register.filter
def rank(row) -> str:
    """"1", "1 (=110)" when 110 units of the same coverage share rank 1, "—" without a rank."""
    if row.rank is None:
        return DASH
    shared = getattr(row, "shared", 0)
    return f"{row.rank} (={shared})" if shared > 1 else str(row.rank)


@dataclass
class Part:
    """Units ranked together (one coverage), or the units ranked apart (không phát sinh, no data)."""

    title: str
    rows: list = field(default_factory=list)
    apart: bool = False


@register.filter
def by_coverage(rows) -> list[Part]:
    """The ranking's rows in sets of one coverage (full first, then most points covered), the unranked last.

    One set only (every ranked unit on the same coverage): a single part with no title.
    """
    sets: dict[tuple, Part] = {}
    apart = Part(_("Không xếp hạng: không phát sinh hoặc chưa có số liệu trong kỳ"), apart=True)
    for row in rows:
        coverage = row.coverage
        key = coverage.key if coverage is not None and row.rank is not None else None
        if key is None:
            apart.rows.append(row)
            continue
        if key not in sets:
            sets[key] = Part(_coverage_title(coverage))
        sets[key].rows.append(row)
    ordered = sorted(sets.values(), key=lambda part: (not part.rows[0].coverage.full, -part.rows[0].coverage.covered))
    for part in ordered:
        part.rows.sort(key=lambda r: (r.rank, r.unit.code))
        part.title = f"{part.title} — {len(part.rows)} {_('đơn vị')}"
    if len(ordered) == 1:
        ordered[0].title = ""
    return ordered + ([apart] if apart.rows else [])


def _coverage_title(coverage: Coverage) -> str:
    if coverage.full:
        return _("Đủ số liệu mọi nhóm chỉ số")
    text = _("Xếp hạng cùng phạm vi số liệu: %(covered)s điểm · %(n)s/%(all)s nhóm") % {
        "covered": fmt_points(coverage.covered), "n": len(coverage.with_data), "all": coverage.groups}
    return f"{text} ({coverage.missing()})" if coverage.missing() else text


@register.filter
def covered(coverage: Coverage | None) -> str:
    """The points a score's data covers: "20", "17,50"."""
    return DASH if coverage is None else fmt_points(coverage.covered)
