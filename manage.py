#!/usr/bin/env python
"""Django's command-line utility; `thuocdo` is the same thing, installed."""

from thuocdo.cli import main

if __name__ == "__main__":
    main()
