"""`thuocdo load_units [--json]`: create or refresh the unit registry from the reference packages."""

import json

from django.core.management.base import BaseCommand

from thuocdo.units.loader import load_units


def vn_number(n: int) -> str:
    """Vietnamese thousands separator: 3321 → "3.321"."""
    return f"{n:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Nạp danh mục đơn vị hành chính (34 tỉnh, 3.321 xã) và 10.040 xã cũ từ các gói dữ liệu tham chiếu."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, **options):
        result = load_units()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            return
        n = vn_number
        self.stdout.write(
            f"Đơn vị: {n(result.national)} quốc gia / {n(result.provinces)} tỉnh / {n(result.communes)} xã "
            f"({n(result.xa)} xã, {n(result.phuong)} phường, {n(result.dac_khu)} đặc khu); "
            f"đơn vị cũ: {n(result.legacy)} ({n(result.legacy_whole)} nguyên vẹn, "
            f"{n(result.legacy_divided)} bị chia; {n(result.legacy_parts)} phần)"
        )
        self.stdout.write(
            f"Đơn vị: tạo mới {n(result.units_created)}, cập nhật {n(result.units_updated)}; "
            f"đơn vị cũ: tạo mới {n(result.legacy_created)}, cập nhật {n(result.legacy_updated)}; "
            f"phần: tạo mới {n(result.parts_created)}, cập nhật {n(result.parts_updated)}, "
            f"xoá {n(result.parts_deleted)}"
        )
        if result.written == 0:
            self.stdout.write("Danh mục đã khớp với dữ liệu tham chiếu; không có thay đổi.")
