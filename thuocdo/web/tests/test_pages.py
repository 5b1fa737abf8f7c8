"""The public home page and the language switch."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_lists_the_34_provinces_in_vietnamese_whatever_the_browser_says(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    assert len(response.context["provinces"]) == 34
    assert "Toàn quốc: 34 tỉnh, thành phố · 3.321 xã, phường, đặc khu" in body
    assert body.count('href="/u/') == 34
    assert '<a href="/u/25/">Tỉnh Phú Thọ</a>' in body


def test_english_is_chosen_through_the_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Nationwide: 34 provinces · 3,321 communes" in page.content.decode()
