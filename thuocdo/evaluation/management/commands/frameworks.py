"""`thuocdo frameworks load|list|show`: indicator frameworks (bộ chỉ số) as stored versions."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.frameworks import FrameworkError, Level
from thuocdo.evaluation.store import UnknownFramework, framework_version, list_frameworks


class Command(BaseCommand):
    help = "Nạp, liệt kê và xem các bộ chỉ số đánh giá (mỗi lần sửa là một phiên bản mới)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="Nạp các bộ chỉ số kèm dự án; tệp mới hoặc đã đổi thành phiên bản mới.")
        load.add_argument("--json", action="store_true")
        sub.add_parser("list", help="Liệt kê mọi phiên bản đã lưu.")
        show = sub.add_parser("show", help="Xem một bộ chỉ số (phiên bản mới nhất nếu không ghi --version).")
        show.add_argument("code")
        show.add_argument("--version", type=int, dest="number")
        show.add_argument("--yaml", action="store_true", help="In nguyên văn định nghĩa YAML đã lưu.")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['verb']}")(options)
        except (FrameworkError, UnknownFramework) as exc:
            raise CommandError(str(exc)) from exc

    def _load(self, options):
        results = load_frameworks(Actor.system())
        if options["json"]:
            payload = [{"code": code, "version": version, "created": created} for code, version, created in results]
            self.stdout.write(json.dumps({"frameworks": payload}, ensure_ascii=False))
            return
        for code, version, created in results:
            self.stdout.write(f"{code}: đã lưu phiên bản v{version}" if created
                              else f"{code}: không đổi (mới nhất v{version})")

    def _list(self, options):
        rows = list_frameworks()
        if not rows:
            self.stdout.write("Chưa có bộ chỉ số nào; chạy `thuocdo frameworks load`.")
            return
        today = timezone.localdate()
        current = {}
        for row in rows:  # by code, then version: the last one valid today wins
            if row.valid_from <= today:
                current[row.code] = row.version
        for row in rows:
            mark = "*" if current.get(row.code) == row.version else " "
            who = row.created_by.username if row.created_by else "hệ thống"
            self.stdout.write(f"{mark} {row.code:<10} v{row.version:<3} từ {row.valid_from:%d/%m/%Y}  "
                              f"{timezone.localtime(row.created_at):%Y-%m-%d %H:%M}  {who:<12} {row.name} — {row.note}")
        self.stdout.write("(* đang áp dụng hôm nay)")

    def _show(self, options):
        row, framework = framework_version(options["code"], options["number"])
        if options["yaml"]:
            self.stdout.write(row.definition, ending="")
            return
        self.stdout.write(f"{row.code} v{row.version} — {row.name}")
        saved = timezone.localtime(row.created_at)
        self.stdout.write(f"  áp dụng từ {row.valid_from:%d/%m/%Y}; lưu lúc {saved:%Y-%m-%d %H:%M}; "
                          f"ghi chú: {row.note or '—'}")
        maxima = ", ".join(f"{level}: {framework.max_points(level)}" for level in Level)
        self.stdout.write(f"  điểm tối đa theo cấp: {maxima}")
        for group in framework.groups:
            self.stdout.write(f"  {group.code} {group.name} ({group.max_points} điểm)")
            for indicator in group.indicators:
                levels = ",".join(sorted(indicator.levels))
                self.stdout.write(f"    {indicator.code:<32} {indicator.max_points:>5} {indicator.rule:<13} "
                                  f"[{levels}] {indicator.name}")
