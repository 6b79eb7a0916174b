#!/usr/bin/env python3
"""Thin shell over the parabook package: `python build.py --help`."""

import sys

try:
    from parabook.cli import main
except ImportError as exc:  # run outside the project's environment
    sys.exit(f"error: {exc}\n  fix: run `make booklet` once, then use .venv/bin/python build.py")

if __name__ == "__main__":
    sys.exit(main())
