#!/usr/bin/env python3
"""Thin shell over the parabook package: `python build.py --help`."""

import sys

from parabook.cli import main

if __name__ == "__main__":
    sys.exit(main())
