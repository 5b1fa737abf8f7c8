"""`thuocdo simulate --start YYYY-MM-DD --days N --scale S --seed K (--out FILE | --ingest)`.

Mô phỏng luồng sự kiện hồ sơ toàn quốc: to a JSON Lines or CSV file, or straight into the
store through the same action as `thuocdo ingest dossier-events`. Streams: memory holds
only the dossiers in flight, whatever the number of days.
"""

from __future__ import annotations

import csv
import json
import time
from datetime import date, datetime
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuocdo.dossiers.simulation import Simulation, report_day
from thuocdo.dossiers.validation import FACT_FIELDS
from thuocdo.units.models import Unit

FIELD_NAMES = (
    "source", "event_id", "dossier_code", "procedure_code", "unit_code", "status", "channel", "occurred_at", "due_at",
    *FACT_FIELDS,
)  # fmt: skip


def _number(value: float, digits: int = 0) -> str:
    """Vietnamese number format: 1.234.567 and 0,1."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Ngày không hợp lệ: {text} (dạng YYYY-MM-DD)") from exc


def _write_jsonl(path: Path, events) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            handle.write("\n")


def _write_csv(path: Path, events) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELD_NAMES, restval="")
        writer.writeheader()
        writer.writerows(events)


class Command(BaseCommand):
    help = "Mô phỏng sự kiện hồ sơ TTHC toàn quốc (quy mô 1 ≈ 180.000 hồ sơ một ngày làm việc)."

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="Ngày đầu, YYYY-MM-DD (từ 2025-07-01).")
        parser.add_argument("--days", type=int, default=7, help="Số ngày tiếp nhận hồ sơ (mặc định 7).")
        parser.add_argument("--scale", type=float, default=0.01, help="Quy mô so với cả nước (mặc định 0.01).")
        parser.add_argument("--seed", type=int, default=1, help="Hạt giống ngẫu nhiên (mặc định 1).")
        parser.add_argument(
            "--now", help="Thời điểm hiện tại giả định, ISO-8601 (mặc định: bây giờ); sự kiện sau đó không được gửi."
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--out", type=Path, help="Ghi ra tệp .jsonl hoặc .csv.")
        target.add_argument("--ingest", action="store_true", help="Nạp thẳng vào cơ sở dữ liệu.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Với --ingest: bỏ qua nếu đã có sự kiện hồ sơ (dùng cho make demo)."
        )

    def handle(self, *args, **options):
        if options["ingest"] and options["if_empty"]:
            from thuocdo.dossiers.models import DossierEvent

            if DossierEvent.objects.exists():
                self.stdout.write("Đã có dữ liệu hồ sơ: bỏ qua mô phỏng (--if-empty).")
                return
        units = list(
            Unit.objects.filter(level__in=["commune", "province"]).values_list("code", "province_code", "level", "type")
        )
        if not units:
            raise CommandError("Chưa có danh mục đơn vị: chạy `thuocdo load_units` trước.")
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now không hợp lệ: {options['now']}") from exc
        args = (_date(options["start"]), options["days"], options["scale"], options["seed"], units)
        try:
            simulation = Simulation(*args, now=now, on_day=report_day)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        began = time.monotonic()
        out: Path | None = options["out"]
        result = None
        if out is not None:
            writer = _write_csv if out.suffix.lower() == ".csv" else _write_jsonl
            try:
                writer(out, simulation.events())
            except OSError as exc:
                raise CommandError(f"Không ghi được tệp {out}: {exc.strerror}") from exc
        else:
            from thuocdo.accounts.permissions import Actor
            from thuocdo.dossiers.actions import ingest_dossier_events_from

            # Generated in a second process while this one stores (`dossiers/feeder.py`).
            # The simulated delivery times are the arrival times DOSSIER_SYNC measures.
            result, totals = ingest_dossier_events_from(
                Actor.system(), partial(Simulation, *args, now=now, on_day=report_day, arrival=True), arrival=True
            )
            simulation.totals = totals
        self._summary(simulation, options, out, result, time.monotonic() - began)

    def _summary(self, simulation: Simulation, options: dict, out: Path | None, result, seconds: float) -> None:
        totals = simulation.totals
        rate = totals.events / seconds if seconds > 0 else 0
        scale = str(options["scale"]).replace(".", ",")
        self.stdout.write(
            f"Đã mô phỏng {options['days']} ngày từ {options['start']} (quy mô {scale}, "
            f"hạt giống {options['seed']}): {_number(totals.dossiers)} hồ sơ, {_number(totals.events)} sự kiện "
            f"({_number(totals.duplicates)} gửi trùng, {_number(totals.malformed)} dòng lỗi) "
            f"trong {_number(seconds, 1)} giây ({_number(rate)} sự kiện/giây)."
        )
        if out is not None:
            self.stdout.write(f"Đã ghi: {out}")
        else:
            self.stdout.write(
                f"Đã nhận: {_number(result.accepted)}; trùng (bỏ qua): {_number(result.duplicates)}; "
                f"bị từ chối: {_number(len(result.rejected))}"
            )
