"""The public scoreboard (bảng điểm công khai): no login, QĐ 766 scores and grades only, no names of people.

Fully cacheable: the same page for every visitor of a language, rendered once per change of the scores
it shows (SCORES of the nation, or of the province) and kept by browsers and proxies `PUBLIC_MAX_AGE`
seconds, then revalidated with its ETag (304 while unchanged). The page holds no CSRF token and nothing
of the visitor (`web/public/board.html` drops the footer's language form and the messages).
"""

from django.http import Http404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from thuocdo.evaluation.store import UnknownFramework
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import NATIONAL_CODE, Level
from thuocdo.units.models import Unit
from thuocdo.web.cache import SCORES, render_key
from thuocdo.web.picker import choose
from thuocdo.web.queries.boards import public_board
from thuocdo.web.views import _no_framework, serve_rendered

PUBLIC_FRAMEWORK = "qd766"
PUBLIC_MAX_AGE = 30
AUDIENCE = "public"


def board(request):
    """The 34 provinces ranked for the chosen month or quarter."""
    return _board(request, None)


def province_board(request, code: str):
    """One province's communes ranked."""
    unit = units_by_code().get(code)
    if unit is None or unit.level != Level.PROVINCE:
        raise Http404("Không có tỉnh, thành phố mã này.")
    return _board(request, unit)


def _board(request, scope: Unit | None):
    try:
        choice = choose(request.GET, fixed_framework=PUBLIC_FRAMEWORK)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    code = scope.code if scope else NATIONAL_CODE
    key = render_key("public-board", code, choice.key, AUDIENCE, [(SCORES, code)])
    response = serve_rendered(request, key, lambda: render_to_string("web/public/board.html", {
        "choice": choice, "rows": public_board(choice, scope), "scope": scope,
    }), busy_template="web/public/busy.html")
    if response.status_code in (200, 304):
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    # The language comes from a cookie (web.middleware.ChosenLanguageMiddleware).
    patch_vary_headers(response, ["Cookie"])
    return response
