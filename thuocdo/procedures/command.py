"""The console side of `thuocdo import procedures FILE [--json]`: progress, summary, rejected rows."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from thuocdo.accounts.permissions import Actor
from thuocdo.procedures.actions import import_procedures
from thuocdo.procedures.files import FileError

SHOWN_ERRORS = 50


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def import_file(command, path: Path, as_json: bool) -> None:
    """Run the import for a management command and print what it did (Vietnamese)."""
    if not path.is_file():
        raise CommandError(f"Không tìm thấy tệp {path}")

    def progress(rows: int) -> None:
        if not as_json:
            command.stdout.write(f"  đã đọc {_number(rows)} dòng…")

    try:
        result = import_procedures(Actor.system(), path, progress)
    except FileError as exc:
        raise CommandError(str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"Không đọc được tệp {path}: {exc}") from exc
    if as_json:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    lines = [
        f"Tệp {path.name}: {_number(result.rows)} dòng, {_number(result.rejected)} dòng bị từ chối",
        f"Thủ tục: mới {_number(result.procedures_created)}, cập nhật {_number(result.procedures_updated)}, "
        f"không đổi {_number(result.procedures_unchanged)}",
        f"Công bố: mới {_number(result.publications_created)}, cập nhật {_number(result.publications_updated)}, "
        f"không đổi {_number(result.publications_unchanged)}",
    ]
    lines += [f"  {error}" for error in result.errors[:SHOWN_ERRORS]]
    if len(result.errors) > SHOWN_ERRORS:
        lines.append(f"  … và {_number(len(result.errors) - SHOWN_ERRORS)} lỗi khác")
    command.stdout.write("\n".join(lines))
