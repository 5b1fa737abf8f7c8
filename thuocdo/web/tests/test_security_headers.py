"""Security headers (issue 9, item 8): a strict Content-Security-Policy everywhere, HSTS and Secure cookies
behind HTTPS, and no stored copies of signed-in pages."""

import json
import re
import runpy
from pathlib import Path

import pytest

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.evaluation.actions import load_frameworks

ROOT = Path(__file__).resolve().parents[3]
SETTINGS_FILE = ROOT / "thuocdo" / "settings.py"
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Rendered into a PDF by WeasyPrint, never served as a page: its <style> is not under the policy.
PDF_ONLY_TEMPLATES = {"exports/weekly_report.html"}


def _policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


@pytest.fixture
def frameworks(db):
    load_frameworks(Actor.system())


@pytest.fixture
def central_admin(db):
    user = make_user("quantri", Role.CENTRAL_ADMIN, "VN")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize("url", ["/", "/tai-khoan/dang-nhap/", "/cong-khai/", "/admin/login/", "/api/v1/docs"])
def test_every_page_carries_the_strict_policy(client, frameworks, url):
    response = client.get(url)
    assert response.status_code == 200
    assert _policy(response) == POLICY


def test_signed_in_pages_and_the_admin_carry_the_policy(client, frameworks, central_admin):
    client.force_login(central_admin)
    for url in ("/", "/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{central_admin.pk}/change/"):
        response = client.get(url)
        assert (response.status_code, _policy(response)) == (200, POLICY), url


def test_no_template_has_inline_script_style_or_event_handler():
    paths = ROOT.glob("thuocdo/*/templates/**/*.html")
    templates = {path.as_posix().split("/templates/", 1)[1]: path for path in paths}
    assert {"web/base.html", "web/_live_head.html", "accounts/login.html", "accounts/locked_out.html"} <= set(templates)
    offences = []
    for name, path in sorted(templates.items()):
        if name in PDF_ONLY_TEMPLATES:
            continue
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offences.append((name, tag))
        offences += [(name, m) for m in re.findall(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", text)]
    assert offences == []


def test_htmx_is_told_not_to_insert_inline_styles_or_evaluate_code():
    live_head = (ROOT / "thuocdo/web/templates/web/_live_head.html").read_text()
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", live_head).group(1))
    assert config == {"defaultSwapStyle": "outerHTML", "historyCacheSize": 0, "includeIndicatorStyles": False,
                      "allowEval": False, "allowScriptTags": False}


def test_https_setting_turns_on_secure_cookies_and_hsts(monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    on = runpy.run_path(str(SETTINGS_FILE))
    assert (on["SECURE_PROXY_SSL_HEADER"], on["SESSION_COOKIE_SECURE"], on["CSRF_COOKIE_SECURE"],
            on["LANGUAGE_COOKIE_SECURE"], on["SECURE_HSTS_SECONDS"], on["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (
        ("HTTP_X_FORWARDED_PROTO", "https"), True, True, True, 31_536_000, False)
    monkeypatch.setenv("HSTS_SECONDS", "300")
    assert runpy.run_path(str(SETTINGS_FILE))["SECURE_HSTS_SECONDS"] == 300

    monkeypatch.delenv("HTTPS")
    off = runpy.run_path(str(SETTINGS_FILE))
    assert off["HTTPS"] is False
    assert {"SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"} & set(
        off) == set()


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(client, settings, central_admin, monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    https = runpy.run_path(str(SETTINGS_FILE))
    for name in ("SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        setattr(settings, name, https[name])

    response = client.post("/tai-khoan/dang-nhap/", {"username": "quantri", "password": PASSWORD},
                           HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    login_page = client.get("/tai-khoan/dang-nhap/", HTTP_X_FORWARDED_PROTO="https")
    assert login_page.cookies["csrftoken"]["secure"] is True


def test_without_https_there_is_no_hsts_and_cookies_are_not_secure(client, central_admin):
    response = client.post("/tai-khoan/dang-nhap/", {"username": "quantri", "password": PASSWORD},
                           HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] == ""
    assert "Strict-Transport-Security" not in response


def test_signed_in_pages_are_not_stored(client, frameworks, central_admin):
    client.force_login(central_admin)
    assert client.get("/")["Cache-Control"] == "private, no-store"
    # The public board keeps a shared cache for visitors, not for a signed-in user (it shows the name).
    assert client.get("/cong-khai/")["Cache-Control"] == "private, no-store"
    assert client.get("/api/v1/units/08494")["Cache-Control"] == "private, no-store"
    # Live fragments keep their own private policy: revalidated each time, answered 304 when unchanged.
    assert client.get("/u/VN/fragments/tiles/")["Cache-Control"] == "private, no-cache"


@pytest.fixture
def static_from_apps(settings):
    # pytest-django runs with DEBUG off, so WhiteNoise serves only STATIC_ROOT; read the apps' files directly.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True


def test_public_pages_static_files_and_tokens(client, frameworks, central_admin, static_from_apps):
    assert client.get("/cong-khai/")["Cache-Control"] == "public, max-age=30"
    client.force_login(central_admin)
    static = client.get("/static/web/site.css")
    assert (static.status_code, static["Cache-Control"]) == (200, "max-age=60, public")
    client.logout()
    issued = create_api_token(Actor.system(), "mot-cua", ["08494"], [])
    token = client.get("/api/v1/units/08494", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert (token.status_code, token["Cache-Control"]) == (200, "private, no-store")


def test_api_docs_use_only_local_assets(client, static_from_apps):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"https?://", html) == []
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    styles = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", html)
    assert scripts == ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    assert styles == ["/static/ninja/swagger-ui.css", "/static/ninja/favicon.svg", "/static/ninja/favicon.png"]
    # The one script without src is the settings as JSON, which browsers do not run.
    inline = re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html)
    assert inline == ['<script type="application/json" id="swagger-settings">']
    for url in scripts + styles:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content), url
