"""Label fixes of issue 11 §5: the area with a thousands separator, no English in the admin, sparklines
with a scale and one unbroken line."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import utils as model_utils
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import User
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.units.models import Unit
from thuocdo.web.queries.trends import Trend, spark_path

LABELS = ["01/09", "08/09", "15/09"]


@pytest.fixture
def admin_client(db) -> Client:
    User.objects.create_superuser(username="quantri", password="matkhau-thu-nghiem-123")
    client = Client()
    client.login(username="quantri", password="matkhau-thu-nghiem-123")
    return client


@pytest.mark.django_db
def test_the_area_has_a_thousands_separator(client):
    load_frameworks(Actor.system())
    Unit.objects.filter(code="25").update(area_km2=9361.38)
    client.force_login(make_user("tinh1", Role.PROVINCE_OFFICER, "25"))
    html = client.get("/u/25/").content.decode()
    assert re.findall(r"<dt>Diện tích</dt><dd>([^<]*)</dd>", html) == ["9.361,4 km²"]


def test_show_counts_and_the_other_admin_strings_are_vietnamese():
    with translation.override("vi"):
        assert [translation.gettext(s) for s in ("Show counts", "Hide counts", "Skip to main content")] == [
            "Hiện số lượng", "Ẩn số lượng", "Chuyển đến nội dung chính"]


def test_an_admin_list_shows_no_english(admin_client):
    html = admin_client.get("/admin/units/unit/").content.decode()
    assert "Show counts" not in html
    assert html.count("Hiện số lượng") == 1


def test_every_admin_action_is_named_in_vietnamese(admin_client):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="quantri")
    names = {}
    with translation.override("vi"):
        for model, model_admin in admin.site._registry.items():
            for _func, name, description in model_admin.get_actions(request).values():
                names[f"{model._meta.label}.{name}"] = str(description) % model_utils.model_format_dict(model)
    assert names["accounts.ApiToken.revoke"] == "Thu hồi các mã đã chọn"
    assert names["auth.Group.delete_selected"] == "Xóa các nhóm đã chọn"
    english = {key: text for key, text in names.items() if text.isascii()}
    assert english == {}


def test_a_sparkline_runs_across_a_gap():
    # 10 % and 30 % two weeks apart, nothing the week between: one line, not two dots.
    assert spark_path([10.0, None, 30.0], 0, 100, 100, 20) == "M0 16.4L100 13.2"
    assert spark_path([None, 50.0, None], 0, 100, 100, 20) == "M50 10h0"  # a single week: a dot
    assert spark_path([None, None], 0, 100) == ""


def test_a_sparkline_shows_its_scale():
    rate = Trend.drawn("Tỷ lệ giải quyết đúng hạn", "%", LABELS, [92.0, None, 88.5], 0, 100)
    received = Trend.drawn("Hồ sơ tiếp nhận", "hồ sơ", LABELS, [1200.0, 3400.0, 2100.0], 0)
    assert (rate.low, rate.high, received.low, received.high) == (0, 100, 0, 3400.0)
    with translation.override("vi"):
        rate_html = render_to_string("web/_spark.html", {"s": rate})
        received_html = render_to_string("web/_spark.html", {"s": received})
    scale = r'<span class="spark-scale" title="Thang đo của đường"><span>([^<]*)</span><span>([^<]*)</span></span>'
    assert re.findall(scale, rate_html) == [("100%", "0%")]
    assert re.findall(scale, received_html) == [("3.400", "0")]
    assert '<path d="M0 4.2L200 5.2"/>' in rate_html
