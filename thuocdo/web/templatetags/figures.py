"""Number filters for the pages, in the active language's format (Vietnamese: 92,3%, 1.234, +2,50)."""

from decimal import Decimal

from django import template

from thuocdo.web.numbers import fmt

register = template.Library()
DASH = "—"


@register.filter
def pct(value, places: int = 1) -> str:
    """A percentage: 92.345 → "92,3%"; None → "—"."""
    if value is None or value == "":
        return DASH
    return f"{fmt(value, places)}%"


@register.filter
def points(value, places: int = 2) -> str:
    """Points of a score: Decimal("18.5") → "18,50"; None → "—"."""
    if value is None or value == "":
        return DASH
    return fmt(value, places)


@register.filter
def signed(value, places: int = 2) -> str:
    """A change with its sign: +2,50 / −1,00 / 0,00; None → "—"."""
    if value is None or value == "":
        return DASH
    number = Decimal(str(value))
    text = fmt(abs(number), places)
    return f"+{text}" if number > 0 else f"−{text}" if number < 0 else text


@register.filter
def trend_class(value) -> str:
    """up / down / flat, for colouring a change."""
    if value is None or value == "":
        return "flat"
    return "up" if value > 0 else "down" if value < 0 else "flat"


@register.filter
def count(value) -> str:
    """A whole number with grouping: 1234 → "1.234"."""
    if value is None or value == "":
        return DASH
    return fmt(int(value))


@register.filter
def decimal1(value) -> str:
    if value is None or value == "":
        return DASH
    return fmt(value, 1)


@register.filter
def ratio_pct(value) -> str:
    """A ratio 0–1 as a percentage: 0.5 → "50,0%"."""
    if value is None or value == "":
        return DASH
    return pct(float(value) * 100)


@register.filter
def metric_label(code: str) -> str:
    """The Vietnamese name of a metric code (the code itself if it has none)."""
    from thuocdo.web.labels import METRIC_LABELS

    return str(METRIC_LABELS.get(code, code))
