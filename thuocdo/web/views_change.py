"""Why the score changed: `/u/<code>/thay-doi/?period=2026-11&against=2026-10&framework=qd766`."""

from django.shortcuts import render

from thuocdo.accounts.permissions import Actor, may_read
from thuocdo.evaluation.attribution import attribute_change, summary
from thuocdo.evaluation.periods import bounded, parse_period
from thuocdo.evaluation.store import UnknownFramework
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny
from thuocdo.web.picker import FRAMEWORKS, choose
from thuocdo.web.views import _ancestors, _no_framework


def score_change(request, code: str):
    """The unit's score change between two periods, by group, indicator and largest contributors."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    try:
        choice = choose(request.GET)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    against = request.GET.get("against", "").strip()
    earlier = bounded(parse_period(against, choice.today, param="against"), "against") if against else None
    result = attribute_change(choice.framework, unit, choice.period, earlier)
    actor = Actor.for_user(request.user)
    return render(request, "web/change.html", {
        "unit": unit, "choice": choice, "result": result, "summary": summary(result), "frameworks": FRAMEWORKS,
        "ancestors": [(a, may_read(actor, a)) for a in _ancestors(unit)],
    })
