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
_C0_C1 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Invisible characters that make the printed text differ from the reviewed bytes. None
# is needed in Chinese, English or German; the layout adds its own break chances later.
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # marks, embeddings, overrides, isolates
_ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff"  # hide a break, a join or a split word
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xfffe)}{chr(plane << 16 | 0xffff)}" for plane in range(17))
CONTROL = re.compile(f"[{_C0_C1}{_BIDI}{_ZERO_WIDTH}{_NONCHARACTERS}]")
"""A character no reviewed text may hold: a control character or an invisible one."""


def describe_control(char: str) -> tuple[str, str]:
    """How an error names a `CONTROL` character, and why it is refused: e.g.
    ("invisible character U+202E", "RIGHT-TO-LEFT OVERRIDE: it reorders the printed text")."""
    code = f"U+{ord(char):04X}"
    if re.fullmatch(f"[{_C0_C1}]", char):
        return f"control character {code}", "invisible, and not printable"
    if re.fullmatch(f"[{_NONCHARACTERS}]", char):
        return f"noncharacter {code}", "never text: a damaged or hostile file"
    effect = ("it reorders the printed text" if re.fullmatch(f"[{_BIDI}]", char)
              else "it hides a break or splits a word unseen")
    return f"invisible character {code}", f"{unicodedata.name(char)}: {effect}"


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def is_cjk(char: str, lang: str | None) -> bool:
    """Whether `char` is set full-width in text of language `lang` (None: not known)."""
    if char in AMBIGUOUS_WIDE:
        return lang is not None and lang.lower().startswith(EAST_ASIAN_LANGS)
    if unicodedata.east_asian_width(char) not in ("W", "F"):
        return False
    return not unicodedata.name(char, "").startswith("HANGUL")
