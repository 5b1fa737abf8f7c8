"""`thuocdo scores --framework CODE --level province|agency|commune [--parent CODE] --period PERIOD [--json]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from thuocdo.evaluation.periods import PeriodError, parse_period
from thuocdo.evaluation.queries import as_json, ranking
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.units.models import Unit


def _points(value) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


class Command(BaseCommand):
    help = "Điểm, xếp loại và thứ hạng của các đơn vị một cấp trong một kỳ."

    def add_arguments(self, parser):
        parser.add_argument("--framework", default="qd766", help="Mã bộ chỉ số (qd766, cqdp2c).")
        parser.add_argument("--level", choices=["province", "agency", "commune"], required=True)
        parser.add_argument("--parent", help="Mã tỉnh: chỉ xếp hạng các đơn vị của tỉnh này.")
        parser.add_argument("--period", required=True, help="2026-08-14, 2026-W33, 2026-08, 2026-Q3, 2026, …")
        parser.add_argument("--procedure", default="", help="Chỉ tính cho một thủ tục (mã TTHC).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
            framework = current_framework(options["framework"])[1]
        except (PeriodError, UnknownFramework) as exc:
            raise CommandError(str(exc)) from exc
        parent = None
        if options["parent"]:
            parent = Unit.objects.filter(code=options["parent"]).first()
            if parent is None:
                raise CommandError(f"Không có đơn vị mã {options['parent']}")
        rows = ranking(framework, options["level"], parent, period, options["procedure"])
        if options["json"]:
            self.stdout.write(json.dumps({"scores": [as_json(r) for r in rows]}, ensure_ascii=False))
            return
        self.stdout.write(f"{framework.name} (phiên bản {framework.version}) — {period.label}")
        for row in rows:
            score = row.score
            self.stdout.write(
                f"{row.rank or '—':>4}  {row.unit.code:<10} {row.unit.name:<40} {_points(score.total):>7}"
                f"/{_points(score.max_points)}  {score.grade or 'chưa đủ dữ liệu':<16} {_points(row.change):>7}"
            )
