"""The `thuocdo` console command: Django's management commands under one name.

`thuocdo migrate`, `thuocdo load_units`, `thuocdo units search "bo ngoong"`, …
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with the project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuocdo.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["thuocdo", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:  # a missing or wrong setting: one line that says what to do
        print(f"thuocdo: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
