"""`dossier.*` codes are the dossier stream's; `metrics show` answers a range outside 2000–2100 in words."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.tests.factories import LAM_THAO
from thuocdo.metrics.actions import record_metric_values
from thuocdo.metrics.models import MetricInput, MetricValue

pytestmark = pytest.mark.django_db


def test_every_dossier_code_is_refused_as_a_direct_value_naming_metric():
    rows = [{"unit_code": LAM_THAO, "metric": metric, "day": "2026-09-03", "value": 1}
            for metric in ("dossier.custom", "dossier.received", "dossier.pending", "report.dossier.custom")]

    result = record_metric_values(Actor.system(), rows, default_source="bao-cao")

    assert result == {"stored": 1, "rejected": [
        {"index": 0, "errors": ["metric: mã bắt đầu bằng 'dossier.' dành cho số liệu tính từ sự kiện hồ sơ"]},
        {"index": 1, "errors": ["metric: dossier.received được tính từ sự kiện hồ sơ, không nhận giá trị trực tiếp"]},
        {"index": 2, "errors": ["metric: dossier.pending được tính từ sự kiện hồ sơ, không nhận giá trị trực tiếp"]},
    ]}
    assert list(MetricInput.objects.values_list("metric", "day", "value")) == [
        ("report.dossier.custom", date(2026, 9, 3), 1)]
    assert not MetricValue.objects.filter(metric__startswith="dossier.").exists()


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-09-01", "9999-12-31", "--to: Ngày phải từ 01/01/2000 đến 31/12/2100, không phải 31/12/9999"),
    ("0001-01-01", "2026-09-30", "--from: Ngày phải từ 01/01/2000 đến 31/12/2100, không phải 01/01/0001"),
    ("2026-09-30", "2026-09-01", "--to: Phải không sớm hơn --from (30/09/2026), không phải 01/09/2026"),
])
def test_metrics_show_refuses_a_range_outside_the_window_without_a_traceback(start, end, message):
    with pytest.raises(CommandError) as refused:
        call_command("metrics", "show", "--unit", LAM_THAO, "--from", start, "--to", end)

    assert str(refused.value) == message
