"""Live streams and exports: `/live/<code>/`, `/live/public/`, `/u/<code>/xuat/…`."""

from django.urls import path

from thuocdo.web import exports, live

app_name = "live"

urlpatterns = [
    path("live/public/", live.public_stream, name="public_stream"),
    path("live/<str:code>/", live.unit_stream, name="stream"),
    path("u/<str:code>/xuat/excel/", exports.ranking_xlsx, name="export_xlsx"),
    path("u/<str:code>/xuat/bao-cao-tuan.pdf", exports.weekly_report_pdf, name="export_weekly_pdf"),
]
