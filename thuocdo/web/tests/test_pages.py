"""The language switch (the pages themselves are tested in `pages/`)."""

import pytest

pytestmark = pytest.mark.django_db


def test_vietnamese_whatever_the_browser_says(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    assert "Toàn quốc: 34 tỉnh, thành phố · 3.321 xã, phường, đặc khu" in response.content.decode()


def test_english_is_chosen_through_the_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Nationwide: 34 provinces · 3,321 communes" in page.content.decode()
