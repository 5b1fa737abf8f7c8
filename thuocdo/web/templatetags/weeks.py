"""The weekly report's week select: the last complete ISO weeks, newest (the default) first."""

from datetime import date, timedelta

from django import template
from django.utils import timezone

from thuocdo.evaluation.periods import Period

register = template.Library()
WEEKS_OFFERED = 12  # a quarter of weekly reports


def complete_weeks(today: date, count: int = WEEKS_OFFERED) -> list[Period]:
    """The `count` ISO weeks that ended before today, newest first (on a Sunday, that week is not complete)."""
    last_sunday = today - timedelta(days=today.weekday() + 1)
    weeks = []
    for n in range(count):
        year, week, _ = (last_sunday - timedelta(weeks=n)).isocalendar()
        weeks.append(Period.for_week(year, week))
    return weeks


@register.simple_tag
def recent_weeks(count: int = WEEKS_OFFERED) -> list[Period]:
    return complete_weeks(timezone.localdate(), count)
