"""The HTTP API (django-ninja): /api/v1/…, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI

from thuocdo.accounts.api_auth import API_AUTH
from thuocdo.api_limits import body_too_large
from thuocdo.dossiers.api import router as dossiers_router
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.api import router as evaluation_router
from thuocdo.metrics.api import router as metrics_router
from thuocdo.overload import busy_response, is_busy
from thuocdo.procedures.api import router as procedures_router
from thuocdo.security import log_denial
from thuocdo.units.api import router as units_router
from thuocdo.units.api_profile import router as unit_profile_router

api = NinjaAPI(
    title="Thước Đo API",
    version="1",
    description="Đánh giá vận hành chính quyền địa phương hai cấp theo thời gian thực.",
    urls_namespace="api",
    docs_url="/docs",
    auth=API_AUTH,
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    response = api.create_response(request, {"detail": str(exc) or "Không có quyền."}, status=403)
    return log_denial(request, response, exc)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return body_too_large()


@api.exception_handler(InvalidParameter)
def _invalid_parameter(request, exc):
    return api.create_response(request, {"detail": str(exc), "param": exc.param}, status=400)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Không tìm thấy."}, status=404)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_busy(request, exc):
    """A busy or unreachable database: 503 with Retry-After, saying what became of the batch (thuocdo.overload).

    Any other database error is a bug: raised again, it stays a 500 with its traceback.
    """
    if not is_busy(exc):
        raise exc
    return busy_response(request, exc)


api.add_router("/units", unit_profile_router)
api.add_router("/units", units_router)
api.add_router("/dossier-events", dossiers_router)
api.add_router("/procedures", procedures_router)
api.add_router("", metrics_router)
api.add_router("", evaluation_router)
