"""Everything the booklet needs to know about a language, in one place per language.

`language("de-AT")` gives the `Language` of German, with the Austrian hyphenation
dictionary; a language without a module of its own gets English-like defaults
(English labels and QA words, dates as written, hyphenation only if pyphen has it).
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from functools import cache

import pyphen

DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
MODULES = ("en", "de", "zh")
"""Languages with a module here (parabook/lang/<tag>.py)."""
# gettext's Plural-Forms for languages without a module, so their PO files say it too.
OTHER_PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "es": "nplurals=2; plural=(n != 1);",
                      "it": "nplurals=2; plural=(n != 1);", "ja": "nplurals=1; plural=0;"}


@dataclasses.dataclass(frozen=True)
class Quotes:
    """A language's quotation marks."""

    primary: tuple[str, str]
    """Opening and closing mark of a quotation: “ ” in English, „ “ in German."""
    secondary: tuple[str, str]
    """Opening and closing mark of a quotation inside a quotation: ‘ ’, ‚ ‘."""

    @property
    def pairs(self) -> dict[str, str]:
        return dict((self.primary, self.secondary))

    @property
    def opening(self) -> str:
        return self.primary[0] + self.secondary[0]

    @property
    def closing(self) -> str:
        return self.primary[1] + self.secondary[1]


@dataclasses.dataclass(frozen=True)
class Language:
    """What the booklet, its PO file and its QA need to know about one language."""

    tag: str
    """The BCP 47 tag asked for, as in book.yaml (de-AT)."""
    pending_label: str
    """Printed where a segment has no translation yet."""
    plural_forms: str | None
    """gettext's Plural-Forms header, or None where unknown."""
    months: tuple[str, ...]
    """The twelve month names as a date writes them, January first."""
    date_formats: tuple[str, str, str] | None
    """How a year, a month of a year and a day are written (str.format with year,
    month (a name from `months`) and day); None: dates stay as book.yaml writes them."""
    number_words: dict[int, tuple[str, ...]] = dataclasses.field(hash=False)
    """Lower-case words that say a number (two, second, twice), for QA."""
    scale_words: dict[str, int] = dataclasses.field(hash=False)
    """Lower-case words that multiply the number before them (million, Milliarden, 万)."""
    thousands_separator: str
    """Groups the digits of a large number: 1,600 in English, 1.600 in German."""
    decimal_mark: str
    """Separates the fraction: 2.5 in English, 2,5 in German."""
    quotes: Quotes
    hyphenation: str | None
    """pyphen's dictionary, or None: not hyphenated."""
    hyphenation_part: str | None
    """A regular expression every part between two hyphenation points must match, where
    the dictionary marks false points; None: take them all."""
    font_family: str
    """The typeface the text is set in (Latin text: Noto Serif)."""
    notes_label: str = "Notes"
    """Heads a page left for notes (pages padding the booklet to a multiple of 4)."""
    contents_label: str = "Contents"
    """Heads the table of contents."""
    hyphenate_capitalised: bool = False
    """Whether a capitalised word may be hyphenated: German nouns, yes; in English a
    capital marks a name (Chengbei, Tianchang), which is never split."""

    def date(self, date: str) -> str:
        """`date` (YYYY, YYYY-MM or YYYY-MM-DD) as this language writes it."""
        match = DATE.match(date.strip())
        if (self.date_formats is None or not match
                or (match[2] and not 1 <= int(match[2]) <= 12)):
            return date
        year, month, day = match[1], match[2], match[3]
        form = self.date_formats[(month is not None) + (day is not None)]
        return form.format(year=year, month=self.months[int(month) - 1] if month else "",
                           day=int(day) if day else "")


@cache
def language(tag: str) -> Language:
    """The language of BCP 47 `tag` (en, en-GB, de-AT, zh-CN; de_AT too); never fails."""
    base = re.split(r"[-_]", tag)[0].lower()
    if base in MODULES:
        found = importlib.import_module(f"parabook.lang.{base}").LANGUAGE
    else:
        english = importlib.import_module("parabook.lang.en").LANGUAGE
        found = dataclasses.replace(english, plural_forms=OTHER_PLURAL_FORMS.get(base),
                                    date_formats=None, hyphenation=base)
    # The regional dictionary where pyphen has one (de_AT, en_US), else the language's.
    regional = tag.replace("-", "_") if base != tag.lower() else None
    names = [n for n in (regional, found.hyphenation) if n and n in pyphen.LANGUAGES]
    return dataclasses.replace(found, tag=tag, hyphenation=names[0] if names else None)
