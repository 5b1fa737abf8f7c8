"""`thuocdo import portal766 FILE --period PERIOD [--procedure CODE] [--json]`, `thuocdo import procedures FILE`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.periods import PeriodError, parse_period
from thuocdo.evaluation.portal766 import PortalFormatError
from thuocdo.evaluation.portal_import import PortalImportError, import_portal766


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Nhập số liệu từ nguồn bên ngoài."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        portal = sub.add_parser("portal766", help="Nhập một kết quả đánh giá QĐ 766 của Cổng Dịch vụ công quốc gia.")
        portal.add_argument("file", type=Path)
        portal.add_argument("--period", required=True, help="Kỳ của tệp: 2026-08, 2026-Q3, 2026, …")
        portal.add_argument("--procedure", default="", help="Mã thủ tục khi tệp chỉ tính cho một thủ tục (2.000815).")
        portal.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        procedures = sub.add_parser("procedures", help="Nhập danh mục thủ tục hành chính (.csv, .xlsx, .jsonl).")
        procedures.add_argument("file", type=Path)
        procedures.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, **options):
        if options["kind"] == "procedures":
            from thuocdo.procedures.command import import_file

            return import_file(self, options["file"], options["json"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        try:
            period = parse_period(options["period"])
            result = import_portal766(Actor.system(), path, period, options["procedure"])
        except (PeriodError, PortalFormatError, PortalImportError) as exc:
            raise CommandError(str(exc)) from exc
        except (ValueError, UnicodeDecodeError) as exc:  # not JSON at all
            raise CommandError(f"Không đọc được tệp {path}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        scope = f"thủ tục {result.procedure}" if result.procedure else "tất cả thủ tục"
        lines = [
            f"Tệp {path.name}: nhóm {result.group}, kỳ {period.label}, {scope}, tỉnh mã {result.province}",
            f"Đơn vị khớp: {_number(result.units_matched)} (tỉnh 1, sở/ngành {_number(result.agencies_matched)}, "
            f"xã/phường {_number(result.communes_matched)})",
            f"Sở, ngành mới tạo: {_number(len(result.agencies_created))}",
            f"Giá trị đã lưu: {_number(result.values_stored)} (mới hoặc thay đổi {_number(result.values_changed)}, "
            f"bỏ {_number(result.values_removed)})",
            f"Điểm chính thức đã lưu: {_number(result.official_scores_stored)}",
        ]
        if result.given:
            lines.append(f"Nhóm {result.group}: dùng điểm của Cổng ({result.given}), không so sánh")
        else:
            lines.append(f"Đã so sánh {_number(result.compared)} điểm nhóm; "
                         f"vấn đề chất lượng dữ liệu: {_number(len(result.issues))}")
        lines += [f"  {issue['message']}" for issue in result.issues[:20]]
        lines.append(f"Tên không khớp: {_number(len(result.unmatched))}")
        lines += [f"  {item['name']} ({item['level']}): {item['reason']}" for item in result.unmatched]
        self.stdout.write("\n".join(lines))
