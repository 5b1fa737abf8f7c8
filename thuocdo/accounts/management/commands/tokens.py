"""`thuocdo tokens create|revoke|list`: API tokens for source systems."""

import json

from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.actions import TokenError, create_api_token, revoke_api_token
from thuocdo.accounts.models import ApiToken
from thuocdo.accounts.permissions import Actor


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = "Quản lý mã truy cập API của các hệ thống nguồn (một cửa điện tử, cổng dịch vụ công)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Tạo mã mới; mã chỉ hiện một lần.")
        create.add_argument("--name", required=True)
        create.add_argument("--units", required=True, help="Mã đơn vị, cách nhau bởi dấu phẩy.")
        create.add_argument("--scopes", required=True, help="Quyền ghi, ví dụ dossiers:write.")
        create.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="Thu hồi mã theo tên.")
        revoke.add_argument("name")
        sub.add_parser("list", help="Liệt kê các mã (không hiện mã bí mật).")

    def handle(self, *args, **options):
        actor = Actor.system()
        try:
            if options["verb"] == "create":
                self._create(actor, options)
            elif options["verb"] == "revoke":
                token = revoke_api_token(actor, options["name"])
                self.stdout.write(f"Đã thu hồi mã truy cập {token.name!r}.")
            else:
                self._list()
        except TokenError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, actor, options):
        issued = create_api_token(actor, options["name"], _split(options["units"]), _split(options["scopes"]))
        payload = {
            "token": issued.secret,
            "name": issued.token.name,
            "units": sorted(u.code for u in issued.token.units.all()),
            "scopes": issued.token.scopes,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        self.stdout.write(f"Mã truy cập {payload['name']!r} (chỉ hiện một lần, hãy lưu lại):")
        self.stdout.write(f"  {payload['token']}")
        self.stdout.write(f"  đơn vị: {', '.join(payload['units'])}; quyền: {', '.join(payload['scopes'])}")

    def _list(self):
        for token in ApiToken.objects.prefetch_related("units"):
            state = "đang dùng" if token.is_active else f"đã thu hồi {token.revoked_at:%Y-%m-%d %H:%M}"
            units = ",".join(u.code for u in token.units.all())
            self.stdout.write(f"{token.name:<24} {token.prefix}…  {state:<28} {units}  {','.join(token.scopes)}")
