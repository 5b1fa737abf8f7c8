"""Admin in Vietnamese for framework versions (edited only by adding versions), official scores and flags.

Saving a framework's form never changes the row shown: `save_framework_edit` stores the next version and
writes its audit row in the admin's transaction (so AuditedAdminMixin, which audits a saved row, is not
used here). Official scores and data-quality issues are written by the portal import only: read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from thuocdo.accounts.admin_readonly import ReadOnlyAdmin
from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.actions import (
    FrameworkEditError,
    check_framework_text,
    may_edit_frameworks,
    save_framework_edit,
    validate_framework_edit,
)
from thuocdo.evaluation.models import DataQualityIssue, FrameworkVersion, OfficialScore

_YAML_WIDGET = forms.Textarea(attrs={
    "rows": 40, "cols": 120, "wrap": "off", "spellcheck": "false",
    "style": "font-family: ui-monospace, 'DejaVu Sans Mono', Consolas, monospace; font-size: 13px; "
             "width: 100%; white-space: pre; tab-size: 2;",
})


class FrameworkEditForm(forms.ModelForm):
    """The YAML text and a change note; `clean` checks the edit as the action will (errors on the form)."""

    class Meta:
        model = FrameworkVersion
        fields = ["definition", "note"]
        widgets = {"definition": _YAML_WIDGET}
        labels = {"note": "Ghi chú thay đổi (cho phiên bản mới)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.initial["note"] = ""  # the shown row's note describes that row, not the new version
        self.framework = None
        latest = None
        if self.instance.pk:
            latest = FrameworkVersion.objects.filter(code=self.instance.code).order_by("-version").first()
        where = (f"v{latest.version + 1} của {latest.code}" if latest
                 else "tiếp theo của mã ghi trong YAML (v1 nếu mã mới)")
        self.fields["definition"].help_text = (
            f"Lưu sẽ tạo phiên bản {where}; phiên bản đang xem giữ nguyên. Số `version:` trong YAML không dùng "
            "để đánh số phiên bản.")

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("definition")
        if not text:
            return cleaned
        try:
            code = self.instance.code if self.instance.pk else check_framework_text(text).code
            self.framework = validate_framework_edit(code, text)
        except FrameworkEditError as error:
            self.add_error("definition", str(error))
        return cleaned


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(admin.ModelAdmin):
    """Bộ chỉ số: every save adds a version (`save_framework_edit`); nothing is changed or deleted in place."""

    form = FrameworkEditForm
    list_display = ("code", "version", "name", "valid_from", "created_at", "created_by")
    list_display_links = ("code", "version")
    list_filter = ("code",)
    search_fields = ("code", "name", "note")
    list_select_related = ("created_by",)
    ordering = ("code", "-version")
    change_readonly = ("code", "version", "name", "valid_from", "shown_note", "created_at", "created_by")

    @admin.display(description="ghi chú của phiên bản này")
    def shown_note(self, obj):
        return obj.note or "—"

    def get_readonly_fields(self, request, obj=None):
        return self.change_readonly if obj is not None else ()

    def get_fields(self, request, obj=None):
        return [*self.get_readonly_fields(request, obj), "definition", "note"]

    def get_changeform_initial_data(self, request):
        """Add = edit of the latest version of `?code=`: start from its text."""
        initial = super().get_changeform_initial_data(request)
        latest = FrameworkVersion.objects.filter(code=request.GET.get("code", "")).order_by("-version").first()
        if latest is not None:
            initial["definition"] = latest.definition
        return initial

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._may_edit(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._may_edit(request)

    def has_add_permission(self, request):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().add_view(request, form_url, extra_context)

    def save_form(self, request, form, change):
        """Store the edit as a new version and return it; the form's own row is never saved."""
        code = form.instance.code if change else form.framework.code
        return save_framework_edit(Actor.for_user(request.user), code, form.cleaned_data["definition"],
                                   form.cleaned_data["note"])

    def save_model(self, request, obj, form, change):
        """Nothing left to save: `save_form` stored the new version with its audit row."""

    def save_related(self, request, form, formsets, change):
        """No related rows: a framework version is one row."""

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"added": {}}]

    def log_change(self, request, obj, message):
        return self.log_addition(request, obj, message)  # `obj` is the new version, not the row edited

    def response_add(self, request, obj, post_url_continue=None):
        return self._saved(request, obj)

    def response_change(self, request, obj):
        return self._saved(request, obj)

    def _saved(self, request, obj):
        self.message_user(request, f"Đã lưu phiên bản mới {obj.code} v{obj.version}; các phiên bản trước giữ "
                                   "nguyên.", messages.SUCCESS)
        if "_continue" in request.POST:
            return HttpResponseRedirect(reverse("admin:evaluation_frameworkversion_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:evaluation_frameworkversion_changelist"))

    @staticmethod
    def _may_edit(request) -> bool:
        return request.user.is_active and request.user.is_staff and may_edit_frameworks(Actor.for_user(request.user))


@admin.register(OfficialScore)
class OfficialScoreAdmin(ReadOnlyAdmin):
    list_display = ("unit_code", "framework_code", "group_code", "indicator_code", "procedure_code", "start", "end",
                    "points", "source")
    list_filter = ("framework_code", "group_code", "start")
    search_fields = ("unit_code", "framework_code", "procedure_code")
    date_hierarchy = "start"
    ordering = ("unit_code", "framework_code", "group_code", "start")


@admin.register(DataQualityIssue)
class DataQualityIssueAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "unit_code", "framework_code", "group_code", "start", "end", "ours", "official",
                    "message")
    list_filter = ("framework_code", "group_code", "start")
    search_fields = ("unit_code", "framework_code", "message")
    date_hierarchy = "start"
