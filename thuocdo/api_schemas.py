"""Error answers shared by every API route, so each route declares exactly what it may answer.

The fuzzing test (`thuocdo/tests/test_api_fuzz.py`) fails on any status or body a route does
not declare; `errors(401, 404)` is how a route declares its error answers.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """An error in one sentence (Vietnamese); `param` names the parameter at fault, when one is."""

    detail: str
    param: str | None = None


class ValidationErrorOut(Schema):
    """422: django-ninja's list of field errors, or one sentence naming the field."""

    detail: str | list[dict[str, Any]]


_SCHEMAS: dict[int, type[Schema]] = {
    400: ErrorOut,  # a malformed or out-of-range parameter (thuocdo.errors.InvalidParameter), unreadable JSON
    401: ErrorOut,  # no or unknown credentials
    403: ErrorOut,  # credentials without the right to this unit or scope
    404: ErrorOut,  # no such unit, framework or record
    413: ErrorOut,  # body over DATA_UPLOAD_MAX_MEMORY_SIZE (thuocdo.api_limits)
    422: ValidationErrorOut,
    503: ErrorOut,  # the database is busy or unreachable: Retry-After says when to resend (thuocdo.overload)
}
# Every route reads the database, so every route may answer 503: `errors()` always declares it.
ALWAYS = (503,)


def errors(*codes: int) -> dict[int, type[Schema]]:
    """The response declarations for these error statuses and 503, to merge into a route's `response=`."""
    return {code: _SCHEMAS[code] for code in (*codes, *ALWAYS)}
