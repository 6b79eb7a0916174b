"""The publication date as each language writes it: 2021年12月30日 / 30 December 2021."""

from __future__ import annotations

import re

MONTHS_EN = ("January February March April May June July August September October "
             "November December").split()
DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def _parts(date: str) -> tuple[str, int | None, int | None] | None:
    match = DATE.match(date.strip())
    if not match or (match[2] and not 1 <= int(match[2]) <= 12):
        return None
    return match[1], int(match[2]) if match[2] else None, int(match[3]) if match[3] else None


def source_date(date: str) -> str:
    """Chinese: 2021年, 2021年12月, 2021年12月30日; anything else as written."""
    parts = _parts(date)
    if parts is None:
        return date
    year, month, day = parts
    return f"{year}年" + (f"{month}月" if month else "") + (f"{day}日" if day else "")


def target_date(date: str, lang: str) -> str:
    """English: 2021, December 2021, 30 December 2021; other languages as written."""
    parts = _parts(date)
    if parts is None or not lang.startswith("en"):
        return date
    year, month, day = parts
    if month is None:
        return year
    return (f"{day} " if day else "") + f"{MONTHS_EN[month - 1]} {year}"
