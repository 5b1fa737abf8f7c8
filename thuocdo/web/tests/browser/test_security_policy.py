"""Every kind of page works under the Content-Security-Policy: live pages, the admin, the API docs.

A violation on any page fails the test through the console check in conftest.py.
"""

import pytest

from thuocdo.web.tests.browser.conftest import LIVE_COMMUNE, log_in, screenshot, wait_until_live

pytestmark = pytest.mark.browser


def test_live_pages_run_htmx_and_the_stream_under_the_policy(page, site):
    log_in(page, "admin")
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    wait_until_live(page)
    # No indicator <style> from htmx, no inline style anywhere after the fragments loaded.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    for path in ("/u/25/", f"/u/{LIVE_COMMUNE}/"):
        page.goto(path)
        wait_until_live(page)
    page.goto(f"/u/{LIVE_COMMUNE}/ho-so/?metric=dossier.received")
    page.goto("/cong-khai/")


def test_the_admin_works_under_the_policy(page, site):
    log_in(page, "admin")
    page.goto("/admin/")
    assert page.locator("#site-name").inner_text() == "Quản trị Thước Đo"
    page.goto("/admin/accounts/user/")
    page.locator("#result_list tbody th a").first.click()
    page.wait_for_selector("#user_form")
    # The admin's own scripts ran: the date widget added its "Hôm nay" shortcut.
    page.wait_for_selector(".datetimeshortcuts")
    page.goto("/admin/accounts/auditentry/")
    screenshot(page, "admin-under-csp")


def test_the_api_docs_render_from_local_files_under_the_policy(page, site):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    assert page.locator(".opblock-summary-path").count() >= 10
    assert page.locator(".information-container .title").inner_text().startswith("Thước Đo API")
    assert [url for url in requested if not url.startswith(site.base)] == []
    screenshot(page, "api-docs")


def test_the_lockout_page_is_vietnamese(page, site):
    page.goto("/tai-khoan/dang-nhap/")
    try:
        for attempt in range(10):
            page.fill("#id_username", "khong-co-ai")
            page.fill("#id_password", f"sai-{attempt}")
            with page.expect_navigation():
                page.click("form.form button[type=submit]")
        assert page.locator("h1").inner_text() == "Tạm khóa đăng nhập"
        assert "Xin thử lại sau 15 phút." in page.locator("main").inner_text()
        screenshot(page, "login-locked")
    finally:
        # 127.0.0.1 is every test's address: lift the lock the way an operator would.
        site.run("axes_reset")
