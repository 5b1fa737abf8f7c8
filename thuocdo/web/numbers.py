"""Numbers as the active language writes them, rounded half up (Django's number_format truncates)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def fmt(value, places: int = 0) -> str:
    """1234.56 → "1.234,6" (Vietnamese) with `places=1`; rounded half up, grouped by thousands."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=places, force_grouping=True)
