"""The API's body limit: an oversize request gets a JSON 413 naming the limit, not Django's bare HTML 400."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

API_PREFIX = "/api/"


def body_limit_message() -> str:
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}".replace(",", ".")
    return f"Thân yêu cầu quá lớn: tối đa {limit} byte (10.000 sự kiện mỗi lần); hãy chia nhỏ lô."


class ApiBodyLimitMiddleware:
    """Read an API request's body under `DATA_UPLOAD_MAX_MEMORY_SIZE`; answer 413 in JSON past it.

    Django refuses a body over the limit only when a view reads it, with a 400 HTML page and no
    reason; a source system needs to know the limit to split its batch. A declared Content-Length
    over the limit is refused before a byte is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and request.method in ("POST", "PUT", "PATCH"):
            try:
                request.body  # noqa: B018 — reads (and caches) the body under the limit
            except RequestDataTooBig:
                return JsonResponse({"detail": body_limit_message()}, status=413)
        return self.get_response(request)
