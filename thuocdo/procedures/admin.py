"""The procedure catalogue in the admin: read-only, written by `thuocdo import procedures` and the simulator."""

from django.contrib import admin

from thuocdo.accounts.admin_readonly import ReadOnlyAdmin
from thuocdo.procedures.models import CertifiedCopyOffering, Procedure, Publication


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "field", "level", "processing_days", "online_level", "has_fee")
    list_filter = ("level", "online_level", "has_fee", "certified_copy")
    search_fields = ("code", "search_key")


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("province_code", "procedure", "publish_due", "published_on", "update_due", "updated_on",
                    "content_full")
    list_filter = ("province_code", "content_full")
    search_fields = ("procedure__code",)


@admin.register(CertifiedCopyOffering)
class CertifiedCopyOfferingAdmin(ReadOnlyAdmin):
    list_display = ("unit", "province_code", "since")
    list_filter = ("province_code",)
