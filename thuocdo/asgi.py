"""ASGI entry point (uvicorn in `thuocdo serve` and in production)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.settings")
application = get_asgi_application()

# `thuocdo serve` asks each server process to keep the score rows current (evaluation.refresher).
if os.environ.get("THUOCDO_REFRESHER") == "1":
    from thuocdo.evaluation import refresher

    refresher.start()
