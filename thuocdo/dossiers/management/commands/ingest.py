"""`thuocdo ingest dossier-events FILE [--json]` and `thuocdo ingest metric-values FILE [--json]`."""

import argparse
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import FILE_BATCH_SIZE, ingest_dossier_events_from
from thuocdo.dossiers.feeder import FeederError, file_source
from thuocdo.dossiers.readers import read_rows
from thuocdo.metrics.actions import record_metric_values


class Command(BaseCommand):
    help = "Nạp sự kiện hồ sơ hoặc số liệu chỉ tiêu từ tệp .jsonl, .csv hoặc .xlsx."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        for name, text in (("dossier-events", "sự kiện trạng thái hồ sơ"), ("metric-values", "số liệu chỉ tiêu")):
            p = sub.add_parser(name, help=f"Nạp {text}.")
            p.add_argument("file", type=Path)
            p.add_argument("--source", help="Hệ thống nguồn, khi tệp không có cột source.")
            p.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        # Hidden: events per transaction, for tests that interrupt an ingest between two commits.
        sub.choices["dossier-events"].add_argument(
            "--batch-size", type=int, default=FILE_BATCH_SIZE, help=argparse.SUPPRESS
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}")
        try:
            if options["kind"] == "dossier-events":
                result = self._events(path, options).as_dict()
            else:
                result = record_metric_values(Actor.system(), read_rows(path), default_source=options["source"])
        except (ValueError, FeederError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        stored = result.get("accepted", result.get("stored"))
        self.stdout.write(f"Đã nhận: {stored:,}".replace(",", "."))
        if "duplicates" in result:
            self.stdout.write(f"Trùng (bỏ qua): {result['duplicates']:,}".replace(",", "."))
        self.stdout.write(f"Bị từ chối: {len(result['rejected']):,}".replace(",", "."))
        for rejection in result["rejected"][:20]:
            self.stdout.write(f"  dòng {rejection['index'] + 1}: {'; '.join(rejection['errors'])}")
        if len(result["rejected"]) > 20:
            self.stdout.write(f"  … và {len(result['rejected']) - 20} dòng khác (dùng --json để xem tất cả)")

    def _events(self, path: Path, options):
        bar = None
        if sys.stderr.isatty() and not options["json"]:
            from tqdm import tqdm

            bar = tqdm(total=_row_count(path), unit=" sự kiện", unit_scale=True, file=sys.stderr)
        try:
            summary, _ = ingest_dossier_events_from(
                Actor.system(), file_source(path), default_source=options["source"],
                batch_size=options["batch_size"], progress=bar.update if bar is not None else None,
            )
            return summary
        finally:
            if bar is not None:
                bar.close()


def _row_count(path: Path) -> int | None:
    """Rows in a text file, for the progress bar's total (one quick pass); None for Excel."""
    if path.suffix.lower() == ".xlsx":
        return None
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return lines - 1 if path.suffix.lower() == ".csv" else lines
