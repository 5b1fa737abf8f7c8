"""In Chromium: the header's unit search works without JavaScript, and one's own row is marked in the rankings."""

import pytest

from thuocdo.web.tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

MARKED_BACKGROUND = "rgb(255, 244, 204)"  # #fff4cc, from /don-vi-cua-toi.css


def _row_style(page, code: str) -> dict:
    """The background of a ranking row's name cell and the text generated after the name."""
    return page.evaluate(
        """code => {
            const cell = document.querySelector(`tr[data-unit="${code}"] > td:nth-child(2)`);
            return {background: getComputedStyle(cell).backgroundColor,
                    after: getComputedStyle(cell, "::after").content};
        }""",
        code,
    )


def test_searching_without_javascript_finds_a_commune(browser, site):
    context = browser.new_context(base_url=site.base, java_script_enabled=False, viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto("/cong-khai/")
        page.fill("#unit-search-q", "lam thao")
        with page.expect_navigation():
            page.press("#unit-search-q", "Enter")
        assert page.url == site.url("/tim-don-vi/?q=lam+thao")
        first = page.locator(".search-results li").first
        assert first.get_attribute("data-unit") == "08494"
        # A visitor may not open the commune's page: its public board is offered instead.
        assert first.locator("a").get_attribute("href") == "/cong-khai/25/"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        screenshot(page, "search-390")
    finally:
        context.close()


def test_a_commune_officer_sees_its_row_marked_on_the_public_board(page, site):
    log_in(page, "lamthao")
    page.goto("/cong-khai/25/")
    own = _row_style(page, "08494")
    assert own == {"background": MARKED_BACKGROUND, "after": '" (đơn vị của bạn)"'}
    other = _row_style(page, "08236")
    assert other["background"] != MARKED_BACKGROUND
    assert other["after"] == "none"
    screenshot(page, "own-row-public-board")


def test_a_province_officer_finds_and_opens_a_commune_of_its_province(page, site):
    log_in(page, "phutho")
    page.fill("#unit-search-q", "Phu My")
    with page.expect_navigation():
        page.press("#unit-search-q", "Enter")
    link = page.locator('.search-results li[data-unit="08236"] a').first
    assert link.inner_text() == "Xã Phú Mỹ"
    with page.expect_navigation():
        link.click()
    assert page.url == site.url("/u/08236/")
