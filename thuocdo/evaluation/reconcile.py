"""Cross-source reconciliation (đối chiếu nguồn): the portal's figure beside the one from our own data.

The QĐ 766 preset reads the portal's raw counts first and our own data (dossier stream, sync fields,
catalogue) as a fallback (ADR 0013). Where both exist for one unit and period, both are shown and a
difference over 0.01 point is a data-quality issue: either the province's system syncs the portal and
us differently, or one of the two is wrong — the kind of gap no one sees while the portal is the only
source.
"""

from __future__ import annotations

from decimal import Decimal

from thuocdo.evaluation import portal766
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.scoring import Status, UnitScore, score_unit

TOLERANCE = Decimal("0.01")
_PORTAL = f"{portal766.PREFIX}."


def without_portal(values: dict[str, float]) -> dict[str, float]:
    """The values a score would have from our own data alone."""
    return {metric: value for metric, value in values.items() if not metric.startswith(_PORTAL)}


def live_score(framework: Framework, level: str, values: dict[str, float]) -> UnitScore:
    """The unit's score from our own data alone (every portal figure left out)."""
    return score_unit(framework, level, without_portal(values))


def portal_backed(values: dict[str, float]) -> bool:
    """Whether any portal figure is among the values (otherwise the score is already our own)."""
    return any(metric.startswith(_PORTAL) for metric in values)


def differs(official: Decimal | float | None, ours: Decimal | float | None) -> bool:
    """Both exist and are more than 0.01 point apart."""
    return official is not None and ours is not None and abs(Decimal(str(official)) - Decimal(str(ours))) > TOLERANCE


def indicator_pairs(score: UnitScore, live: UnitScore) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Per indicator scored from the portal (its first source), (portal points, our points or None)."""
    ours = {i.code: i for group in live.groups.values() for i in group.indicators}
    pairs = {}
    for group in score.groups.values():
        for item in group.indicators:
            if item.status is Status.NO_DATA or item.source not in (0, None):
                continue  # no data, or already from our own data (a fallback)
            mine = ours.get(item.code)
            if mine is not None and mine.status is not Status.NO_DATA and mine.source not in (0, None):
                pairs[item.code] = (item.points, mine.points)
    return pairs
