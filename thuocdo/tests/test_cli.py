"""Issue 9, item 12: `thuocdo` commands run as the README shows, outside `make demo`."""

import os
import subprocess
import sys


def run_thuocdo(var_dir, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(THUOCDO_VAR_DIR=str(var_dir), DEBUG="0")
    return subprocess.run([sys.executable, "-m", "thuocdo.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_command_finds_the_key_make_demo_wrote_in_var(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 50 + "\n")

    done = run_thuocdo(tmp_path, "check")

    assert (done.returncode, done.stdout, done.stderr) == (0, "System check identified no issues (0 silenced).\n", "")


def test_without_a_key_a_command_says_what_to_do_in_one_line_not_a_traceback(tmp_path):
    done = run_thuocdo(tmp_path, "check")

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"thuocdo: SECRET_KEY là bắt buộc khi DEBUG tắt: đặt biến môi trường SECRET_KEY, hoặc chạy `make demo` "
        f"một lần để tạo {tmp_path / 'secret_key'} (SECRET_KEY is required unless DEBUG=1).\n"
    )
