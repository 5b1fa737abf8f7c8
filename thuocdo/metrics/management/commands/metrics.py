"""`thuocdo metrics show|rebuild|check`."""

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from thuocdo.errors import InvalidParameter
from thuocdo.metrics import rebuild as rebuilding
from thuocdo.metrics.periods import check_range
from thuocdo.metrics.queries import metric_totals
from thuocdo.units.models import Unit


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD)") from exc


def _vietnamese(value: int | float) -> str:
    """1234567 → 1.234.567; hours, amounts and rates keep their decimals: 1234.5 → 1.234,5."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


class Command(BaseCommand):
    help = "Xem, dựng lại hoặc kiểm tra kho số liệu chỉ tiêu."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        show = sub.add_parser("show", help="Số liệu của một đơn vị trong một khoảng ngày.")
        show.add_argument("--unit", required=True)
        show.add_argument("--from", dest="start", required=True)
        show.add_argument("--to", dest="end", required=True)
        show.add_argument("--procedure", default="")
        show.add_argument("--json", action="store_true")
        sub.add_parser("rebuild", help="Dựng lại từ sự kiện gốc (tiếp tục được nếu bị ngắt).")
        check = sub.add_parser("check", help="Tính lại và so sánh; mã thoát 1 nếu có sai lệch.")
        check.add_argument("--limit", type=int, default=50)

    def handle(self, *args, **options):
        getattr(self, f"_{options['verb']}")(options)

    def _show(self, options):
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã {options['unit']}")
        start, end = _day(options["start"]), _day(options["end"])
        try:
            # Inside the supported years (2000–2100) and in order: 9999-12-31 would overflow the month arithmetic.
            check_range(start, end, "--from", "--to")
        except InvalidParameter as exc:
            raise CommandError(f"{exc.param}: {exc.message}") from exc
        try:
            totals = metric_totals(unit, start, end, procedure=options["procedure"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        totals = dict(sorted(totals.items()))
        if options["json"]:
            self.stdout.write(json.dumps({"metrics": totals}, ensure_ascii=False))
            return
        self.stdout.write(f"{unit.name} ({unit.code}), {start:%d/%m/%Y} – {end:%d/%m/%Y}")
        for code, value in totals.items():
            self.stdout.write(f"  {code:<36} {_vietnamese(value):>14}")

    def _rebuild(self, options):
        def progress(done, total):
            if sys.stderr.isatty():
                sys.stderr.write(f"\r  {done:,}/{total:,} sự kiện".replace(",", "."))

        replayed = rebuilding.rebuild(progress)
        self.stdout.write(f"Đã dựng lại kho số liệu từ {replayed:,} sự kiện.".replace(",", "."))

    def _check(self, options):
        problems = rebuilding.check(limit=options["limit"])
        if problems:
            for line in problems:
                self.stdout.write(line)
            raise CommandError(f"Kho số liệu lệch với dữ liệu gốc ({len(problems)} sai lệch đầu tiên ở trên).")
        self.stdout.write("Kho số liệu khớp với dữ liệu gốc.")
