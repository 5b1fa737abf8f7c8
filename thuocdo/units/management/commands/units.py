"""`thuocdo units search QUERY [--province CODE] [--json]`, `thuocdo units convert "OLD ADDRESS" [--json]`."""

import json

from django.core.management.base import BaseCommand, CommandError

from thuocdo.units.models import Unit
from thuocdo.units.queries import AddressNotUnderstood, convert_address_full, registry_row, search_units


def _table(units: list[Unit]) -> list[str]:
    """A plain-text table: code, name, type, province."""
    provinces = dict(Unit.objects.filter(code__in={u.province_code for u in units}).values_list("code", "short_name"))
    rows = [("Mã", "Tên", "Loại", "Tỉnh, thành phố")]
    rows += [(u.code, u.name, u.get_type_display(), provinces.get(u.province_code, "")) for u in units]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


class Command(BaseCommand):
    help = "Tra cứu danh mục đơn vị hành chính: tìm theo tên, hoặc đổi địa chỉ cũ (trước 1/7/2025) sang xã mới."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{search,convert}")
        search = sub.add_parser("search", help="Tìm đơn vị theo tên (không phân biệt dấu, hoa thường).")
        search.add_argument("query", help="Tên cần tìm, ví dụ “bo ngoong”.")
        search.add_argument("--province", help="Chỉ tìm trong tỉnh có mã này, ví dụ 79.")
        search.add_argument("--limit", type=int, default=20, help="Số kết quả tối đa (mặc định 20).")
        search.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        convert = sub.add_parser("convert", help="Đổi địa chỉ cũ (xã, huyện, tỉnh) sang xã mới.")
        convert.add_argument("address", help="Địa chỉ cũ, ví dụ “Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh”.")
        convert.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, **options):
        if options["subcommand"] == "search":
            self._search(options)
        else:
            self._convert(options)

    def _print_units(self, units: list[Unit], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps([registry_row(u) for u in units], ensure_ascii=False))
        else:
            for line in _table(units):
                self.stdout.write(line)

    def _search(self, options) -> None:
        units = search_units(options["query"], province=options["province"], limit=options["limit"])
        if not units:
            where = f" trong tỉnh {options['province']}" if options["province"] else ""
            raise CommandError(f"Không tìm thấy đơn vị nào khớp với “{options['query']}”{where}.")
        self._print_units(units, options["json"])

    def _convert(self, options) -> None:
        try:
            conversion = convert_address_full(options["address"])
        except AddressNotUnderstood as exc:
            raise CommandError(str(exc)) from exc
        if not options["json"]:
            self.stdout.write(f"Đơn vị cũ: {conversion.legacy}")
            if conversion.legacy.is_divided:
                self.stdout.write("Đơn vị cũ này bị chia cho nhiều xã mới; dòng đầu là phần mặc định.")
        self._print_units(conversion.units, options["json"])
