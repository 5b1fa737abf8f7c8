"""Writes of the evaluation app: framework versions (bộ chỉ số), loaded from files or edited by central admins.

A stored version is never changed: loading a changed file or saving an edit adds the next version, so a
score can always name the version it used. Version numbers are the store's own sequence per code (1, 2,
3, … in the order versions were stored); the `version:` written in a YAML file is its author's label and
is not used for numbering (cqdp2c ships as "v0" and is stored as version 1). `store.py` hands out each
version's Framework with the stored number, so `UnitScore.version` names the stored row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from thuocdo.accounts import audit
from thuocdo.accounts.choices import ActorKind, Role
from thuocdo.accounts.permissions import Actor
from thuocdo.evaluation.frameworks import Framework, FrameworkError, parse_framework, preset_paths
from thuocdo.evaluation.models import FrameworkVersion

LOADED_NOTE = "Nạp từ tệp "  # + file name; marks the versions `load_frameworks` stored
NOTE_MAX = FrameworkVersion._meta.get_field("note").max_length


class FrameworkEditError(ValueError):
    """An edit that cannot be stored (bad YAML, wrong code, no change); `framework_error` keeps the parser's."""

    def __init__(self, message: str, framework_error: FrameworkError | None = None) -> None:
        super().__init__(message)
        self.framework_error = framework_error


def may_edit_frameworks(actor: Actor) -> bool:
    """True for the system and for active central admins (or superusers); nobody else edits frameworks."""
    if actor.kind == ActorKind.SYSTEM:
        return True
    user = actor.user
    if actor.token is not None or user is None or not user.is_active or not user.is_authenticated:
        return False
    return user.is_superuser or user.role == Role.CENTRAL_ADMIN


def normalized_definition(text: str) -> str:
    r"""Return the YAML text with \n line ends and one final newline (a browser's textarea sends \r\n)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip() + "\n"


def describe_framework_error(error: FrameworkError) -> str:
    """Say in Vietnamese where a framework is wrong: line, column, indicator, field, position in the expression."""
    where = [f"dòng {error.line}" if error.line else "", f"cột {error.column}" if error.column else "",
             f"chỉ tiêu {error.indicator}" if error.indicator else "", f"trường {error.field}" if error.field else ""]
    place = ", ".join(part for part in where if part)
    return f"Bộ chỉ số không hợp lệ ({place}): {error.message}" if place else f"Bộ chỉ số không hợp lệ: {error.message}"


def check_framework_text(definition_text: str) -> Framework:
    """Parse a framework's YAML text, turning a FrameworkError into a FrameworkEditError with its place."""
    try:
        return parse_framework(normalized_definition(definition_text))
    except FrameworkError as error:
        raise FrameworkEditError(describe_framework_error(error), error) from None


def validate_framework_edit(code: str, definition_text: str) -> Framework:
    """Check an edit of framework `code` without storing it: valid YAML, same code, not the latest text again."""
    framework = check_framework_text(definition_text)
    if framework.code != code:
        raise FrameworkEditError(f"Mã trong định nghĩa ({framework.code}) khác mã bộ chỉ số đang sửa ({code}).")
    latest = FrameworkVersion.objects.filter(code=code).order_by("-version").first()
    if latest is not None and latest.definition == normalized_definition(definition_text):
        raise FrameworkEditError(f"Định nghĩa không khác phiên bản mới nhất ({code} v{latest.version}); "
                                 "không tạo phiên bản mới.")
    return framework


def save_framework_edit(actor: Actor, code: str, definition_text: str, note: str) -> FrameworkVersion:
    """Store an edited framework as the next version of `code` (v1 for a new code); stored versions stay as they are.

    Refused with PermissionDenied for anyone but the system and central admins, and with FrameworkEditError
    for an invalid definition (naming the indicator and the place), a different code, no change, or no note.
    """
    if not may_edit_frameworks(actor):
        raise PermissionDenied("Chỉ quản trị trung ương được sửa bộ chỉ số.")
    note = note.strip()
    if not note:
        raise FrameworkEditError("Cần ghi chú thay đổi: vì sao có phiên bản mới.")
    if len(note) > NOTE_MAX:
        raise FrameworkEditError(f"Ghi chú thay đổi dài quá {NOTE_MAX} ký tự.")
    text = normalized_definition(definition_text)
    with transaction.atomic():
        framework = validate_framework_edit(code, text)
        latest = FrameworkVersion.objects.filter(code=code).order_by("-version").first()
        row = _store_version(actor, framework, text, note)
        audit.record(actor, "evaluation.edit_framework", "FrameworkVersion", f"{code} v{row.version}",
                     before=_summary(latest) if latest else None, after=_summary(row))
    return row


def load_frameworks(actor: Actor, paths: Iterable[str | Path] | None = None) -> list[tuple[str, int, bool]]:
    """Store the framework files (the shipped presets by default) that are new or changed since last loaded.

    Returns (code, latest stored version, created) per file. A file is stored as the next version when its
    text differs both from the latest version and from the latest version loaded from a file; comparing with
    the last *loaded* text too means re-running the load (every `make demo`) never undoes a central admin's
    edit made since. Every file is checked before anything is stored: one bad file stores nothing.
    """
    if not may_edit_frameworks(actor):
        raise PermissionDenied("Chỉ quản trị trung ương được nạp bộ chỉ số.")
    files = []
    for path in map(Path, preset_paths() if paths is None else paths):
        text = normalized_definition(path.read_text(encoding="utf-8"))
        files.append((path, text, parse_framework(text, origin=path.name)))  # raises FrameworkError
    results = []
    with transaction.atomic():
        for path, text, framework in files:
            versions = FrameworkVersion.objects.filter(code=framework.code).order_by("-version")
            latest = versions.first()
            loaded = versions.filter(note__startswith=LOADED_NOTE).first()
            if latest is not None and text in (latest.definition, loaded and loaded.definition):
                results.append((framework.code, latest.version, False))
                continue
            row = _store_version(actor, framework, text, f"{LOADED_NOTE}{path.name}")
            audit.record(actor, "evaluation.load_framework", "FrameworkVersion", f"{row.code} v{row.version}",
                         before=_summary(latest) if latest else None, after=_summary(row))
            results.append((row.code, row.version, True))
    return results


def _store_version(actor: Actor, framework: Framework, text: str, note: str) -> FrameworkVersion:
    # Two concurrent edits both reading the same maximum collide on the (code, version) unique
    # constraint: the second fails with IntegrityError instead of overwriting anything.
    latest = FrameworkVersion.objects.filter(code=framework.code).aggregate(latest=Max("version"))["latest"]
    return FrameworkVersion.objects.create(
        code=framework.code, version=(latest or 0) + 1, name=framework.name, valid_from=framework.valid_from,
        definition=text, note=note, created_by=actor.user,
    )


def _summary(row: FrameworkVersion) -> dict:
    # The YAML text stays in its (never changed) row; the audit row keeps its fingerprint.
    return {"code": row.code, "version": row.version, "name": row.name, "valid_from": row.valid_from.isoformat(),
            "note": row.note, "sha256": hashlib.sha256(row.definition.encode()).hexdigest()}
