"""What counts as a Chinese character, CJK punctuation or a control character: defined once.

Han covers the unified ideographs, extension A, the compatibility ideographs and
extensions B and later. "CJK" (`is_cjk`) is wider: every character East Asian
fonts set full-width (UAX #11 wide or full-width, so kana and CJK punctuation too)
except Hangul, which Korean spaces as Latin; and, in Chinese or Japanese text,
the "ambiguous" marks Chinese fonts draw full-width (curly quotes, middle dot,
ellipsis, dash), which Latin fonts draw narrow.
"""

from __future__ import annotations

import re
import unicodedata

HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
"""Han ideographs, as a regular-expression class body."""
CJK_PUNCTUATION_RANGES = ("\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40"
                          "\uff5b-\uff65")
"""CJK symbols and punctuation and the full-width marks (not full-width letters or digits)."""
HAN = re.compile(f"[{HAN_RANGES}]")
HAN_OR_CJK_PUNCTUATION = re.compile(f"[{HAN_RANGES}{CJK_PUNCTUATION_RANGES}]")
IDEOGRAPHIC_SPACE = "\u3000"
AMBIGUOUS_WIDE = frozenset("“”‘’·…—")
"""UAX #11 "ambiguous": full-width in Chinese and Japanese fonts, narrow in Latin ones."""
EAST_ASIAN_LANGS = ("zh", "ja")

# C0 and C1 control characters other than tab and line ends: never text a person
# wrote (a damaged file, or a binary one), and nothing a PDF can print.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def is_cjk(char: str, lang: str | None) -> bool:
    """Whether `char` is set full-width in text of language `lang` (None: not known)."""
    if char in AMBIGUOUS_WIDE:
        return lang is not None and lang.lower().startswith(EAST_ASIAN_LANGS)
    if unicodedata.east_asian_width(char) not in ("W", "F"):
        return False
    return not unicodedata.name(char, "").startswith("HANGUL")
