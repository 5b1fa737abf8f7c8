"""The committed front-end files are the ones package-lock.json names, and are served compressed."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "thuocdo" / "web" / "static" / "vendor"


def test_vendored_files_match_the_lock_file():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    manifest = json.loads((VENDOR / "VERSIONS.json").read_text())
    assert sorted(manifest) == ["htmx-ext-sse.js", "htmx.min.js"]
    for name, entry in manifest.items():
        assert entry["version"] == lock["packages"][f"node_modules/{entry['package']}"]["version"], name
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == entry["sha256"], name
    # The SSE extension 2.x is written for htmx 2 (it depends on htmx.org ^2).
    assert manifest["htmx.min.js"]["version"].startswith("2.")
    assert lock["packages"]["node_modules/htmx-ext-sse"]["dependencies"]["htmx.org"].startswith("^2.")


def test_collectstatic_writes_compressed_copies(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--no-input", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = tmp_path / manifest["vendor/htmx.min.js"]
    original = (VENDOR / "htmx.min.js").read_bytes()
    assert hashed.read_bytes() == original
    for suffix in (".gz", ".br"):
        compressed = hashed.with_name(hashed.name + suffix)
        assert compressed.exists(), suffix
        assert compressed.stat().st_size < len(original) / 2


def test_serve_needs_redis_for_several_workers(settings):
    from django.core.management.base import CommandError

    from thuocdo.web.management.commands.serve import check_can_serve

    settings.REDIS_URL = None
    with pytest.raises(CommandError, match="REDIS_URL"):
        check_can_serve(2)
    check_can_serve(1)
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    check_can_serve(2)


def test_serve_needs_collected_static_files_without_debug(tmp_path, settings):
    from django.core.management.base import CommandError

    from thuocdo.web.management.commands.serve import check_can_serve

    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with pytest.raises(CommandError, match="collectstatic"):
        check_can_serve(1)
    call_command("collectstatic", "--no-input", verbosity=0)
    check_can_serve(1)
