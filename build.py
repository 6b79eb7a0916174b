#!/usr/bin/env python3
"""Thin shell over the parabook package: `python build.py --help`."""

import sys


def _not_installed(error: ModuleNotFoundError) -> str:
    """Run outside the project's environment: say which module is missing, and where."""
    return (f"error: {error} (in {sys.executable})\n"
            "  fix: run `make booklet` once, then use .venv/bin/python build.py")


try:
    from parabook.errors import BookError
except ModuleNotFoundError as exc:
    sys.exit(_not_installed(exc))

try:
    from parabook.cli import main
except ModuleNotFoundError as exc:
    sys.exit(_not_installed(exc))
except BookError as exc:  # WeasyPrint cannot start: a system library, or another release
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(exc.exit_code)

if __name__ == "__main__":
    sys.exit(main())
