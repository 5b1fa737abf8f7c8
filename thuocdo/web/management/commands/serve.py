"""`thuocdo serve [--host H] [--port N]`: the production-style ASGI server (uvicorn)."""

import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy máy chủ web ASGI (uvicorn); tệp tĩnh được nén và phục vụ bởi WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, **options):
        self.stdout.write(f"Thước Đo đang chạy tại http://{options['host']}:{options['port']}/ (Ctrl+C để dừng)")
        uvicorn.run(
            "thuocdo.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            proxy_headers=True,
        )
