"""`thuocdo create_demo_accounts [--json]`: one demo login per role (idempotent)."""

import json

from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.choices import Role
from thuocdo.accounts.demo import create_demo_accounts
from thuocdo.units.models import Unit


class Command(BaseCommand):
    help = "Tạo một tài khoản dùng thử cho mỗi vai trò (chạy lại không thay đổi gì)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, **options):
        if not Unit.objects.filter(code="VN").exists():
            raise CommandError("Chưa có danh mục đơn vị: chạy `thuocdo load_units` trước.")
        logins = create_demo_accounts()
        if options["json"]:
            self.stdout.write(json.dumps(logins, ensure_ascii=False))
            return
        self.stdout.write("Tài khoản dùng thử (chỉ dùng trên máy thử nghiệm):")
        for login in logins:
            label = Role(login["role"]).label
            self.stdout.write(
                f"  {label:<22} {login['username']:<12} mật khẩu: {login['password']:<22} đơn vị: {login['unit_code']}"
            )
