"""`thuocdo procedures simulate [--seed K] [--if-empty]`: load the simulated catalogue (the demo's)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from thuocdo.accounts.permissions import Actor
from thuocdo.procedures.actions import catalogue_is_empty, load_catalogue
from thuocdo.procedures.simulation import simulate_catalogue
from thuocdo.units.models import Unit


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = "Danh mục thủ tục hành chính."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help="Nạp danh mục thủ tục mô phỏng cho mọi tỉnh (thay danh mục cũ).")
        simulate.add_argument("--seed", type=int, default=1, help="Hạt giống: cùng hạt giống, cùng danh mục.")
        simulate.add_argument("--if-empty", action="store_true", help="Chỉ nạp khi chưa có thủ tục nào.")

    def handle(self, *args, **options):
        if options["if_empty"] and not catalogue_is_empty():
            self.stdout.write("Đã có danh mục thủ tục: giữ nguyên.")
            return
        began = time.monotonic()
        units = list(Unit.objects.filter(level__in=["province", "commune"]))
        catalogue = simulate_catalogue(units, timezone.localdate(), seed=options["seed"])
        counts = load_catalogue(Actor.system(), catalogue)
        self.stdout.write(
            f"Danh mục mô phỏng (hạt giống {options['seed']}): {_number(counts['procedures'])} thủ tục, "
            f"{_number(counts['publications'])} lượt công bố, {_number(counts['offerings'])} xã chứng thực "
            f"điện tử ({time.monotonic() - began:.1f} s)"
        )
