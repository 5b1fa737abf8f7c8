"""Metrics computed at read time by the domain that owns their facts (a small provider registry).

The metric store sums what was counted when facts arrived. Some figures cannot be counted that way:
they join facts with a catalogue (fee-bearing procedures that had a dossier paid online) or depend on
what is published when. A domain app registers, in its `ready()`, a provider for the metric codes
under a prefix; `metrics.bulk.unit_values` asks it for those codes, so the metrics app never imports
the domain (issue 12 moves the clock-driven dossier metrics here too).

A provider is `provider(units, start, end, metrics) -> {unit_code: {metric: value}}`: only the units
and metrics it has a figure for; a missing value is "no data", never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from thuocdo.units.models import Unit

Values = dict[str, dict[str, float]]
Provider = Callable[[list[Unit], date, date, frozenset[str]], Values]

_PROVIDERS: dict[str, Provider] = {}
_STANDING: set[str] = set()


def register(prefix: str, provider: Provider, standing: Iterable[str] = ()) -> None:
    """Let `provider` answer every metric code that starts with `prefix` (e.g. "catalogue.").

    `standing`: its codes that describe standing facts shared by many units (a province's published
    catalogue), not what a unit did in the period: a score made of those alone measured nothing of the
    unit (`evaluation.coverage.measured`: không phát sinh).
    """
    if not prefix.endswith("."):
        raise ValueError(f"metric provider prefix must end with a dot: {prefix!r}")
    _PROVIDERS[prefix] = provider
    _STANDING.update(standing)


def is_standing(metric: str) -> bool:
    """Whether a metric describes a standing fact, not the unit's activity in the period (see `register`)."""
    return metric in _STANDING


def unregister(prefix: str) -> None:
    """Forget a provider (tests)."""
    _PROVIDERS.pop(prefix, None)


def provider_for(metric: str) -> str | None:
    """The registered prefix that answers this metric, if any."""
    return next((prefix for prefix in _PROVIDERS if metric.startswith(prefix)), None)


def provided(units: list[Unit], start: date, end: date, metrics: Iterable[str]) -> tuple[Values, frozenset[str]]:
    """The providers' values for the metrics they answer, and the set of those metrics."""
    by_prefix: dict[str, set[str]] = {}
    for metric in metrics:
        prefix = provider_for(metric)
        if prefix is not None:
            by_prefix.setdefault(prefix, set()).add(metric)
    values: Values = {}
    for prefix, wanted in by_prefix.items():
        for code, got in _PROVIDERS[prefix](units, start, end, frozenset(wanted)).items():
            values.setdefault(code, {}).update(got)
    answered = frozenset(m for wanted in by_prefix.values() for m in wanted)
    return values, answered
