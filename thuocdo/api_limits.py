"""The API's body limit: an oversize request gets a JSON 413 naming the limit, not Django's bare HTML 400."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/"


def body_limit_message() -> str:
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}".replace(",", ".")
    return f"Thân yêu cầu quá lớn: tối đa {limit} byte (10.000 bản ghi mỗi lần); hãy chia nhỏ lô."


def body_too_large() -> JsonResponse:
    return JsonResponse({"detail": body_limit_message()}, status=413)


class ApiBodyLimitMiddleware:
    """Refuse an API request whose declared Content-Length is over `DATA_UPLOAD_MAX_MEMORY_SIZE`, unread.

    Django refuses such a body only when a view reads it, with a 400 HTML page and no reason; a
    source system needs to know the limit to split its batch. Nothing is read here (an anonymous
    caller costs no memory); a chunked body without a length is caught when the API reads it
    (`RequestDataTooBig` handler in `thuocdo/api.py`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return body_too_large()
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
