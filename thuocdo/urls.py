"""URL map: pages, the API, the admin."""

from django.contrib import admin
from django.urls import include, path

from thuocdo.api import api
from thuocdo.web.views import favicon

admin.site.site_header = "Quản trị Thước Đo"
admin.site.site_title = "Thước Đo"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon (it was a 404 in every log).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("tai-khoan/", include("thuocdo.accounts.urls")),
    path("", include("thuocdo.web.urls_live")),
    path("", include("thuocdo.web.urls")),
]

handler403 = "thuocdo.web.views.permission_denied"
