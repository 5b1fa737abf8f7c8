"""`thuocdo scores`: a level's scores, ranks and grades for a period; `scores rebuild` and `scores check`.

    thuocdo scores --level province --period 2026-08 [--framework qd766] [--parent 25] [--json]
    thuocdo scores rebuild [--period P …] [--framework CODE] [--resume]   recompute the score rows
    thuocdo scores check [--period P …] [--framework CODE]                compare them with a fresh computation
    thuocdo scores change CODE --period P [--against P] [--framework F] [--json]   why a unit's score changed
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from thuocdo.evaluation import score_rows
from thuocdo.evaluation.periods import PeriodError, parse_period
from thuocdo.evaluation.queries import as_json, ranking
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.units.models import Unit

SHOWN_DIFFERENCES = 20


def _points(value) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


class Command(BaseCommand):
    help = ("Điểm, xếp loại và thứ hạng của các đơn vị một cấp trong một kỳ; "
            "`rebuild` tính lại các dòng điểm duy trì, `check` đối chiếu chúng với một lần tính mới.")

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["show", "rebuild", "check", "change"], default="show")
        parser.add_argument("code", nargs="?", help="change: mã đơn vị (VN, mã tỉnh, mã xã).")
        parser.add_argument("--against", help="change: kỳ so sánh; mặc định kỳ liền trước cùng loại.")
        parser.add_argument("--framework", help="Mã bộ chỉ số (qd766, cqdp2c); rebuild/check: mặc định mọi bộ.")
        parser.add_argument("--level", choices=["province", "agency", "commune"])
        parser.add_argument("--parent", help="Mã tỉnh: chỉ xếp hạng các đơn vị của tỉnh này.")
        parser.add_argument("--period", action="append",
                            help="2026-08-14, 2026-W33, 2026-08, 2026-Q3, 2026, …; rebuild/check: lặp lại được, "
                                 "mặc định các kỳ luôn giữ nóng.")
        parser.add_argument("--procedure", default="", help="Chỉ tính cho một thủ tục (mã TTHC).")
        parser.add_argument("--resume", action="store_true", help="rebuild: tiếp tục lần dựng lại bị ngắt.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            periods = [parse_period(text) for text in options["period"] or []]
            frameworks = [current_framework(options["framework"])[1]] if options["framework"] else None
        except (PeriodError, UnknownFramework) as exc:
            raise CommandError(str(exc)) from exc
        if options["action"] == "rebuild":
            return self.rebuild_rows(periods or None, frameworks, options["resume"])
        if options["action"] == "check":
            return self.check_rows(periods or None, frameworks)
        if options["action"] == "change":
            return self.change(frameworks[0] if frameworks else None, periods, options)
        if not options["level"] or len(periods) != 1:
            raise CommandError("Cần --level và đúng một --period (ví dụ: --level province --period 2026-08).")
        self.show(frameworks[0] if frameworks else current_framework("qd766")[1], periods[0], options)

    def rebuild_rows(self, periods, frameworks, resume: bool) -> None:
        def progress(done, total, framework, period):
            self.stderr.write(f"[{done}/{total}] {framework.code} v{framework.version} · {period.label}")

        written = score_rows.rebuild(periods, frameworks, progress, resume=resume)
        self.stdout.write(f"Đã tính lại {written:,} dòng điểm.".replace(",", "."))

    def check_rows(self, periods, frameworks) -> None:
        differences = score_rows.check(periods, frameworks)
        if not differences:
            self.stdout.write("Các dòng điểm khớp với một lần tính mới.")
            return
        for item in differences[:SHOWN_DIFFERENCES]:
            self.stdout.write(f"{item.framework} {item.period} {item.unit_code} {item.field}: "
                              f"đang lưu {item.stored!r}, tính mới {item.computed!r}")
        more = len(differences) - SHOWN_DIFFERENCES
        if more > 0:
            self.stdout.write(f"… và {more} khác biệt nữa.")
        self.stdout.write(f"{len(differences)} khác biệt; chạy `thuocdo scores rebuild` để tính lại.")
        sys.exit(1)

    def show(self, framework, period, options) -> None:
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

    def change(self, framework, periods, options) -> None:
        """Why the unit's score changed: `thuocdo scores change 08494 --period 2026-11 [--against 2026-10]`."""
        from thuocdo.evaluation.attribution import as_json as change_json
        from thuocdo.evaluation.attribution import attribute_change, breakdown, summary

        if not options["code"] or len(periods) != 1:
            raise CommandError("Cần mã đơn vị và đúng một --period (ví dụ: scores change 08494 --period 2026-11).")
        unit = Unit.objects.filter(code=options["code"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã {options['code']}")
        try:
            against = parse_period(options["against"], param="against") if options["against"] else None
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        result = attribute_change(framework or current_framework("qd766")[1], unit, periods[0], against)
        if options["json"]:
            self.stdout.write(json.dumps(change_json(result), ensure_ascii=False))
            return
        self.stdout.write(f"{unit.name} ({unit.code}) · {result.period.label} so với {result.against.label}")
        self.stdout.write(summary(result))
        for line in breakdown(result):
            self.stdout.write(line)
