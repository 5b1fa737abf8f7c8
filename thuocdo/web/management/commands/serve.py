"""`thuocdo serve [--host H] [--port N]`: the production-style ASGI server (uvicorn)."""

import os

import uvicorn
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import BaseCommand, CommandError

# Live pages hold an event stream open for as long as they are shown; uvicorn would wait for them
# forever on Ctrl+C or a restart. After this many seconds they are cut, and browsers reconnect
# by themselves (retry: 3000) to the next server.
GRACEFUL_SHUTDOWN_SECONDS = 3


class Command(BaseCommand):
    help = "Chạy máy chủ web ASGI (uvicorn); tệp tĩnh được nén và phục vụ bởi WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, **options):
        check_can_serve(options["workers"])
        self.stdout.write(f"Thước Đo đang chạy tại http://{options['host']}:{options['port']}/ (Ctrl+C để dừng)")
        # Every server process keeps the score rows current (thuocdo.asgi starts the refresher thread).
        os.environ["THUOCDO_REFRESHER"] = "1"
        uvicorn.run(
            "thuocdo.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            proxy_headers=True,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )


def check_can_serve(workers: int) -> None:
    """Refuse to start a server that would serve pages without their static files or live updates."""
    if workers > 1 and not settings.REDIS_URL:
        # Change notices are in-process without Redis: an ingest in one worker would never reach
        # the pages open on another.
        raise CommandError("--workers > 1 cần REDIS_URL để các trang cập nhật trực tiếp từ mọi tiến trình.")
    if not settings.DEBUG:
        # Compressed, content-hashed copies (.gz, .br) come from collectstatic; without its manifest
        # every page fails with "Missing staticfiles manifest entry".
        manifest = getattr(staticfiles_storage, "manifest_name", None)
        if manifest and not staticfiles_storage.exists(manifest):
            raise CommandError(f"Chưa có tệp tĩnh đã nén trong {settings.STATIC_ROOT}: "
                               "chạy `thuocdo collectstatic --no-input` trước.")
