"""Test-wide set-up: debug settings and the real unit registry, loaded once per test database."""

import os

os.environ.setdefault("DEBUG", "1")
