"""The public scoreboard (bảng điểm công khai): no login, QĐ 766 scores and grades only, no names of people."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from thuocdo.evaluation.store import UnknownFramework
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.web.picker import choose
from thuocdo.web.queries.boards import public_board
from thuocdo.web.views import _no_framework

PUBLIC_FRAMEWORK = "qd766"


@cache_control(public=True, max_age=60)
def board(request):
    """The 34 provinces ranked for the chosen month or quarter."""
    try:
        choice = choose(request.GET, fixed_framework=PUBLIC_FRAMEWORK)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    return render(request, "web/public/board.html", {
        "choice": choice, "rows": public_board(choice, None), "scope": None,
    })


@cache_control(public=True, max_age=60)
def province_board(request, code: str):
    """One province's communes ranked."""
    unit = units_by_code().get(code)
    if unit is None or unit.level != Level.PROVINCE:
        raise Http404("Không có tỉnh, thành phố mã này.")
    try:
        choice = choose(request.GET, fixed_framework=PUBLIC_FRAMEWORK)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    return render(request, "web/public/board.html", {
        "choice": choice, "rows": public_board(choice, unit), "scope": unit,
    })
