"""Mobile (390 × 844, an iPhone 12–15): no page scrolls sideways; wide tables scroll inside their own box."""

import pytest

from thuocdo.web.tests.browser.conftest import SCREENSHOTS, log_in, record, screenshot

pytestmark = pytest.mark.browser

WIDTH = 390
PUBLIC_PAGES = ["/cong-khai/", "/cong-khai/25/", "/tai-khoan/dang-nhap/"]
SIGNED_IN_PAGES = ["/", "/u/25/", "/u/08494/", "/u/08494/ho-so/", "/u/08494/thay-doi/", "/tim-don-vi/?q=lam+thao"]


# The innermost elements that stick out past the right edge, named like a CSS selector: what to fix.
WIDE = """(width) => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > width + 0.5 && e.children.length === 0)
  .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
    ? '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _scroll_width(page, path: str, wide: dict) -> int:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > WIDTH:
        wide[path] = page.evaluate(WIDE, WIDTH)
    return width


def test_no_page_is_wider_than_a_phone(page):
    page.set_viewport_size({"width": WIDTH, "height": 844})
    wide: dict[str, list[str]] = {}
    widths = {path: _scroll_width(page, path, wide) for path in PUBLIC_PAGES}
    log_in(page, "trunguong")
    for path in SIGNED_IN_PAGES:
        widths[path] = _scroll_width(page, path, wide)
        screenshot(page, "mobile-" + (path.strip("/").replace("/", "-").split("?")[0] or "national"))
    record("scroll width at 390 px", widths)
    assert {path: width for path, width in widths.items() if width > WIDTH} == {}, wide


def test_a_printed_page_has_no_navigation_forms_or_live_controls(page):
    log_in(page, "trunguong")
    page.goto("/u/25/")
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    hidden = ["header.top nav", "form.unit-search", "form.picker, .picker", "form.week-pick", ".exports", ".stamp",
              "footer"]
    shown = {selector: page.locator(selector).evaluate_all("(all) => all.filter((e) => e.offsetParent).length")
             for selector in hidden}
    assert shown == dict.fromkeys(hidden, 0)
    assert page.locator("h1").is_visible()
    assert page.locator("#ranking table").first.is_visible()
    page.pdf(path=str(SCREENSHOTS / "print-province.pdf"))
